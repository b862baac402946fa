"""What the pipeline calls to run a crowd project on any backend, safely re-runnable.

Every call follows one recipe: get or create the project (idempotent), price
the new work and refuse it past the budget, add tasks (known ids skipped), open,
poll progress with a bar, fetch, and append to the stage's JSONL sink only the
assignments it does not hold yet. An interrupted collection therefore resumes
where it stopped; nothing is lost and nothing is counted twice.

Money is idempotent through the run's ledger (:mod:`.ledger`, ``crowd/ledger.jsonl``
in a run directory; beside the sink otherwise): a task launched once in a project
is never charged or launched again, more assignments for a task are asked at
most once per (round, dynamic-overlap step), and a plain request repeated while
the sink still holds as many assignments as when it was asked (a crash before the
new work was appended) is collected, not asked (and paid) twice. Every launch is
priced and charged by one :class:`~.pricing.Budget`.

Taught in notebooks/03_answer_validation.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from pathlib import Path

from tqdm.auto import tqdm

from ..config import CrowdConfig, QualityConfig
from ..records import Assignment, Prompt, append_jsonl, read_jsonl
from .backend import BackendError, CrowdBackend
from .design import ProjectSpec, answer_project, ranking_project, validation_project
from .ledger import LEDGER_FILE, Ledger, sink_ledger
from .pricing import Budget, Pricing, as_budget

logger = logging.getLogger(__name__)

__all__ = [
    "Pricing",
    "collect_answers",
    "collect_rankings",
    "collect_votes",
    "make_backend",
    "read_sink",
    "request_more_answers",
    "request_more_votes",
    "stop_asking",
]


def make_backend(
    cfg: CrowdConfig,
    workdir: str | os.PathLike,
    prompts: list[Prompt],
    seed: int,
    quality: QualityConfig | None = None,
) -> CrowdBackend:
    """The backend ``cfg.backend`` names, with its state in ``workdir``.

    ``quality`` (its re-collection rounds) sizes Toloka's review window, as
    ``crowd plan`` shows it.
    """
    workdir = Path(workdir)
    if cfg.backend == "simulated":
        from .simulated import SimulatedCrowd

        return SimulatedCrowd(prompts, workdir, seed=seed, n_workers=cfg.n_workers)
    if cfg.backend == "toloka":
        try:
            from .toloka import TolokaBackend
        except ImportError as err:
            raise BackendError(
                f"crowd.backend=toloka is unavailable ({err}); install "
                "toloka-kit==1.2.3 (pip install tutorial-lib)"
            ) from None
        from .plan import part2_seconds
        from .toloka_pools import review_window_days

        return TolokaBackend(
            workdir,
            production=cfg.production,
            hourly_pay_usd=cfg.hourly_pay_usd,
            review_days=review_window_days(part2_seconds(cfg, quality or QualityConfig())),
            control_share=cfg.control_share,
            platform_fee=cfg.platform_fee,
            overlaps={"answers": cfg.answer_overlap, "validation": cfg.validation_overlap},
        )
    if cfg.backend == "room":
        try:
            from .room import RoomBackend
        except ImportError as err:
            raise BackendError(
                f"crowd.backend=room is unavailable ({err}); install the room "
                "extra: pip install 'tutorial-lib[room]'"
            ) from None
        return RoomBackend(workdir, host=cfg.room_host, port=cfg.room_port)
    raise BackendError(f"unknown crowd backend {cfg.backend!r}; use simulated, toloka or room")


def reset_simulation(workdir: str | os.PathLike) -> None:
    """Throw away the simulated crowd's state in ``workdir`` so it simulates afresh.

    Only the simulated crowd's own files go, and its ledger events stop counting
    (a ``reset`` event); anything a paid backend keeps there is left alone.
    """
    from .simulated import STATE, TRUTH, WORKERS

    workdir = Path(workdir)
    for name in (STATE, TRUTH, WORKERS):
        (workdir / name).unlink(missing_ok=True)
    if (workdir / LEDGER_FILE).exists():
        Ledger(workdir / LEDGER_FILE, backend="simulated").record("reset")
    logger.info("simulated crowd in %s reset: its stages are simulated afresh", workdir)


# --- sink and ledger ---------------------------------------------------------------------
def read_sink(sink: str | os.PathLike, stage: str | None = None) -> list[Assignment]:
    """Assignments already in ``sink`` (none when it does not exist yet), optionally one stage."""
    sink = Path(sink)
    rows = read_jsonl(sink, Assignment) if sink.exists() else []
    return [a for a in rows if stage is None or a.stage == stage]


def _ledger_for(ledger: Ledger | None, sink: Path, backend: CrowdBackend) -> Ledger:
    return ledger if ledger is not None else sink_ledger(sink, backend.name)


def _project_for(
    backend: CrowdBackend, ledger: Ledger, stage: str, spec: ProjectSpec | None
) -> str:
    if spec is not None:
        project_id = backend.create_project(spec)
        ledger.record_project(stage, project_id, spec.private_name)
        return project_id
    known = ledger.projects(stage)
    if not known:
        raise BackendError(
            f"no {stage} project is recorded in {ledger.path}; run the first "
            f"collection with this ledger first, or pass spec="
        )
    return known[-1]


def _operation_ids(backend: CrowdBackend, project_id: str, task_ids: list[str]) -> list[str]:
    """The backend's replayable operation ids for an upload, when it has them (Toloka)."""
    hook = getattr(backend, "operation_ids", None)
    return [str(i) for i in hook(project_id, task_ids)] if callable(hook) else []


