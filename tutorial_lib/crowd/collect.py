"""What the pipeline calls to run a crowd project on any backend, safely re-runnable.

Every call follows one recipe: get or create the project (idempotent), price
the new work and refuse it past the budget, add tasks (known ids skipped), open,
poll progress with a bar, fetch, and append to the stage's JSONL sink only the
assignments it does not hold yet. An interrupted collection therefore resumes
where it stopped; nothing is lost and nothing is counted twice.

Requests for more work (re-collection of rejected answers, extra votes for
uncertain ones) go through a small ledger next to the sink
(``.<sink name>.ledger.jsonl``) recording the project and, per task, how many
assignments the sink held when more were asked for. A request repeated while
the sink still holds that many (a crash before the new work was appended) is
collected, not asked (and paid) twice; once the new work is in, asking again
is a genuine new request.

Taught in notebooks/02_collecting_answers.
"""
from __future__ import annotations

import logging
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from ..config import CrowdConfig
from ..records import Assignment, Prompt, append_jsonl, read_jsonl
from .backend import BackendError, CrowdBackend
from .design import ProjectSpec, answer_project, ranking_project, validation_project
from .pricing import check_budget, estimate_cost

log = logging.getLogger(__name__)


@dataclass
class Pricing:
    """Pay settings used to price each launch before it happens."""

    hourly_pay_usd: float = 12.0
    control_share: float = 0.1
    platform_fee: float = 0.3

    @classmethod
    def from_config(cls, cfg: CrowdConfig) -> Pricing:
        return cls(cfg.hourly_pay_usd, cfg.control_share, cfg.platform_fee)


def make_backend(cfg: CrowdConfig, workdir: str | os.PathLike, prompts: list[Prompt],
                 seed: int) -> CrowdBackend:
    """The backend ``cfg.backend`` names, with its state in ``workdir``.

    Taught in notebooks/02_collecting_answers.
    """
    workdir = Path(workdir)
    if cfg.backend == "simulated":
        from .simulated import SimulatedCrowd

        return SimulatedCrowd(prompts, workdir, seed=seed, n_workers=cfg.n_workers)
    if cfg.backend == "toloka":
        try:
            from .toloka import TolokaBackend
        except ImportError as err:
            raise BackendError(f"crowd.backend=toloka is unavailable ({err}); install "
                               "toloka-kit==1.2.3 (pip install tutorial-lib)") from None
        return TolokaBackend(workdir, production=cfg.production, hourly_pay_usd=cfg.hourly_pay_usd)
    if cfg.backend == "room":
        try:
            from .room import RoomBackend
        except ImportError as err:
            raise BackendError(f"crowd.backend=room is unavailable ({err}); install the room "
                               "extra: pip install 'tutorial-lib[room]'") from None
        return RoomBackend(workdir, host=cfg.room_host, port=cfg.room_port)
    raise BackendError(f"unknown crowd backend {cfg.backend!r}; use simulated, toloka or room")


# --- sink and ledger ---------------------------------------------------------------------
def read_sink(sink: str | os.PathLike, stage: str | None = None) -> list[Assignment]:
    """Assignments already in ``sink`` (none when it does not exist yet), optionally one stage."""
    sink = Path(sink)
    rows = read_jsonl(sink, Assignment) if sink.exists() else []
    return [a for a in rows if stage is None or a.stage == stage]


def _ledger_path(sink: Path) -> Path:
    return sink.with_name(f".{sink.name}.ledger.jsonl")


def _ledger(sink: Path) -> list[dict]:
    path = _ledger_path(sink)
    return read_jsonl(path) if path.exists() else []


def _note(sink: Path, row: dict) -> None:
    append_jsonl(_ledger_path(sink), [row])


def _remember_project(sink: Path, stage: str, project_id: str, spec: ProjectSpec) -> None:
    known = [r for r in _ledger(sink) if r.get("event") == "project" and r.get("stage") == stage]
    if not known or known[-1]["project_id"] != project_id:
        _note(sink, {"event": "project", "stage": stage, "project_id": project_id,
                     "private_name": spec.private_name})


def _project_for(backend: CrowdBackend, sink: Path, stage: str, spec: ProjectSpec | None) -> str:
    if spec is not None:
        return backend.create_project(spec)
    known = [r for r in _ledger(sink) if r.get("event") == "project" and r.get("stage") == stage]
    if not known:
        raise BackendError(f"no {stage} project is recorded next to {sink}; run the first "
                           f"collection into this sink first, or pass spec=")
    return known[-1]["project_id"]


