"""Dynamic overlap (incremental relabeling): pay for another vote only where it can change the verdict.

Every answer starts with a low number of validation votes; after each
round the votes of *all* answers are aggregated together (so Dawid-Skene or
GLAD learn each validator's skill from every task they did), and only answers
whose verdict is still uncertain get one more vote, up to a maximum. Clear
cases stop at the start overlap; that is where the savings come from.

The rules of :func:`validate_dynamic`: each answer starts at
``crowd.validation_overlap`` votes; while its aggregated confidence is below
``crowd.confidence_threshold`` it gets one more vote, up to
``crowd.validation_max_overlap``. Skills are re-fitted on every vote after
each round, and an answer that had stopped is reopened when its confidence
falls below the threshold again. Confidence comes from :func:`helpfulness`,
the model that :func:`~.postaccept.decide` uses for the verdict. When a cap
on votes binds, the least confident answers get the remaining votes first.

Money-safe: a budget prices every request at the configured pay, and the
ledger records each step, so a replayed loop (rerun, ``--force``, restart)
asks nothing again for a step on record, continues an interrupted loop from
its last step, and stops at once when the loop already finished for these
answers in this round.

Taught in notebooks/03_answer_validation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import CrowdConfig
from ..crowd.budget import Budget
from ..crowd.collect import collect_votes, read_sink, request_more_votes
from ..crowd.ledger import Ledger, sink_ledger
from ..crowd.plan import (
    ASSUMED_WAIT_S,
    REOPEN_FACTOR,  # noqa: F401  (re-exported: the bound on rounds)
    validation_rounds,
)
from ..records import Assignment, Prompt
from .aggregate import make_label_aggregator

logger = logging.getLogger(__name__)

# On the likert5 scale a vote of 4 or 5 counts as "helpful".
LIKERT_HELPFUL = 4
# Pseudo-votes that shrink each validator's confusion matrix toward the crowd's
# (SmoothedDawidSkene): plain DS calls two votes of "perfect" workers certain
# and the stopping rule stops too early. The same model must stop and decide,
# or an answer stops as "certain" and is then decided at 0.49. Measured by
# benchmarks/qc_overlap.py (10 seeds, threshold 0.9, up to 7 votes): 0 is
# overconfident, 2 shrinks diligent validators toward the crowd's ~40% false
# "yes" and buys ~0.72x fixed-5 votes for 0.987; 1 is calibrated at 2-3 votes
# (answers at confidence 0.9-0.95 are right 91% of the time) and costs ~0.6x.
DECISION_SMOOTHING = 1.0


def helpful_label(vote: Assignment) -> int:
    """A vote as 1 (helpful) / 0 (not): binary as is, likert5 as ``label >= 4``.

    Args:
        vote: a validation vote.

    Returns:
        1 or 0.

    Raises:
        ValueError: a vote without a label, or a label outside 0/1 and 1-5.
    """
    if vote.label is None:
        raise ValueError(f"vote {vote.assignment_id} on answer {vote.task_id} has no label")
    label = int(vote.label)
    if label in (0, 1):
        return label
    if 1 <= label <= 5:
        return int(label >= LIKERT_HELPFUL)
    raise ValueError(f"vote {vote.assignment_id} has label {label}; expected 0/1 or 1-5")


def votes_frame(votes: list[Assignment]) -> pd.DataFrame:
    """``task, worker, label`` rows (label 1 = helpful) from validation votes.

    Args:
        votes: assignments; only validation votes are read.

    Returns:
        One row per vote, ready for a label aggregator.

    Taught in notebooks/03_answer_validation.
    """
    rows = [(v.task_id, v.worker_id, helpful_label(v)) for v in votes if v.kind == "validation"]
    return pd.DataFrame(rows, columns=["task", "worker", "label"])


def helpfulness(
    votes: list[Assignment],
    method: str = "ds",
    *,
    n_iter: int | None = None,
    seed: int = 0,
    smoothing: float = DECISION_SMOOTHING,
) -> pd.DataFrame:
    """Per answer: ``score`` = P(helpful), ``confidence`` = P(chosen verdict), ``votes``.

    Aggregates every vote at once, so worker skills come from all their tasks.

    Args:
        votes: validation votes (binary or likert5, see :func:`helpful_label`).
        method: a label aggregation method (see :func:`~.aggregate.make_label_aggregator`).
        n_iter: iterations of the iterative methods (their default when None).
        seed: MACE's random state.
        smoothing: for ``ds``, > 0 uses :class:`~.smoothed_ds.SmoothedDawidSkene`
            (0 gives crowd-kit's plain DawidSkene); ignored by other methods.

    Returns:
        A frame indexed by answer id (the votes' ``task_id``); empty when
        there are no votes.
    """
    df = votes_frame(votes)
    if df.empty:
        return pd.DataFrame(columns=["score", "confidence", "votes"], dtype=float)
    counts = df.groupby("task").size()
    if df.label.nunique() == 1:
        # One class only: every model says the same; the vote count is the evidence.
        score = pd.Series(float(df.label.iloc[0]), index=counts.index)
    else:
        model = make_label_aggregator(method, n_iter=n_iter, seed=seed, smoothing=smoothing)
        probas = model.fit_predict_proba(df)
        score = probas[1] if 1 in probas.columns else pd.Series(0.0, index=probas.index)
        score = score.reindex(counts.index).fillna(0.0).astype(float)
    out = pd.DataFrame({"score": score, "votes": counts})
    out["confidence"] = out.score.where(out.score >= 0.5, 1.0 - out.score)
    return out[["score", "confidence", "votes"]]


def uncertain_answers(
    table: pd.DataFrame,
    answer_ids: list[str],
    threshold: float,
    max_overlap: int,
    limit: int | None = None,
) -> list[str]:
    """Answers whose verdict confidence is below ``threshold`` and that can still get a vote.

    With ``limit``, at most that many, least confident first (unvoted answers
    count as confidence 0): when the budget runs short, the next vote goes
    where the verdict is closest to a coin flip. Otherwise in ``answer_ids`` order.

    Args:
        table: :func:`helpfulness`'s frame (``confidence``, ``votes`` by answer id).
        answer_ids: the answers in play.
        threshold: the confidence a verdict needs to stop.
        max_overlap: the most votes an answer may get.
        limit: at most this many answers (the remaining vote budget).

    Returns:
        The answer ids that get one more vote.
    """
    out = []
    for aid in answer_ids:
        if aid not in table.index:
            out.append((0.0, aid))  # no vote yet: certainly uncertain
            continue
        row = table.loc[aid]
        if row.confidence < threshold and row.votes < max_overlap:
            out.append((float(row.confidence), aid))
    if limit is None:
        return [aid for _, aid in out]
    return [aid for _, aid in sorted(out, key=lambda x: x[0])[: max(limit, 0)]]


# Time kept between the last vote and Toloka's auto-acceptance, to decide and apply verdicts.
DECISION_MARGIN_S = 3600.0


def review_closes(backend, crowd_cfg: CrowdConfig) -> bool:
    """Whether another vote round would end after the platform accepts Part I on its own.

    Toloka accepts an undecided answer ``auto_accept_period_day`` days after it
    was submitted; a round takes up to ``crowd.wait_timeout_s`` (a day when
    unset). When the next round would not leave :data:`DECISION_MARGIN_S` before
    that deadline, dynamic overlap stops and the verdicts use the votes in hand.

    Args:
        backend: the crowd backend; its ``review_deadline`` and ``clock`` are read.
        crowd_cfg: the ``crowd`` section (``wait_timeout_s``).

    Returns:
        True when no further round fits (a warning says why); False when it
        does or the backend has no deadline (simulated, room).
    """
    deadline = backend.review_deadline(None)
    if deadline is None:
        return False
    round_s = float(crowd_cfg.wait_timeout_s or ASSUMED_WAIT_S)
    left = (deadline - backend.clock.now()).total_seconds()
    if left >= round_s + DECISION_MARGIN_S:
        return False
    logger.warning(
        "stopping dynamic overlap: Toloka accepts undecided answers at %s, %.1f h from "
        "now; deciding with the votes in hand",
        deadline.isoformat(),
        left / 3600.0,
    )
    return True


def validate_dynamic(
    backend,
    answers: list[Assignment],
    prompts: list[Prompt],
    crowd_cfg: CrowdConfig,
    sink: Path,
    method: str = "ds",
    round: int = 0,
    *,
    prior_votes: list[Assignment] | None = None,
    budget_usd: float | None = None,
    smoothing: float = DECISION_SMOOTHING,
    max_votes: int | None = None,
    budget: Budget | None = None,
    ledger: Ledger | None = None,
) -> list[Assignment]:
    """Collect validation votes with dynamic overlap (see the module docstring for the rules).

    Args:
        backend: the crowd backend.
        answers: the answers to validate.
        prompts: their prompts (shown to validators).
        crowd_cfg: start/maximum overlap, ``confidence_threshold``, pay, waiting time.
        sink: the votes' JSONL file; votes already there count (resume-safe).
        method: the aggregation that scores confidence (the one that decides).
        round: the post-acceptance round these answers belong to.
        prior_votes: earlier votes, used only to learn worker skills.
        budget_usd: a spending limit when ``budget`` is not given.
        smoothing: Dawid-Skene pseudo-votes (see :func:`helpfulness`).
        max_votes: a cap on the votes on these answers (start votes included).
        budget: prices every request (default: ``crowd_cfg``'s).
        ledger: records each step (default: beside ``sink``).

    Returns:
        Every validation vote in ``sink``.
    """
    sink = Path(sink)
    ids = [a.assignment_id for a in answers]
    if budget is None:
        budget = Budget.from_config(crowd_cfg)
        budget.limit_usd = budget_usd
    loop = _OverlapLoop(
        backend=backend,
        crowd_cfg=crowd_cfg,
        sink=sink,
        round=round,
        budget=budget,
        ledger=ledger if ledger is not None else sink_ledger(sink, backend.name),
    )
    votes = collect_votes(
        backend, answers, prompts, crowd_cfg.validation_overlap, sink, **loop.money()
    )
    if not ids or set(ids) <= loop.ledger.completed("validation", round):
        logger.info(
            "dynamic overlap already finished for these %d answers in round %d", len(ids), round
        )
        return read_sink(sink, "validation")
    loop.run(ids, votes, prior_votes or [], method, smoothing, max_votes)
    loop.ledger.record("complete", kind="validation", round=round, task_ids=ids)
    return read_sink(sink, "validation")


@dataclass
class _OverlapLoop:
    """One dynamic-overlap loop: where votes go, and what pays and records them."""

    backend: Any
    crowd_cfg: CrowdConfig
    sink: Path
    round: int
    budget: Budget
    ledger: Ledger

    def money(self) -> dict:
        """The keyword arguments every request shares: round, budget, ledger, timeout."""
        return {
            "round": self.round,
            "budget": self.budget,
            "ledger": self.ledger,
            "timeout_s": self.crowd_cfg.wait_timeout_s,
        }

    def run(
        self,
        ids: list[str],
        votes: list[Assignment],
        prior_votes: list[Assignment],
        method: str,
        smoothing: float,
        max_votes: int | None,
    ) -> None:
        """Add one vote to each uncertain answer per step, from the step the ledger reached."""
        id_set, cfg = set(ids), self.crowd_cfg
        known = {v.assignment_id: v for v in votes}
        for v in prior_votes:
            known.setdefault(v.assignment_id, v)
        # Refits move skills, so an answer that stopped early can turn uncertain again and
        # reopen; measured: stopping after (max - start) rounds instead costs ~0.005 accuracy.
        # Every round adds a vote to an answer below the maximum, so this always ends.
        max_steps = validation_rounds(cfg) - 1
        first = self.ledger.steps_done(self.ledger.projects("validation")[-1], self.round, id_set)
        for step in range(first, max_steps + 1):
            table = helpfulness(list(known.values()), method, smoothing=smoothing)
            left = None
            if max_votes is not None:
                left = max_votes - sum(v.task_id in id_set for v in known.values())
            todo = uncertain_answers(
                table, ids, cfg.confidence_threshold, cfg.validation_max_overlap, limit=left
            )
            logger.info(
                "dynamic overlap step %d: %d of %d answers still uncertain",
                step,
                len(todo),
                len(ids),
            )
            if not todo or step == max_steps or review_closes(self.backend, cfg):
                break
            for v in request_more_votes(
                self.backend, todo, 1, self.sink, step=step, **self.money()
            ):
                known[v.assignment_id] = v