# --- the recipe --------------------------------------------------------------------------
def _wait(
    backend: CrowdBackend, project_id: str, timeout_s: float | None, poll_s: float, desc: str
) -> bool:
    """Poll until every assignment is in or ``timeout_s`` passes; True when complete."""
    clock = backend.clock  # a test's emulated clock, or the wall clock
    start, prog = clock.monotonic(), backend.progress(project_id)
    with tqdm(total=prog.total, desc=desc, disable=prog.done) as bar:
        while True:
            bar.total, bar.n = prog.total, prog.submitted
            bar.refresh()
            if prog.done:
                return True
            if timeout_s is not None and clock.monotonic() - start >= timeout_s:
                logger.warning(
                    "%s: %d of %d assignments in after %.0f s; fetching what is there, "
                    "re-run to continue",
                    desc,
                    prog.submitted,
                    prog.total,
                    timeout_s,
                )
                return False
            clock.sleep(poll_s)
            prog = backend.progress(project_id)


def _append_new(
    backend: CrowdBackend,
    project_id: str,
    sink: Path,
    stage: str,
    round: int | None,
    only: set[str] | None = None,
) -> list[Assignment]:
    """Fetch and append assignments the sink lacks (of tasks in ``only``, when given);
    ``round`` (when given) is stamped on them."""
    seen = {a.assignment_id for a in read_sink(sink)}
    new = [
        a
        for a in backend.fetch(project_id)
        if a.assignment_id not in seen and (only is None or a.task_id in only)
    ]
    wrong = [a.assignment_id for a in new if a.stage != stage]
    if wrong:
        raise BackendError(
            f"project {project_id} returned {len(wrong)} non-{stage} "
            f"assignment(s), e.g. {wrong[0]}; is the sink {sink} mixed up?"
        )
    for a in new:
        a.round = a.round if round is None else round
    append_jsonl(sink, new)
    logger.info("%s: %d new assignment(s) appended to %s", stage, len(new), sink)
    return new


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
    sink, stage = Path(sink), spec.kind
    if not tasks:
        return read_sink(sink, stage)
    ledger = _ledger_for(ledger, sink, backend)
    project_id = backend.create_project(spec)
    ledger.record_project(stage, project_id, spec.private_name)
    launched = ledger.launched(project_id)
    new = [t["task_id"] for t in tasks if t["task_id"] not in launched]
    if new:
        estimate = budget.price_for(
            stage, len(new), overlap, spec.seconds_per_task, tariff=getattr(backend, "tariff", None)
        )
        logger.info("%s: cost before launch\n%s", spec.private_name, estimate.summary())
        budget.charge(estimate, f"{spec.private_name} ({len(new)} new tasks)")
        # Recorded before the call: a crash in between never launches (or pays) twice.
        ledger.record(
            "launch",
            stage=stage,
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
    _wait(backend, project_id, timeout_s, poll_s, f"{backend.name} {stage}")
    ids = {t["task_id"] for t in tasks}
    _append_new(backend, project_id, sink, stage, round or None, only=ids)
    return [a for a in read_sink(sink, stage) if a.task_id in ids]


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
            stage=spec.kind,
            project_id=project_id,
            round=round,
            task_ids=ids,
            overlap=overlap,
            extra=delta,
            cost_usd=estimate.total_usd,
            operation_ids=[],
        )
        backend.raise_overlap(project_id, ids, delta)


