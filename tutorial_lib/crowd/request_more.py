"""Asking a crowd for more work on tasks it already has: more votes, re-collected answers.

Dynamic overlap (quality/overlap.py) asks for more votes on uncertain answers;
re-collection (quality/postaccept.py) asks for new answers to prompts whose
answers were all rejected. Both go through :func:`_request_more`, which keeps
the money promise: a task is asked at most once per (round, dynamic-overlap
step), and a plain request repeated while the sink still holds as many
assignments as when it was asked (a crash before the new work was appended) is
collected, not asked (and paid) twice. Every request is priced and charged by
one :class:`~.budget.Budget` and recorded in the ledger before the platform call.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from pathlib import Path

from ..records import Assignment
from .backend import BackendError, CrowdBackend
from .budget import Budget, as_budget
from .design import answer_project, ranking_project, validation_project
from .design_spec import ProjectSpec
from .ledger import Ledger, sink_ledger
from .pricing import Pricing
from .sink import append_new, read_sink, wait_for_work

logger = logging.getLogger(__name__)

__all__ = ["request_more_answers", "request_more_votes", "stop_asking"]


def _recorded_project_id(
    backend: CrowdBackend, ledger: Ledger, kind: str, spec: ProjectSpec | None
) -> str:
    """The project to ask more of: ``spec``'s (found or created), else the last one on record."""
    if spec is not None:
        project_id = backend.create_project(spec)
        ledger.record_project(kind, project_id, spec.private_name)
        return project_id
    known = ledger.projects(kind)
    if not known:
        raise BackendError(
            f"no {kind} project is recorded in {ledger.path}; run the first "
            f"collection with this ledger first, or pass spec="
        )
    return known[-1]


def _already_asked(
    ledger: Ledger,
    project_id: str,
    ids: list[str],
    have: Counter,
    round: int | None,
    step: int | None,
) -> set[str]:
    """Tasks whose request is on record: by (round, step), or for a plain request by sink count.

    A plain request (no round, no step) repeated while the sink holds as many
    assignments as when it was asked is still being answered (or its answers were
    never appended), so asking again would pay twice: it is collected instead.
    """
    if round is not None or step is not None:
        return ledger.requested(project_id, round, step) & set(ids)
    asked_at: dict[str, int] = {}
    for row in ledger.events("more"):
        if (
            row.get("project_id") == project_id
            and row.get("round") is None
            and row.get("step") is None
        ):
            asked_at.update(row.get("base", {}))
    return {t for t in ids if asked_at.get(t) == have[t]}


def _request_more(
    backend: CrowdBackend,
    kind: str,
    task_ids: list[str],
    extra: int,
    sink: Path,
    round: int | None,
    spec: ProjectSpec | None,
    timeout_s: float | None,
    poll_s: float,
    budget: Budget,
    ledger: Ledger | None,
    step: int | None = None,
) -> list[Assignment]:
    ledger = ledger if ledger is not None else sink_ledger(sink, backend.name)
    project_id = _recorded_project_id(backend, ledger, kind, spec)
    have = Counter(a.task_id for a in read_sink(sink, kind))
    ids = list(dict.fromkeys(task_ids))
    repeat = _already_asked(ledger, project_id, ids, have, round, step)
    if repeat:
        logger.info(
            "%s: more assignments for %d task(s) were already requested; collecting "
            "those instead of asking twice",
            kind,
            len(repeat),
        )
    todo = [t for t in ids if t not in repeat]
    if todo:
        seconds = spec.seconds_per_task if spec else default_seconds_per_task(kind)
        estimate = budget.price_for(
            kind, len(todo), extra, seconds, tariff=getattr(backend, "tariff", None)
        )
        budget.charge(estimate, f"{kind}: {extra} more per task on {len(todo)} task(s)")
        ledger.record(
            "more",
            kind=kind,
            project_id=project_id,
            round=round,
            step=step,
            task_ids=todo,
            overlap=extra,
            cost_usd=estimate.total_usd,
            base={t: have[t] for t in todo},
        )
        backend.raise_overlap(project_id, todo, extra)
    backend.open(project_id)
    wait_for_work(backend, project_id, timeout_s, poll_s, f"{backend.name} {kind} (more)")
    return append_new(backend, project_id, sink, kind, round or None)


def default_seconds_per_task(kind: str) -> float:
    """How long one task of ``kind`` takes in the default project, to price a request.

    Args:
        kind: ``"answers"``, ``"validation"`` or ``"ranking"``.

    Returns:
        The default spec's ``seconds_per_task``.

    Examples:
        >>> default_seconds_per_task("answers") > default_seconds_per_task("validation")
        True
    """
    build = {
        "answers": answer_project,
        "validation": validation_project,
        "ranking": ranking_project,
    }
    return build[kind]().seconds_per_task