# --- the recipe --------------------------------------------------------------------------
def _wait(backend: CrowdBackend, project_id: str, timeout_s: float | None, poll_s: float,
          desc: str) -> bool:
    """Poll until every assignment is in or ``timeout_s`` passes; True when complete."""
    start, prog = time.monotonic(), backend.progress(project_id)
    with tqdm(total=prog.total, desc=desc, disable=prog.done) as bar:
        while True:
            bar.total, bar.n = prog.total, prog.submitted
            bar.refresh()
            if prog.done:
                return True
            if timeout_s is not None and time.monotonic() - start >= timeout_s:
                log.warning("%s: %d of %d assignments in after %.0f s; fetching what is there, "
                            "re-run to continue", desc, prog.submitted, prog.total, timeout_s)
                return False
            time.sleep(poll_s)
            prog = backend.progress(project_id)


def _append_new(backend: CrowdBackend, project_id: str, sink: Path, stage: str,
                round: int | None) -> list[Assignment]:
    """Fetch and append assignments the sink lacks; ``round`` (when given) is stamped on them."""
    seen = {a.assignment_id for a in read_sink(sink)}
    new = [a for a in backend.fetch(project_id) if a.assignment_id not in seen]
    wrong = [a.assignment_id for a in new if a.stage != stage]
    if wrong:
        raise BackendError(f"project {project_id} returned {len(wrong)} non-{stage} "
                           f"assignment(s), e.g. {wrong[0]}; is the sink {sink} mixed up?")
    for a in new:
        a.round = a.round if round is None else round
    append_jsonl(sink, new)
    log.info("%s: %d new assignment(s) appended to %s", stage, len(new), sink)
    return new


def _price(n_tasks: int, overlap: int, spec: ProjectSpec, pricing: Pricing | None,
           budget_usd: float | None) -> None:
    if n_tasks <= 0:
        return
    p = pricing or Pricing()
    estimate = estimate_cost(n_tasks, overlap, spec.seconds_per_task, p.hourly_pay_usd,
                             p.control_share, p.platform_fee)
    log.info("%s: cost before launch\n%s", spec.private_name, estimate.summary())
    check_budget(estimate, budget_usd)


def _collect(backend: CrowdBackend, spec: ProjectSpec, tasks: list[dict], overlap: int,
             sink: str | os.PathLike, round: int, timeout_s: float | None, poll_s: float,
             budget_usd: float | None, pricing: Pricing | None) -> list[Assignment]:
    sink, stage = Path(sink), spec.kind
    if not tasks:
        return read_sink(sink, stage)
    project_id = backend.create_project(spec)
    _remember_project(sink, stage, project_id, spec)
    done = {a.task_id for a in read_sink(sink, stage)}
    _price(sum(t["task_id"] not in done for t in tasks), overlap, spec, pricing, budget_usd)
    backend.add_tasks(project_id, tasks, overlap)
    backend.open(project_id)
    _wait(backend, project_id, timeout_s, poll_s, f"{backend.name} {stage}")
    _append_new(backend, project_id, sink, stage, round or None)
    return read_sink(sink, stage)


def answer_task(prompt: Prompt) -> dict:
    """The Part I task for one prompt."""
    return {"task_id": prompt.id, "prompt": prompt.prompt, "prompt_en": prompt.prompt_en,
            "context": prompt.context}


def validation_task(answer: Assignment, prompts: dict[str, Prompt]) -> dict:
    """The Part II task for one answer; its task id is the answer's assignment id."""
    if answer.stage != "answers":
        raise BackendError(f"assignment {answer.assignment_id} is a {answer.stage} record, "
                           "not an answer")
    prompt = prompts.get(answer.task_id)
    if prompt is None:
        raise BackendError(f"answer {answer.assignment_id} is for prompt {answer.task_id!r}, "
                           "which is not among the prompts given")
    return {"task_id": answer.assignment_id, "prompt_id": prompt.id, "prompt": prompt.prompt,
            "answer": answer.answer or ""}


def collect_answers(backend: CrowdBackend, prompts: list[Prompt], overlap: int,
                    sink: str | os.PathLike, round: int = 0, spec: ProjectSpec | None = None,
                    timeout_s: float | None = None, poll_s: float = 5, *,
                    budget_usd: float | None = None,
                    pricing: Pricing | None = None) -> list[Assignment]:
    """Part I: ``overlap`` answers per prompt, appended to ``sink``; returns all answers there.

    Taught in notebooks/02_collecting_answers.
    """
    spec = spec or answer_project(lang=prompts[0].lang if prompts else "sw")
    return _collect(backend, spec, [answer_task(p) for p in prompts], overlap, sink, round,
                    timeout_s, poll_s, budget_usd, pricing)