def answer_task(prompt: Prompt) -> dict:
    """The Part I task for one prompt."""
    return {
        "task_id": prompt.id,
        "prompt": prompt.prompt,
        "prompt_en": prompt.prompt_en,
        "context": prompt.context,
    }


def validation_task(answer: Assignment, prompts: dict[str, Prompt]) -> dict:
    """The Part II task for one answer; its task id is the answer's assignment id."""
    if answer.stage != "answers":
        raise BackendError(
            f"assignment {answer.assignment_id} is a {answer.stage} record, not an answer"
        )
    prompt = prompts.get(answer.task_id)
    if prompt is None:
        raise BackendError(
            f"answer {answer.assignment_id} is for prompt {answer.task_id!r}, "
            "which is not among the prompts given"
        )
    return {
        "task_id": answer.assignment_id,
        "prompt_id": prompt.id,
        "prompt": prompt.prompt,
        "answer": answer.answer or "",
    }


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
    """Part I: ``overlap`` answers per prompt, appended to ``sink``; returns all answers there.

    ``budget`` (one :class:`~.pricing.Budget` for the whole run) prices and charges
    the launch; without it ``budget_usd`` and ``pricing`` make a budget for this call
    alone. ``ledger`` records the launch (default: beside ``sink``).
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
    """Part II: ``overlap`` helpfulness votes per answer into ``sink``; returns all votes there.

    ``budget`` and ``ledger`` as in :func:`collect_answers`.
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

    ``budget`` and ``ledger`` as in :func:`collect_answers`.
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
    stage: str,
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
    ledger = _ledger_for(ledger, sink, backend)
    project_id = _project_for(backend, ledger, stage, spec)
    have = Counter(a.task_id for a in read_sink(sink, stage))
    ids = list(dict.fromkeys(task_ids))
    repeat = _already_asked(ledger, project_id, ids, have, round, step)
    if repeat:
        logger.info(
            "%s: more assignments for %d task(s) were already requested; collecting "
            "those instead of asking twice",
            stage,
            len(repeat),
        )
    todo = [t for t in ids if t not in repeat]
    if todo:
        seconds = (spec or _spec_stub(stage)).seconds_per_task
        estimate = budget.price_for(
            stage, len(todo), extra, seconds, tariff=getattr(backend, "tariff", None)
        )
        budget.charge(estimate, f"{stage}: {extra} more per task on {len(todo)} task(s)")
        ledger.record(
            "more",
            stage=stage,
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
    _wait(backend, project_id, timeout_s, poll_s, f"{backend.name} {stage} (more)")
    return _append_new(backend, project_id, sink, stage, round or None)


def _spec_stub(stage: str) -> ProjectSpec:
    """Default spec of a stage, used only for its time per task when pricing a request."""
    return {
        "answers": answer_project,
        "validation": validation_project,
        "ranking": ranking_project,
    }[stage]()


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
    """``extra`` more votes on each answer (dynamic overlap); returns only the NEW votes.

    With ``round``/``step`` (a dynamic-overlap loop), a task is asked at most once
    per (round, step), however often the loop is replayed.
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
    """Re-collection: ``extra`` new answers per prompt, stamped ``round``; returns only the new.

    A prompt is re-collected at most once per round, across reruns and ``--force``.
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


def stop_asking(backend: CrowdBackend, ledger: Ledger, stage: str, task_ids: list[str]) -> None:
    """Stop the outstanding requests for more ``stage`` work on these tasks.

    Called once a prompt has its accepted answer (and after the last round), so
    a platform still issuing re-collected work stops buying it. Only projects
    with a recorded request are touched.
    """
    projects = {r["project_id"] for r in ledger.events("more") if r.get("stage") == stage}
    for project_id in sorted(projects):
        backend.stop_tasks(project_id, list(task_ids))
