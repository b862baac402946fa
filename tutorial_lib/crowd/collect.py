"""What the pipeline calls to run a crowd project on any backend, safely re-runnable.

Every call follows one recipe: get or create the project (idempotent), price
the new work and refuse it past the budget, add tasks (known ids skipped), open,
poll progress with a bar, fetch, and append to the project's JSONL sink only the
assignments it does not hold yet. An interrupted collection therefore resumes
where it stopped; nothing is lost and nothing is counted twice.

Money is idempotent through the run's ledger (:mod:`.ledger`, ``crowd/ledger.jsonl``
in a run directory; beside the sink otherwise): a task launched once in a project
is never charged or launched again, and raising the overlap of launched tasks
buys only the difference, once. Every launch is priced and charged by one
:class:`~.budget.Budget`. Asking for more work on launched tasks lives in
:mod:`.request_more`, the sink in :mod:`.sink`, choosing a backend in
:mod:`.backend_factory`, the task dicts in :mod:`.tasks`.

Taught in notebooks/03_answer_validation.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..records import Assignment, Prompt
from .backend import CrowdBackend
from .backend_factory import make_backend, reset_simulation
from .budget import Budget, as_budget
from .design import answer_project, ranking_project, validation_project
from .design_spec import ProjectSpec
from .ledger import Ledger, sink_ledger
from .pricing import Pricing
from .request_more import request_more_answers, request_more_votes, stop_asking
from .sink import append_new, read_sink, wait_for_work
from .tasks import answer_task, validation_task

logger = logging.getLogger(__name__)

# make_backend, read_sink, the task builders and the request_more_* helpers live in their own modules;
# they are re-exported here because this is the module the pipeline and notebooks call.
__all__ = [
    "Pricing",
    "answer_task",
    "collect_answers",
    "collect_rankings",
    "collect_votes",
    "make_backend",
    "read_sink",
    "request_more_answers",
    "request_more_votes",
    "reset_simulation",
    "stop_asking",
    "validation_task",
]


def _operation_ids(backend: CrowdBackend, project_id: str, task_ids: list[str]) -> list[str]:
    """The backend's replayable operation ids for an upload, when it has them (Toloka)."""
    hook = getattr(backend, "operation_ids", None)
    return [str(i) for i in hook(project_id, task_ids)] if callable(hook) else []


def _collect(
    backend: CrowdBackend,
    spec: ProjectSpec,
    tasks: list[dict],
    overlap: int,
    sink: str | os.PathLike,
    round: int,
    timeout_s: float | None,
    poll_s: float,
    budget: Budget,
    ledger: Ledger | None,
) -> list[Assignment]:
    sink, kind = Path(sink), spec.kind
    if not tasks:
        return read_sink(sink, kind)
    ledger = ledger if ledger is not None else sink_ledger(sink, backend.name)
    project_id = backend.create_project(spec)
    ledger.record_project(kind, project_id, spec.private_name)
    launched = ledger.launched(project_id)
    new = [t["task_id"] for t in tasks if t["task_id"] not in launched]
    if new:
        estimate = budget.price_for(
            kind, len(new), overlap, spec.seconds_per_task, tariff=getattr(backend, "tariff", None)
        )
        logger.info("%s: cost before launch\n%s", spec.private_name, estimate.summary())
        budget.charge(estimate, f"{spec.private_name} ({len(new)} new tasks)")
        # Recorded before the call: a crash in between never launches (or pays) twice.
        ledger.record(
            "launch",
            kind=kind,
            project_id=project_id,
            round=round,
            task_ids=new,
            overlap=overlap,
            cost_usd=estimate.total_usd,
            operation_ids=_operation_ids(backend, project_id, new),
        )
    _raise_to(backend, spec, project_id, launched, tasks, overlap, round, budget, ledger)
    backend.add_tasks(project_id, tasks, overlap)  # idempotent: known task ids are skipped
    backend.open(project_id)
    wait_for_work(backend, project_id, timeout_s, poll_s, f"{backend.name} {kind}")
    ids = {t["task_id"] for t in tasks}
    append_new(backend, project_id, sink, kind, round or None, only=ids)
    return [a for a in read_sink(sink, kind) if a.task_id in ids]


def _raise_to(
    backend: CrowdBackend,
    spec: ProjectSpec,
    project_id: str,
    launched: dict,
    tasks: list[dict],
    overlap: int,
    round: int,
    budget: Budget,
    ledger: Ledger,
) -> None:
    """Tasks launched earlier at a lower overlap (a forced rerun after raising it) get the
    difference, charged once; a lower overlap than launched never takes work back."""
    by_delta: dict[int, list[str]] = {}
    for t in tasks:
        have = launched.get(t["task_id"])
        if have is not None and have < overlap:
            by_delta.setdefault(overlap - have, []).append(t["task_id"])
    for delta, ids in by_delta.items():
        estimate = budget.price_for(spec.kind, len(ids), delta, spec.seconds_per_task)
        budget.charge(
            estimate,
            f"{spec.private_name}: overlap {overlap - delta} -> {overlap} on {len(ids)} task(s)",
        )
        ledger.record(
            "launch",
            kind=spec.kind,
            project_id=project_id,
            round=round,
            task_ids=ids,
            overlap=overlap,
            extra=delta,
            cost_usd=estimate.total_usd,
            operation_ids=[],
        )
        backend.raise_overlap(project_id, ids, delta)


