"""Post-acceptance: accept or reject each Part I answer, tell the worker why, re-collect what is missing.

Pay follows the verdict, so it must be explainable: an answer is accepted
when it passed every quality rule and its aggregated helpfulness reaches
``accept_threshold``; otherwise it is rejected with the reasons in the
worker's language. Answers that fail the rules are never sent to validation
(no money spent) but still get a decision. Prompts left without an accepted
answer go back to the crowd for a bounded number of rounds.

Idempotent through the money ledger the caller passes (a run passes
``crowd/ledger.jsonl``, which ``--force`` never wipes; outside a run it is
``applied_decisions.jsonl`` beside the sinks): every verdict is recorded right
after it is applied on the backend and never applied again on a rerun; a
verdict the platform refused as too late is recorded as ``late_verdict`` and
not retried; new answers are asked at most once per prompt and round, extra
votes at most once per answer and dynamic-overlap step; once a prompt has an
accepted answer, asking for more answers to it stops.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from ..config import CrowdConfig, QualityConfig
from ..crowd.backend import VerdictTooLate
from ..crowd.budget import Budget
from ..crowd.collect import read_sink, request_more_answers, stop_asking
from ..crowd.design import answer_project
from ..crowd.ledger import Ledger
from ..records import Assignment, Decision, Prompt, QCResult
from .overlap import helpfulness, validate_dynamic
from .rules import check_answers
from .worker_comments import comment_for
from .workers import banned_workers, worker_summary

logger = logging.getLogger(__name__)


def decide(
    answers: list[Assignment],
    votes: list[Assignment],
    qc: list[QCResult],
    cfg: QualityConfig,
    method: str | None = None,
    *,
    lang: str = "en",
) -> list[Decision]:
    """One :class:`Decision` per answer: QC failures rejected with their reasons, the rest by votes.

    ``score`` is the aggregated P(helpful) (``method``, default
    ``cfg.aggregation``, fitted on every vote given so skills come from all
    tasks); ``confidence`` is the probability of the verdict taken.

    Args:
        answers: the answers to decide.
        votes: every validation vote (also on other answers: skills).
        qc: the rules' results; every answer needs one.
        cfg: the ``quality`` section (``aggregation``, ``accept_threshold``).
        method: overrides ``cfg.aggregation``.
        lang: the language of the comment to the worker.

    Returns:
        One decision per answer, in input order.

    Raises:
        ValueError: an answer without a QC result, or one that passed QC but has no vote.
    """
    by_qc = {q.assignment_id: q for q in qc}
    missing = [a.assignment_id for a in answers if a.assignment_id not in by_qc]
    if missing:
        raise ValueError(
            f"{len(missing)} answer(s) have no QC result, e.g. {missing[:3]}; "
            "run rules.check_answers on them first"
        )
    table = helpfulness(votes, method or cfg.aggregation)
    unvoted = [
        a.assignment_id
        for a in answers
        if by_qc[a.assignment_id].passed and a.assignment_id not in table.index
    ]
    if unvoted:
        raise ValueError(
            f"{len(unvoted)} answer(s) passed QC but have no validation votes, e.g. "
            f"{unvoted[:3]}; validate them before deciding"
        )
    return [
        _decision(a, by_qc[a.assignment_id], table, cfg.accept_threshold, lang) for a in answers
    ]


def _decision(a: Assignment, q: QCResult, table, accept_threshold: float, lang: str) -> Decision:
    """One answer's verdict: its QC failures, else its aggregated helpfulness against the bar."""
    row = table.loc[a.assignment_id] if a.assignment_id in table.index else None
    score = float(row.score) if row is not None else 0.0
    n_votes = int(row.votes) if row is not None else 0
    if not q.passed:
        verdict, reasons, conf = "reject", list(q.reasons), 1.0
    elif score >= accept_threshold:
        verdict, reasons, conf = "accept", [], score
    else:
        verdict, reasons, conf = "reject", ["not_helpful"], 1.0 - score
    return Decision(
        a.assignment_id,
        a.task_id,
        a.worker_id,
        verdict,
        round(score, 4),
        round(conf, 4),
        n_votes,
        reasons,
        a.round,
        comment_for(verdict, reasons, lang),
    )


def _merge(*groups: list[Assignment]) -> dict[str, Assignment]:
    """By assignment id, first occurrence wins (the original record, not a sink's copy)."""
    out: dict[str, Assignment] = {}
    for group in groups:
        for a in group:
            out.setdefault(a.assignment_id, a)
    return out


