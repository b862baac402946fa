"""Blind side-by-side judging of two models' answers, recorded as ranking assignments.

Taught in notebooks/05_hands_on_mt5.
"""

from __future__ import annotations

import time
from pathlib import Path

import ipywidgets as w

from ..crowd.backend import pseudonymise
from ..crowd.design import ranking_project
from ..provenance import utc_now
from ..records import Assignment
from ..render import nl2br, render
from .display import save_assignment
from .task import DEFAULT_SALT


class RankingWidget:
    """Blind side-by-side judging: two answers to one prompt, click the more helpful one.

    ``comparisons`` are ranking task dicts (``task_id``, ``prompt``, ``answer_a``,
    ``answer_b``, ``model_a``, ``model_b``); model names stay hidden until the end.

    Taught in notebooks/05_hands_on_mt5.
    """

    def __init__(
        self,
        comparisons: list[dict],
        sink: str | Path | None = None,
        worker: str = "you",
        lang: str = "sw",
        salt: str = DEFAULT_SALT,
    ):
        if not comparisons:
            raise ValueError("no comparisons to rank")
        self.spec = ranking_project(lang)
        self.comparisons, self.lang = comparisons, lang
        self.sink = Path(sink) if sink else None
        self.worker_id = pseudonymise(worker, salt)
        self.votes: list[Assignment] = []
        self.index = 0
        question = self.spec.question("better")
        self.buttons = [
            w.Button(description=self.spec.text(lab, lang), layout=w.Layout(width="45%"))
            for _, lab in question.options
        ]
        for button, (value, _) in zip(self.buttons, question.options):
            button.on_click(lambda _, v=value: self.vote(v))
        self.view, self.status = w.HTML(), w.HTML()
        self.widget = w.VBox([self.view, w.HBox(self.buttons), self.status])
        self._show()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    @property
    def done(self) -> bool:
        return self.index >= len(self.comparisons)

    def _show(self) -> None:
        self._shown = time.monotonic()
        if self.done:
            for b in self.buttons:
                b.disabled = True
            self.view.value = f"<p><b>Done.</b> {nl2br(self.tally_text())}</p>"
            return
        c = self.comparisons[self.index]
        self.view.value = render(
            "ranking_pair.html.j2",
            position=self.index + 1,
            total=len(self.comparisons),
            prompt=c["prompt"],
            answer_a=c["answer_a"],
            answer_b=c["answer_b"],
        )

    def vote(self, label: int) -> Assignment | None:
        """Record ``label`` (0 = A better, 1 = B better) for the current pair and move on.

        The vote is stored (when a sink was given) under one id per pair and
        worker, so voting again on a re-run replaces the earlier vote.

        Args:
            label: 0 when answer A is more helpful, 1 when answer B is.

        Returns:
            The recorded ranking :class:`~tutorial_lib.records.Assignment`, or
            None when every pair has been judged already.

        Raises:
            ValueError: if ``label`` is neither 0 nor 1.
        """
        if self.done:
            return None
        if label not in (0, 1):
            raise ValueError(f"label must be 0 (A better) or 1 (B better), got {label!r}")
        c = self.comparisons[self.index]
        record = Assignment(
            assignment_id=f"widget-ranking-{c['task_id']}-{self.worker_id}",
            task_id=str(c["task_id"]),
            worker_id=self.worker_id,
            kind="ranking",
            backend="widget",
            submitted_at=utc_now(),
            duration_s=round(time.monotonic() - self._shown, 1),
            label=label,
        )
        if self.sink:
            save_assignment(self.sink, record)
        self.votes.append(record)
        self.index += 1
        self._show()
        return record

    def tally(self) -> dict[str, int]:
        """Wins per model name over the votes so far.

        Returns:
            Model name -> number of pairs it won; models with no win are absent.
        """
        by_id = {str(c["task_id"]): c for c in self.comparisons}
        wins: dict[str, int] = {}
        for v in self.votes:
            c = by_id[v.task_id]
            winner = c["model_a"] if v.label == 0 else c["model_b"]
            wins[winner] = wins.get(winner, 0) + 1
        return wins

    def tally_text(self) -> str:
        """The tally as one line, shown when judging ends (model names revealed).

        Returns:
            ``"name: N win(s), ..."`` sorted by name, or ``"no votes"``.
        """
        wins = self.tally()
        return ", ".join(f"{name}: {n} win(s)" for name, n in sorted(wins.items())) or "no votes"