def collect_answers(
    backend: CrowdBackend,
    prompts: list[Prompt],
    overlap: int,
    sink: str | os.PathLike,
    round: int = 0,
    spec: ProjectSpec | None = None,
    timeout_s: float | None = None,
    poll_s: float = 5,
    *,
    budget_usd: float | None = None,
    pricing: Pricing | None = None,
    budget: Budget | None = None,
    ledger: Ledger | None = None,
) -> list[Assignment]:
    """Part I: ``overlap`` answers per prompt, appended to ``sink``.

    Args:
        backend: the crowd backend.
        prompts: the prompts to answer.
        overlap: answers per prompt.
        sink: the answers' JSONL file.
        round: stamped on the answers (0: the first collection).
        spec: the project (default: :func:`~.design.answer_project` in the prompts' language).
        timeout_s: stop waiting after this long (``None``: until complete); a rerun continues.
        poll_s: seconds between progress polls.
        budget_usd: a budget for this call alone, when ``budget`` is not given.
        pricing: prices for that budget.
        budget: the run's one :class:`~.budget.Budget`; it prices and charges the launch.
        ledger: records the launch (default: beside ``sink``).

    Returns:
        Every assignment of these tasks in the sink (earlier runs' included).

    Raises:
        BudgetExceeded: the new work would overrun the budget (nothing is launched).
    """
    spec = spec or answer_project(lang=prompts[0].lang if prompts else "sw")
    return _collect(
        backend,
        spec,
        [answer_task(p) for p in prompts],
        overlap,
        sink,
        round,
        timeout_s,
        poll_s,
        as_budget(budget, budget_usd, pricing),
        ledger,
    )


def collect_votes(
    backend: CrowdBackend,
    answers: list[Assignment],
    prompts: list[Prompt],
    overlap: int,
    sink: str | os.PathLike,
    round: int = 0,
    spec: ProjectSpec | None = None,
    timeout_s: float | None = None,
    poll_s: float = 5,
    *,
    budget_usd: float | None = None,
    pricing: Pricing | None = None,
    budget: Budget | None = None,
    ledger: Ledger | None = None,
) -> list[Assignment]:
    """Part II: ``overlap`` helpfulness votes per answer, appended to ``sink``.

    Args:
        backend: the crowd backend.
        answers: the answers to judge.
        prompts: the prompts they answer.
        overlap: votes per answer.
        sink: the votes' JSONL file.
        round: stamped on the votes.
        spec: the project (default: :func:`~.design.validation_project`).
        timeout_s: stop waiting after this long (``None``: until complete); a rerun continues.
        poll_s: seconds between progress polls.
        budget_usd: a budget for this call alone, when ``budget`` is not given.
        pricing: prices for that budget.
        budget: the run's one :class:`~.budget.Budget`; it prices and charges the launch.
        ledger: records the launch (default: beside ``sink``).

    Returns:
        Every assignment of these tasks in the sink (earlier runs' included).

    Raises:
        BackendError: an answer is not an answer record or its prompt is missing.
        BudgetExceeded: the new work would overrun the budget (nothing is launched).
    """
    by_id = {p.id: p for p in prompts}
    spec = spec or validation_project(lang=prompts[0].lang if prompts else "sw")
    tasks = [validation_task(a, by_id) for a in answers]
    return _collect(
        backend,
        spec,
        tasks,
        overlap,
        sink,
        round,
        timeout_s,
        poll_s,
        as_budget(budget, budget_usd, pricing),
        ledger,
    )


def collect_rankings(
    backend: CrowdBackend,
    comparisons: list[dict],
    overlap: int,
    sink: str | os.PathLike,
    spec: ProjectSpec | None = None,
    timeout_s: float | None = None,
    poll_s: float = 5,
    *,
    budget_usd: float | None = None,
    pricing: Pricing | None = None,
    budget: Budget | None = None,
    ledger: Ledger | None = None,
) -> list[Assignment]:
    """Side-by-side votes (label 0 = A better, 1 = B better) for ranking task dicts.

    Args:
        backend: the crowd backend.
        comparisons: task dicts (``task_id``, ``prompt``, ``answer_a``, ``answer_b``).
        overlap: votes per comparison.
        sink: the votes' JSONL file.
        spec: the project (default: :func:`~.design.ranking_project`).
        timeout_s: stop waiting after this long (``None``: until complete); a rerun continues.
        poll_s: seconds between progress polls.
        budget_usd: a budget for this call alone, when ``budget`` is not given.
        pricing: prices for that budget.
        budget: the run's one :class:`~.budget.Budget`; it prices and charges the launch.
        ledger: records the launch (default: beside ``sink``).

    Returns:
        Every assignment of these tasks in the sink (earlier runs' included).

    Raises:
        BudgetExceeded: the new work would overrun the budget (nothing is launched).
    """
    return _collect(
        backend,
        spec or ranking_project(),
        comparisons,
        overlap,
        sink,
        0,
        timeout_s,
        poll_s,
        as_budget(budget, budget_usd, pricing),
        ledger,
    )