def late_verdicts(ledger: Ledger) -> list[dict]:
    """Verdicts that arrived after the platform had accepted the work (counted, not applied).

    Args:
        ledger: the run's crowd ledger (this backend's events).

    Returns:
        The ``late_verdict`` events, oldest first: ``assignment_id``, ``verdict``,
        ``prompt_id``, ``reason`` plus the ledger's ``event``/``backend``/``at``.
    """
    return ledger.events("late_verdict")


def _apply(backend, decisions: list[Decision], ledger: Ledger, applied: dict) -> None:
    """Accept/reject on the backend, recording each verdict right after it is applied.

    A verdict the platform can no longer apply (it accepted the work after its
    review period) is logged, recorded as a ``late_verdict`` in the ledger and
    kept as decided, so a rerun moves on instead of stopping at the same assignment.
    """
    for d in decisions:
        if d.assignment_id in applied:
            continue
        try:
            if d.verdict == "accept":
                backend.accept(d.assignment_id, d.comment)
            else:
                backend.reject(d.assignment_id, d.comment)
        except VerdictTooLate as err:
            logger.warning("too late: %s", err)
            ledger.record(
                "late_verdict",
                assignment_id=d.assignment_id,
                verdict=d.verdict,
                prompt_id=d.prompt_id,
                reason=str(err),
            )
        ledger.record_verdict(d)
        applied[d.assignment_id] = d


def _qc_new(prompts, answers, qc_by: dict, quality: QualityConfig, lang: str) -> None:
    """QC answers that have none yet, against all answers (duplicates) and writer bans.

    Bans here come from a worker's answers only: how someone validates is no
    reason to reject what they write (validator bans belong to the Part II project).
    """
    if all(a.assignment_id in qc_by for a in answers):
        return
    banned = banned_workers(worker_summary(list(qc_by.values())))
    for q in check_answers(prompts, answers, quality, lang=lang, banned=banned):
        qc_by.setdefault(q.assignment_id, q)


@dataclasses.dataclass
class _Rounds:
    """The state of one post-acceptance loop: every answer, vote, QC result and applied verdict."""

    backend: Any
    prompts: list[Prompt]
    quality: QualityConfig
    crowd: CrowdConfig
    lang: str
    answers_sink: Path
    votes_sink: Path
    ledger: Ledger
    budget: Budget
    answers: dict[str, Assignment]
    votes: dict[str, Assignment]
    qc_by: dict[str, QCResult]
    applied: dict[str, Decision]
    extra_answers: int = 1

    def validate(self, rnd: int, current: list[Assignment]) -> None:
        """Votes for answers that passed QC and have none (a rerun fetches what it paid for)."""
        voted = {v.task_id for v in self.votes.values()}
        need = [
            a
            for a in current
            if self.qc_by[a.assignment_id].passed and a.assignment_id not in voted
        ]
        if not need:
            return
        new = validate_dynamic(
            self.backend,
            need,
            self.prompts,
            self.crowd,
            self.votes_sink,
            self.quality.aggregation,
            round=rnd,
            prior_votes=list(self.votes.values()),
            budget=self.budget,
            ledger=self.ledger,
        )
        self.votes = _merge(list(self.votes.values()), new)

    def decide_pending(self, current: list[Assignment]) -> None:
        """Decide and apply every answer without an applied verdict."""
        pending = [a for a in current if a.assignment_id not in self.applied]
        if pending:
            decisions = decide(
                pending,
                list(self.votes.values()),
                list(self.qc_by.values()),
                self.quality,
                lang=self.lang,
            )
            _apply(self.backend, decisions, self.ledger, self.applied)

    def accepted_prompts(self, rnd: int) -> set[str]:
        """Prompts with an accepted answer by round ``rnd``.

        Verdicts of later rounds (a rerun) do not count yet: each round replays
        as it ran, so a forced rerun fetches the re-collected answers it already paid for.
        """
        return {
            d.prompt_id for d in self.applied.values() if d.verdict == "accept" and d.round <= rnd
        }

    def recollect(self, rnd: int, current: list[Assignment], missing: list[str]) -> None:
        """Ask once per prompt and round for new answers where none was accepted."""
        asked = {a.task_id for a in current if a.round == rnd + 1}  # a re-run: already asked
        todo = [pid for pid in missing if pid not in asked]
        if todo:
            request_more_answers(
                self.backend,
                todo,
                self.extra_answers,
                self.answers_sink,
                round=rnd + 1,
                spec=answer_project(lang=self.lang),
                budget=self.budget,
                ledger=self.ledger,
                timeout_s=self.crowd.wait_timeout_s,
            )
        self.answers = _merge(list(self.answers.values()), read_sink(self.answers_sink, "answers"))

    def run_round(self, rnd: int, answered: set[str]) -> bool:
        """QC, validate, decide and apply; re-collect unless this was the last round.

        Returns:
            True when the loop is over (every answered prompt has an accepted
            answer, or the rounds are spent).
        """
        current = list(self.answers.values())
        _qc_new(self.prompts, current, self.qc_by, self.quality, self.lang)
        self.validate(rnd, current)
        self.decide_pending(current)
        accepted = self.accepted_prompts(rnd)
        stop_asking(self.backend, self.ledger, "answers", sorted(accepted))  # answered: buy no more
        missing = [p.id for p in self.prompts if p.id in answered and p.id not in accepted]
        logger.info(
            "post-acceptance round %d: %d answers decided, %d prompts without an accepted answer",
            rnd,
            len(self.applied),
            len(missing),
        )
        if not missing or rnd == self.quality.max_rounds:
            stop_asking(self.backend, self.ledger, "answers", missing)  # the last round
            return True
        self.recollect(rnd, current, missing)
        return False

    def run(self) -> tuple[list[Decision], list[Assignment], list[Assignment]]:
        """Every round until one ends the loop; the result as :func:`post_accept` returns it."""
        answered = {a.task_id for a in self.answers.values()}
        for rnd in range(self.quality.max_rounds + 1):
            if self.run_round(rnd, answered):
                break
        return self.result()

    def result(self) -> tuple[list[Decision], list[Assignment], list[Assignment]]:
        """Decisions, answers with their applied status and comment, and every vote."""
        final_answers = []
        for a in self.answers.values():
            d = self.applied.get(a.assignment_id)
            status = {"accept": "accepted", "reject": "rejected"}[d.verdict] if d else a.status
            final_answers.append(
                dataclasses.replace(a, status=status, comment=d.comment if d else a.comment)
            )
        decisions = [
            self.applied[a.assignment_id] for a in final_answers if a.assignment_id in self.applied
        ]
        return decisions, final_answers, list(self.votes.values())