def collect_votes(backend: CrowdBackend, answers: list[Assignment], prompts: list[Prompt],
                  overlap: int, sink: str | os.PathLike, round: int = 0,
                  spec: ProjectSpec | None = None, timeout_s: float | None = None,
                  poll_s: float = 5, *, budget_usd: float | None = None,
                  pricing: Pricing | None = None) -> list[Assignment]:
    """Part II: ``overlap`` helpfulness votes per answer into ``sink``; returns all votes there.

    Taught in notebooks/03_answer_validation.
    """
    by_id = {p.id: p for p in prompts}
    spec = spec or validation_project(lang=prompts[0].lang if prompts else "sw")
    tasks = [validation_task(a, by_id) for a in answers]
    return _collect(backend, spec, tasks, overlap, sink, round, timeout_s, poll_s, budget_usd,
                    pricing)


def collect_rankings(backend: CrowdBackend, comparisons: list[dict], overlap: int,
                     sink: str | os.PathLike, spec: ProjectSpec | None = None,
                     timeout_s: float | None = None, poll_s: float = 5, *,
                     budget_usd: float | None = None,
                     pricing: Pricing | None = None) -> list[Assignment]:
    """Side-by-side votes (label 0 = A better, 1 = B better) for ranking task dicts.

    Taught in notebooks/05_hands_on_mt5.
    """
    return _collect(backend, spec or ranking_project(), comparisons, overlap, sink, 0, timeout_s,
                    poll_s, budget_usd, pricing)


def _request_more(backend: CrowdBackend, stage: str, task_ids: list[str], extra: int,
                  sink: Path, round: int | None, spec: ProjectSpec | None,
                  timeout_s: float | None, poll_s: float, budget_usd: float | None,
                  pricing: Pricing | None) -> list[Assignment]:
    project_id = _project_for(backend, sink, stage, spec)
    have = Counter(a.task_id for a in read_sink(sink, stage))
    asked_at: dict[str, int] = {}  # task -> assignments in the sink when more were last asked for
    for row in _ledger(sink):
        if row.get("event") == "raise" and row.get("project_id") == project_id:
            asked_at.update(row["base"])
    ids = list(dict.fromkeys(task_ids))
    # Same sink count as at the last request: that request is still being answered (or its
    # answers were never appended), so asking again would pay twice. Fetch instead.
    repeat = [t for t in ids if asked_at.get(t) == have[t]]
    if repeat:
        log.info("%s: more assignments for %d task(s) were already requested; collecting those "
                 "instead of asking twice", stage, len(repeat))
    todo = [t for t in ids if t not in set(repeat)]
    if todo:
        _price(len(todo), extra, spec or _spec_stub(stage), pricing, budget_usd)
        backend.raise_overlap(project_id, todo, extra)
        _note(sink, {"event": "raise", "project_id": project_id, "round": round, "extra": extra,
                     "base": {t: have[t] for t in todo}})
    backend.open(project_id)
    _wait(backend, project_id, timeout_s, poll_s, f"{backend.name} {stage} (more)")
    return _append_new(backend, project_id, sink, stage, round)


def _spec_stub(stage: str) -> ProjectSpec:
    """Default spec of a stage, used only for its time per task when pricing a request."""
    return {"answers": answer_project, "validation": validation_project,
            "ranking": ranking_project}[stage]()


def request_more_votes(backend: CrowdBackend, answer_ids: list[str], extra: int,
                       sink: str | os.PathLike, spec: ProjectSpec | None = None,
                       timeout_s: float | None = None, poll_s: float = 5, *,
                       budget_usd: float | None = None,
                       pricing: Pricing | None = None) -> list[Assignment]:
    """``extra`` more votes on each answer (dynamic overlap); returns only the NEW votes.

    Taught in notebooks/03_answer_validation.
    """
    return _request_more(backend, "validation", answer_ids, extra, Path(sink), None, spec,
                         timeout_s, poll_s, budget_usd, pricing)


def request_more_answers(backend: CrowdBackend, prompt_ids: list[str], extra: int,
                         sink: str | os.PathLike, round: int, spec: ProjectSpec | None = None,
                         timeout_s: float | None = None, poll_s: float = 5, *,
                         budget_usd: float | None = None,
                         pricing: Pricing | None = None) -> list[Assignment]:
    """Re-collection: ``extra`` new answers per prompt, stamped ``round``; returns only the new.

    Taught in notebooks/03_answer_validation.
    """
    if round < 1:
        raise ValueError(f"re-collection round must be >= 1, got {round}")
    return _request_more(backend, "answers", prompt_ids, extra, Path(sink), round, spec,
                         timeout_s, poll_s, budget_usd, pricing)
