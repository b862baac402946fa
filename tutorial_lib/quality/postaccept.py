"""Post-acceptance: accept or reject each Part I answer, tell the worker why, re-collect what is missing.

Pay follows the verdict, so it must be explainable: an answer is accepted
when it passed every quality rule and its aggregated helpfulness reaches
``accept_threshold``; otherwise it is rejected with the reasons in the
worker's language. Answers that fail the rules are never sent to validation
(no money spent) but still get a decision. Prompts left without an accepted
answer go back to the crowd for a bounded number of rounds.

Idempotent: every verdict applied on the backend is recorded in the run's
ledger (``crowd/ledger.jsonl``, which ``--force`` never wipes) right after it
is applied, and a re-run reuses it, so no assignment is paid (or rejected)
twice; re-collection and extra votes are asked at most once per task and round.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from ..config import PipelineConfig, QualityConfig
from ..crowd.backend import VerdictTooLate
from ..crowd.collect import read_sink, request_more_answers, stop_asking
from ..crowd.design import answer_project
from ..crowd.ledger import Ledger
from ..crowd.pricing import Budget
from ..records import Assignment, Decision, Prompt, QCResult
from .overlap import helpfulness, validate_dynamic
from .rules import check_answers
from .workers import banned_workers, worker_summary

logger = logging.getLogger(__name__)

# What a worker reads next to a verdict; add a language by adding a block.
COMMENTS = {
    "en": {
        "accept": "Thank you! Your answer was accepted.",
        "not_helpful": "Validators judged the answer not helpful enough for the prompt.",
        "wrong_language": "The answer is not written in the task's language.",
        "too_short": "The answer is too short.",
        "too_long": "The answer is longer than allowed.",
        "control_characters": "The answer contains invisible control characters; please remove them.",
        "copied_prompt": "The answer repeats the prompt instead of answering it.",
        "near_duplicate": "The answer is nearly identical to another answer.",
        "fast_submission": "The answer was submitted too quickly to be a careful answer.",
        "failed_control": "A control question with a known answer was answered wrongly.",
        "banned_worker": "Your account was excluded from this project after earlier quality checks.",
    },
    "sw": {
        "accept": "Asante! Jibu lako limekubaliwa.",
        "not_helpful": "Wahakiki waliona kwamba jibu halisaidii vya kutosha kwa swali hili.",
        "wrong_language": "Jibu halikuandikwa kwa lugha ya kazi hii.",
        "too_short": "Jibu ni fupi mno.",
        "too_long": "Jibu ni refu kuliko inavyoruhusiwa.",
        "control_characters": "Jibu lina herufi za udhibiti zisizoonekana; tafadhali ziondoe.",
        "copied_prompt": "Jibu linarudia swali badala ya kulijibu.",
        "near_duplicate": "Jibu linakaribia kufanana kabisa na jibu jingine.",
        "fast_submission": "Jibu liliwasilishwa haraka mno kuwa jibu la makini.",
        "failed_control": "Swali la udhibiti lenye jibu linalojulikana lilijibiwa vibaya.",
        "banned_worker": "Akaunti yako iliondolewa kwenye mradi huu baada ya ukaguzi wa ubora.",
    },
}


def comment_for(verdict: str, reasons: list[str], lang: str = "en") -> str:
    """The message a worker sees with a verdict, in ``lang`` when we have it (else English)."""
    texts = COMMENTS.get(lang, COMMENTS["en"])
    if verdict == "accept":
        return texts["accept"]
    parts = [texts.get(r, COMMENTS["en"].get(r, r)) for r in reasons] or [texts["not_helpful"]]
    return " ".join(parts)


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
    """
    by_qc = {q.answer_id: q for q in qc}
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
    out = []
    for a in answers:
        q = by_qc[a.assignment_id]
        row = table.loc[a.assignment_id] if a.assignment_id in table.index else None
        score = float(row.score) if row is not None else 0.0
        n_votes = int(row.votes) if row is not None else 0
        if not q.passed:
            verdict, reasons, conf = "reject", list(q.reasons), 1.0
        elif score >= cfg.accept_threshold:
            verdict, reasons, conf = "accept", [], score
        else:
            verdict, reasons, conf = "reject", ["not_helpful"], 1.0 - score
        out.append(
            Decision(
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
        )
    return out


def _merge(*groups: list[Assignment]) -> dict[str, Assignment]:
    """By assignment id, first occurrence wins (the original record, not a sink's copy)."""
    out: dict[str, Assignment] = {}
    for group in groups:
        for a in group:
            out.setdefault(a.assignment_id, a)
    return out


def late_verdicts(ledger: Ledger) -> list[dict]:
    """Verdicts that arrived after the platform had accepted the work (counted, not applied)."""
    return ledger.events("late_verdict")


def _apply(backend, decisions: list[Decision], ledger: Ledger, applied: dict) -> None:
    """Accept/reject on the backend, recording each verdict right after it is applied.

    A verdict the platform can no longer apply (it accepted the work after its
    review period) is logged, recorded as a ``late_verdict`` in the ledger and
    kept as decided, so a rerun moves on instead of stopping at the same assignment.
    """
    for d in decisions:
        if d.answer_id in applied:
            continue
        try:
            if d.verdict == "accept":
                backend.accept(d.answer_id, d.comment)
            else:
                backend.reject(d.answer_id, d.comment)
        except VerdictTooLate as err:
            logger.warning("too late: %s", err)
            ledger.record(
                "late_verdict",
                answer_id=d.answer_id,
                verdict=d.verdict,
                prompt_id=d.prompt_id,
                reason=str(err),
            )
        ledger.record_verdict(d)
        applied[d.answer_id] = d


def _qc_new(prompts, answers, qc_by: dict, cfg: PipelineConfig) -> None:
    """QC answers that have none yet, against all answers (duplicates) and writer bans.

    Bans here come from a worker's answers only: how someone validates is no
    reason to reject what they write (validator bans belong to the Part II project).
    """
    if all(a.assignment_id in qc_by for a in answers):
        return
    banned = banned_workers(worker_summary(list(qc_by.values())))
    for q in check_answers(prompts, answers, cfg.quality, lang=cfg.prompts.lang, banned=banned):
        qc_by.setdefault(q.answer_id, q)


def post_accept(
    backend,
    prompts: list[Prompt],
    answers: list[Assignment],
    votes: list[Assignment],
    qc: list[QCResult],
    cfg: PipelineConfig,
    answers_sink: Path,
    votes_sink: Path,
    *,
    decided_log: Path | None = None,
    extra_answers: int = 1,
    ledger: Ledger | None = None,
    budget: Budget | None = None,
) -> tuple[list[Decision], list[Assignment], list[Assignment]]:
    """Decide, apply, re-collect for up to ``cfg.quality.max_rounds`` rounds.

    Returns the final decisions (one per answer), every answer (with its
    status and comment as applied) and every vote. New answers land in
    ``answers_sink``, their votes in ``votes_sink``. Applied verdicts, extra votes
    and re-collections are recorded in ``ledger`` (a run passes ``crowd/ledger.jsonl``;
    default: a ledger at ``decided_log``, else ``applied_decisions.jsonl`` beside
    ``answers_sink``). ``budget`` (default: ``cfg.crowd``'s) prices every request.
    """
    answers_sink, votes_sink = Path(answers_sink), Path(votes_sink)
    if ledger is None:
        log_path = (
            Path(decided_log) if decided_log else answers_sink.with_name("applied_decisions.jsonl")
        )
        ledger = Ledger(log_path, backend=backend.name)
    budget = budget if budget is not None else Budget.from_config(cfg.crowd)
    applied = ledger.verdicts()
    lang, method = cfg.prompts.lang, cfg.quality.aggregation
    all_answers = _merge(answers, read_sink(answers_sink, "answers"))
    all_votes = _merge(votes, read_sink(votes_sink, "validation"))
    qc_by = {q.answer_id: q for q in qc}
    answered = {a.task_id for a in all_answers.values()}
    for rnd in range(cfg.quality.max_rounds + 1):
        current = list(all_answers.values())
        _qc_new(prompts, current, qc_by, cfg)
        voted = {v.task_id for v in all_votes.values()}
        need = [
            a for a in current if qc_by[a.assignment_id].passed and a.assignment_id not in voted
        ]  # a rerun fetches the votes it paid for
        if need:
            new = validate_dynamic(
                backend,
                need,
                prompts,
                cfg.crowd,
                votes_sink,
                method,
                round=rnd,
                prior_votes=list(all_votes.values()),
                budget=budget,
                ledger=ledger,
            )
            all_votes = _merge(list(all_votes.values()), new)
        pending = [a for a in current if a.assignment_id not in applied]
        if pending:
            decisions = decide(
                pending,
                list(all_votes.values()),
                list(qc_by.values()),
                cfg.quality,
                method,
                lang=lang,
            )
            _apply(backend, decisions, ledger, applied)
        # Verdicts of later rounds (a rerun) do not count yet: each round replays as it ran,
        # so a forced rerun fetches the re-collected answers it already paid for.
        accepted = {
            d.prompt_id for d in applied.values() if d.verdict == "accept" and d.round <= rnd
        }
        stop_asking(backend, ledger, "answers", sorted(accepted))  # answered: buy no more
        missing = [p.id for p in prompts if p.id in answered and p.id not in accepted]
        logger.info(
            "post-acceptance round %d: %d answers decided, %d prompts without an accepted answer",
            rnd,
            len(applied),
            len(missing),
        )
        if not missing or rnd == cfg.quality.max_rounds:
            stop_asking(backend, ledger, "answers", missing)  # the last round: buy no more
            break
        asked = {a.task_id for a in current if a.round == rnd + 1}  # a re-run: already asked
        todo = [pid for pid in missing if pid not in asked]
        if todo:
            request_more_answers(
                backend,
                todo,
                extra_answers,
                answers_sink,
                round=rnd + 1,
                spec=answer_project(lang=lang),
                budget=budget,
                ledger=ledger,
                timeout_s=cfg.crowd.wait_timeout_s,
            )
        all_answers = _merge(list(all_answers.values()), read_sink(answers_sink, "answers"))
    final_answers = []
    for a in all_answers.values():
        d = applied.get(a.assignment_id)
        status = {"accept": "accepted", "reject": "rejected"}[d.verdict] if d else a.status
        final_answers.append(
            dataclasses.replace(a, status=status, comment=d.comment if d else a.comment)
        )
    decisions = [applied[a.assignment_id] for a in final_answers if a.assignment_id in applied]
    return decisions, final_answers, list(all_votes.values())