def post_accept(
    backend,
    prompts: list[Prompt],
    answers: list[Assignment],
    votes: list[Assignment],
    qc: list[QCResult],
    quality: QualityConfig,
    crowd: CrowdConfig,
    answers_sink: Path,
    votes_sink: Path,
    *,
    lang: str,
    decided_log: Path | None = None,
    extra_answers: int = 1,
    ledger: Ledger | None = None,
    budget: Budget | None = None,
) -> tuple[list[Decision], list[Assignment], list[Assignment]]:
    """Decide, apply, re-collect for up to ``quality.max_rounds`` rounds.

    Args:
        backend: the crowd backend the answers came from.
        prompts: every prompt of the run.
        answers: Part I answers collected so far.
        votes: validation votes collected so far.
        qc: the rules' results for ``answers`` (new answers are checked here).
        quality: the run's ``quality`` section (aggregation, thresholds, rounds).
        crowd: the run's ``crowd`` section (overlap, pay, waiting time).
        answers_sink: where re-collected answers land (JSONL).
        votes_sink: where their votes land (JSONL).
        lang: the prompts' language (comments to workers, language check).
        decided_log: the ledger's path when ``ledger`` is None (default: beside ``answers_sink``).
        extra_answers: new answers asked per prompt without an accepted one.
        ledger: the money ledger (a run passes ``crowd/ledger.jsonl``).
        budget: prices every request (default: ``crowd``'s).

    Returns:
        The decisions (one per answer), every answer (status, comment as applied), every vote.
    """
    answers_sink, votes_sink = Path(answers_sink), Path(votes_sink)
    if ledger is None:
        default = answers_sink.with_name("applied_decisions.jsonl")
        ledger = Ledger(Path(decided_log) if decided_log else default, backend=backend.name)
    state = _Rounds(
        backend=backend,
        prompts=prompts,
        quality=quality,
        crowd=crowd,
        lang=lang,
        answers_sink=answers_sink,
        votes_sink=votes_sink,
        ledger=ledger,
        budget=budget if budget is not None else Budget.from_config(crowd),
        answers=_merge(answers, read_sink(answers_sink, "answers")),
        votes=_merge(votes, read_sink(votes_sink, "validation")),
        qc_by={q.assignment_id: q for q in qc},
        applied=ledger.verdicts(),
        extra_answers=extra_answers,
    )
    return state.run()