def request_more_votes(
    backend: CrowdBackend,
    answer_ids: list[str],
    extra: int,
    sink: str | os.PathLike,
    spec: ProjectSpec | None = None,
    timeout_s: float | None = None,
    poll_s: float = 5,
    *,
    budget_usd: float | None = None,
    pricing: Pricing | None = None,
    budget: Budget | None = None,
    ledger: Ledger | None = None,
    round: int | None = None,
    step: int | None = None,
) -> list[Assignment]:
    """``extra`` more votes on each answer (dynamic overlap).

    With ``round``/``step`` (a dynamic-overlap loop), a task is asked at most once
    per (round, step), however often the loop is replayed.

    Args:
        backend: the crowd backend holding the validation project.
        answer_ids: the answers (validation task ids) that need more votes.
        extra: how many more votes each.
        sink: the votes' JSONL file.
        spec: the validation project (default: the one on record in the ledger).
        timeout_s: stop waiting after this long (``None``: until complete); a rerun continues.
        poll_s: seconds between progress polls.
        budget_usd: a budget for this call alone, when ``budget`` is not given.
        pricing: prices for that budget.
        budget: the run's one :class:`~.budget.Budget`; it prices and charges the request.
        ledger: the run's ledger (default: beside ``sink``).
        round: the re-collection round the loop runs in.
        step: the dynamic-overlap step.

    Returns:
        Only the NEW votes.

    Raises:
        BudgetExceeded: the request would overrun the budget (nothing is asked).
        BackendError: no validation project is on record and no ``spec`` given.
    """
    return _request_more(
        backend,
        "validation",
        answer_ids,
        extra,
        Path(sink),
        round,
        spec,
        timeout_s,
        poll_s,
        as_budget(budget, budget_usd, pricing),
        ledger,
        step,
    )


def request_more_answers(
    backend: CrowdBackend,
    prompt_ids: list[str],
    extra: int,
    sink: str | os.PathLike,
    round: int,
    spec: ProjectSpec | None = None,
    timeout_s: float | None = None,
    poll_s: float = 5,
    *,
    budget_usd: float | None = None,
    pricing: Pricing | None = None,
    budget: Budget | None = None,
    ledger: Ledger | None = None,
) -> list[Assignment]:
    """Re-collection: ``extra`` new answers per prompt, stamped ``round``.

    A prompt is re-collected at most once per round, across reruns and ``--force``.

    Args:
        backend: the crowd backend holding the answers project.
        prompt_ids: the prompts (answer task ids) to re-collect.
        extra: how many new answers each.
        sink: the answers' JSONL file.
        round: the re-collection round, 1 or more.
        spec: the answers project (default: the one on record in the ledger).
        timeout_s: stop waiting after this long (``None``: until complete); a rerun continues.
        poll_s: seconds between progress polls.
        budget_usd: a budget for this call alone, when ``budget`` is not given.
        pricing: prices for that budget.
        budget: the run's one :class:`~.budget.Budget`; it prices and charges the request.
        ledger: the run's ledger (default: beside ``sink``).

    Returns:
        Only the new answers.

    Raises:
        ValueError: ``round`` is below 1.
        BudgetExceeded: the request would overrun the budget (nothing is asked).
        BackendError: no answers project is on record and no ``spec`` given.
    """
    if round < 1:
        raise ValueError(f"re-collection round must be >= 1, got {round}")
    return _request_more(
        backend,
        "answers",
        prompt_ids,
        extra,
        Path(sink),
        round,
        spec,
        timeout_s,
        poll_s,
        as_budget(budget, budget_usd, pricing),
        ledger,
    )


def stop_asking(backend: CrowdBackend, ledger: Ledger, kind: str, task_ids: list[str]) -> None:
    """Stop the outstanding requests for more ``kind`` work on these tasks.

    Called once a prompt has its accepted answer (and after the last round), so
    a platform still issuing re-collected work stops buying it. Only projects
    with a recorded request are touched.

    Args:
        backend: the crowd backend.
        ledger: the run's ledger (its ``more`` events name the projects).
        kind: the project kind.
        task_ids: the tasks to stop.
    """
    projects = {r["project_id"] for r in ledger.events("more") if r.get("kind") == kind}
    for project_id in sorted(projects):
        backend.stop_tasks(project_id, list(task_ids))
