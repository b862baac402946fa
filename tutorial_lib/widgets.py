"""Interactive cells: do a crowd task yourself, watch a pool fill up, rank two models blind.

The try-it-yourself cell shows the task exactly as a worker sees it (the same
``ProjectSpec`` and ``render_html`` every backend uses) and records what the
attendee submits as an ordinary :class:`~tutorial_lib.records.Assignment`
(backend ``widget``, pseudonymised id), so their answer can flow through the
same quality control as the crowd's. Submitting twice for the same task
updates the one record instead of adding a second, so re-running a cell
creates nothing twice. All crowd- or model-written text is HTML-escaped.

Taught in notebooks/01_crowdsourcing_basics.
"""
from __future__ import annotations

import html
import logging
import re
import time
from pathlib import Path

import ipywidgets as w

from .crowd.backend import pseudonymise
from .crowd.design import ProjectSpec, TrainingItem, grade_response, ranking_project, render_html
from .records import Assignment, append_jsonl, read_jsonl, write_jsonl
from .rundir import utc_now

logger = logging.getLogger(__name__)

DEFAULT_SALT = "tutorial-widget"


def html_table(rows: list[dict], columns: list[str] | None = None, max_chars: int = 300) -> str:
    """An HTML table of ``rows`` with every cell escaped and long text cut with an ellipsis.

    Taught in notebooks/02_collecting_answers.
    """
    columns = columns or (list(rows[0]) if rows else [])
    def cell(value) -> str:
        text = "" if value is None else str(value)
        text = text if len(text) <= max_chars else text[: max_chars - 1] + "…"
        return html.escape(text).replace("\n", "<br>")
    head = "".join(f"<th style='text-align:left'>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td style='text-align:left;vertical-align:top'>"
                                    f"{cell(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def show_table(rows: list, columns: list[str] | None = None, limit: int = 10, max_chars: int = 300):
    """Display records (dataclasses or dicts) as an escaped table; returns an IPython ``HTML``.

    Taught in notebooks/02_collecting_answers.
    """
    from dataclasses import asdict, is_dataclass

    from IPython.display import HTML

    dicts = [asdict(r) if is_dataclass(r) else dict(r) for r in rows[:limit]]
    note = f"<p><i>{limit} of {len(rows)} rows shown</i></p>" if len(rows) > limit else ""
    return HTML(html_table(dicts, columns, max_chars) + note)


def save_assignment(sink: str | Path, record: Assignment) -> bool:
    """Append ``record`` to ``sink``, or replace the row with the same id; True when replaced."""
    sink = Path(sink)
    rows = read_jsonl(sink, Assignment) if sink.exists() else []
    ids = [r.assignment_id for r in rows]
    if record.assignment_id not in ids:
        append_jsonl(sink, [record])
        return False
    rows[ids.index(record.assignment_id)] = record
    write_jsonl(sink, rows)
    return True


def _control(question, lang: str, spec: ProjectSpec):
    label = spec.text(question.label, lang)
    if question.kind == "text":
        return w.Textarea(placeholder=label, layout=w.Layout(width="95%", height="8em"))
    options = [(spec.text(lab, lang), value) for value, lab in question.options]
    return w.ToggleButtons(options=options, value=None, description="", style={"button_width": "auto"})


def _values_to_fields(spec: ProjectSpec, values: dict) -> dict:
    """Map a worker's outputs onto Assignment fields, as every backend does."""
    if spec.kind == "answers":
        return {"answer": values.get("answer") or ""}
    main = "helpful" if spec.kind == "validation" else "better"
    extra = {k: v for k, v in values.items() if k != main and v is not None}
    return {"label": values.get(main), "extra": extra}


class TaskWidget:
    """One task in the worker's interface; ``submit()`` records the attendee's output.

    Taught in notebooks/01_crowdsourcing_basics.
    """

    def __init__(self, spec: ProjectSpec, item: dict, sink: str | Path | None = None,
                 worker: str = "you", lang: str = "sw", salt: str = DEFAULT_SALT,
                 expected: TrainingItem | None = None):
        if not str(item.get("task_id") or "").strip():
            raise ValueError("the item needs a 'task_id' (the prompt id, or the answer id to judge)")
        self.spec, self.item, self.lang, self.expected = spec, item, lang, expected
        self.sink = Path(sink) if sink else None
        self.worker_id = pseudonymise(worker, salt)
        self.submissions: list[Assignment] = []
        preview = re.sub(r"<form>.*</form>", "", render_html(spec, item, lang), flags=re.S)
        self.controls = {q.name: _control(q, lang, spec) for q in spec.output_fields}
        labelled = [w.VBox([w.HTML(f"<b>{html.escape(spec.text(q.label, lang))}</b>"),
                            self.controls[q.name]]) for q in spec.output_fields]
        self.button = w.Button(description=spec.ui_text("submit", lang), button_style="primary")
        self.status = w.HTML()
        self.button.on_click(lambda _: self._clicked())
        self.widget = w.VBox([w.HTML(preview), *labelled, self.button, self.status])
        self._shown = time.monotonic()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _clicked(self) -> None:
        try:
            self.submit()
        except ValueError as err:
            self.status.value = f"<span style='color:#b00'>{html.escape(str(err))}</span>"

    def read(self) -> dict:
        """The current values of the controls."""
        return {name: control.value for name, control in self.controls.items()}

    def submit(self, values: dict | None = None) -> Assignment:
        """Validate and record ``values`` (default: what is in the controls)."""
        values = self.read() if values is None else values
        for q in self.spec.output_fields:
            value = values.get(q.name)
            if q.required and (value is None or (q.kind == "text" and not str(value).strip())):
                raise ValueError(f"please answer: {self.spec.text(q.label, self.lang)}")
            if q.kind == "text" and len(str(value).strip()) < q.min_length:
                raise ValueError(f"the answer is shorter than {q.min_length} characters")
        record = Assignment(
            assignment_id=f"widget-{self.spec.kind}-{self.item['task_id']}-{self.worker_id}",
            task_id=str(self.item["task_id"]), worker_id=self.worker_id, stage=self.spec.kind,
            backend="widget", submitted_at=utc_now(),
            duration_s=round(time.monotonic() - self._shown, 1), **_values_to_fields(self.spec, values),
        )
        replaced = save_assignment(self.sink, record) if self.sink else False
        self.submissions = [s for s in self.submissions if s.assignment_id != record.assignment_id]
        self.submissions.append(record)
        self.status.value = self._feedback(values, replaced)
        return record

    def _feedback(self, values: dict, replaced: bool) -> str:
        saved = "updated" if replaced else "saved"
        msg = f"✓ {saved} as {html.escape(self.worker_id)}"
        if self.expected is not None:
            ok = grade_response(self.spec, self.expected, values)
            tip = self.spec.text(self.expected.feedback, self.lang) if self.expected.feedback else ""
            msg += (" — matches the expected answer" if ok else
                    f" — not what we expected. {html.escape(tip)}")
        return msg


class PoolProgress:
    """A progress bar for a crowd project on any backend; ``watch()`` polls until done.

    Taught in notebooks/02_collecting_answers.
    """

    def __init__(self, backend, project_id: str, label: str = ""):
        self.backend, self.project_id = backend, project_id
        self.bar = w.IntProgress(min=0, max=1, value=0, description=label or "pool",
                                 layout=w.Layout(width="60%"))
        self.text = w.HTML()
        self.widget = w.HBox([self.bar, self.text])
        self.refresh()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def refresh(self):
        """Ask the backend once and update the bar; returns its ``Progress``."""
        p = self.backend.progress(self.project_id)
        self.bar.max, self.bar.value = max(p.total, 1), min(p.submitted, max(p.total, 1))
        self.bar.bar_style = "success" if p.done else ""
        self.text.value = f"{p.submitted} / {p.total} assignments ({p.fraction:.0%}), {p.remaining} left"
        return p

    def watch(self, timeout_s: float = 600, poll_s: float = 5):
        """Refresh every ``poll_s`` seconds until the pool is done or ``timeout_s`` passes."""
        deadline = time.monotonic() + timeout_s
        p = self.refresh()
        while not p.done and time.monotonic() < deadline:
            time.sleep(poll_s)
            p = self.refresh()
        return p


class RankingWidget:
    """Blind side-by-side judging: two answers to one prompt, click the more helpful one.

    ``comparisons`` are ranking task dicts (``task_id``, ``prompt``, ``answer_a``,
    ``answer_b``, ``model_a``, ``model_b``); model names stay hidden until the end.

    Taught in notebooks/05_hands_on_mt5.
    """

    def __init__(self, comparisons: list[dict], sink: str | Path | None = None,
                 worker: str = "you", lang: str = "sw", salt: str = DEFAULT_SALT):
        if not comparisons:
            raise ValueError("no comparisons to rank")
        self.spec = ranking_project(lang)
        self.comparisons, self.lang = comparisons, lang
        self.sink = Path(sink) if sink else None
        self.worker_id = pseudonymise(worker, salt)
        self.votes: list[Assignment] = []
        self.index = 0
        question = self.spec.question("better")
        self.buttons = [w.Button(description=self.spec.text(lab, lang), layout=w.Layout(width="45%"))
                        for _, lab in question.options]
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
            self.view.value = f"<p><b>Done.</b> {html.escape(self.tally_text())}</p>"
            return
        c = self.comparisons[self.index]
        box = "style='flex:1;border:1px solid #ccc;padding:8px;white-space:pre-wrap'"
        self.view.value = (
            f"<p><i>{self.index + 1} / {len(self.comparisons)}</i></p>"
            f"<p><b>{html.escape(c['prompt'])}</b></p><div style='display:flex;gap:12px'>"
            f"<div {box}><b>A</b><br>{html.escape(c['answer_a'])}</div>"
            f"<div {box}><b>B</b><br>{html.escape(c['answer_b'])}</div></div>")

    def vote(self, label: int) -> Assignment | None:
        """Record ``label`` (0 = A better, 1 = B better) for the current pair and move on."""
        if self.done:
            return None
        if label not in (0, 1):
            raise ValueError(f"label must be 0 (A better) or 1 (B better), got {label!r}")
        c = self.comparisons[self.index]
        record = Assignment(
            assignment_id=f"widget-ranking-{c['task_id']}-{self.worker_id}", task_id=str(c["task_id"]),
            worker_id=self.worker_id, stage="ranking", backend="widget", submitted_at=utc_now(),
            duration_s=round(time.monotonic() - self._shown, 1), label=label)
        if self.sink:
            save_assignment(self.sink, record)
        self.votes.append(record)
        self.index += 1
        self._show()
        return record

    def tally(self) -> dict[str, int]:
        """Wins per model name over the votes so far."""
        by_id = {str(c["task_id"]): c for c in self.comparisons}
        wins: dict[str, int] = {}
        for v in self.votes:
            c = by_id[v.task_id]
            winner = c["model_a"] if v.label == 0 else c["model_b"]
            wins[winner] = wins.get(winner, 0) + 1
        return wins

    def tally_text(self) -> str:
        wins = self.tally()
        return ", ".join(f"{name}: {n} win(s)" for name, n in sorted(wins.items())) or "no votes"


def cost_summary(n_prompts: int, answer_overlap: int, validation_overlap: int,
                 seconds_per_answer: float, seconds_per_vote: float, hourly_pay_usd: float,
                 control_share: float = 0.1, platform_fee: float = 0.3) -> str:
    """Both projects' cost at these settings, as text (the pricing calculator's output).

    Taught in notebooks/01_crowdsourcing_basics.
    """
    from .crowd.pricing import estimate_cost

    part1 = estimate_cost(n_prompts, answer_overlap, seconds_per_answer, hourly_pay_usd,
                          control_share, platform_fee)
    part2 = estimate_cost(n_prompts * answer_overlap, validation_overlap, seconds_per_vote,
                          hourly_pay_usd, control_share, platform_fee)
    total = part1.total_usd + part2.total_usd
    return (f"Part I (answers)\n{part1.summary()}\n\nPart II (validation)\n{part2.summary()}\n\n"
            f"Both parts: ${total:.2f}")


def pricing_calculator(crowd_cfg=None, n_prompts: int = 160):
    """Sliders for prompts, overlaps, task times and hourly pay; shows the bill as they move.

    Taught in notebooks/01_crowdsourcing_basics.
    """
    from .config import CrowdConfig

    c = crowd_cfg or CrowdConfig()
    out = w.HTML()
    sliders = {
        "n_prompts": w.IntSlider(value=n_prompts, min=10, max=2000, step=10, description="prompts"),
        "answer_overlap": w.IntSlider(value=c.answer_overlap, min=1, max=5, description="answers/prompt"),
        "validation_overlap": w.IntSlider(value=c.validation_overlap, min=1, max=7, description="votes/answer"),
        "seconds_per_answer": w.IntSlider(value=int(c.seconds_per_answer), min=30, max=600, step=10,
                                          description="s per answer"),
        "seconds_per_vote": w.IntSlider(value=int(c.seconds_per_vote), min=5, max=120, step=5,
                                        description="s per vote"),
        "hourly_pay_usd": w.FloatSlider(value=c.hourly_pay_usd, min=1, max=30, step=0.5,
                                        description="$ per hour"),
    }

    def update(*_):
        text = cost_summary(**{k: s.value for k, s in sliders.items()},
                            control_share=c.control_share, platform_fee=c.platform_fee)
        out.value = f"<pre>{html.escape(text)}</pre>"

    for s in sliders.values():
        s.style = {"description_width": "8em"}
        s.observe(update, names="value")
    update()
    box = w.VBox([*sliders.values(), out])
    box.sliders, box.output = sliders, out
    return box
