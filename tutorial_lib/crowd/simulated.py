"""The default crowd: offline, seeded, fast, and with a hidden truth to score quality control.

A pool of simulated workers, each with a writer profile (diligent native
speaker, spammer, English writer, prompt copier, off-topic answerer,
truncator) and a validator profile (diligent, careless, always-yes, spammer),
per-worker skill and yes-bias drawn around the profile's mean, and an entry
exam that the diligent mostly pass and spammers mostly fail. Every simulated
answer has a hidden truth (helpful or not, the writer's profile) kept in
``workdir/_truth.jsonl`` and never in an :class:`~tutorial_lib.records.Assignment`,
so quality control is scored against it later without seeing it now.

All state lives as JSON in ``workdir`` (see :mod:`.simulated_store`) and every
draw is seeded by (seed, project, task, slot), so a stage in another process
continues where the last one stopped and re-running creates nothing twice,
with the same ids.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..records import Assignment, Prompt, to_dict
from . import simtext
from .backend import BackendError, CrowdBackend, Progress, check_comment, check_tasks
from .design_spec import ProjectSpec
from .simulated_store import (
    append_truth,
    load_or_build_pool,
    load_state,
    load_truth,
    save_state,
    worker_groups,
)
from .simworkers import ROLE_OF, resolve_mix, vote

logger = logging.getLogger(__name__)

_EPOCH = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
_PREFIX = {"answers": "ans", "validation": "val", "ranking": "rnk"}


def _digest(*parts) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode("utf-8")).hexdigest()


class SimulatedCrowd(CrowdBackend):
    """A reconstructible simulated crowd; see the module docstring.

    Args:
        prompts: prompts whose references seed the good answers.
        workdir: where state, the worker pool and the hidden truth persist.
        seed: the simulation seed (a workdir belongs to one seed).
        n_workers: pool size; each worker writes and validates.
        mix: profile shares, ``{"writers": {...}, "validators": {...}}``; defaults
            are tuned so that majority vote over 3 votes stays below 93% accurate.

    Taught in notebooks/03_answer_validation.
    """

    name = "simulated"

    def __init__(
        self,
        prompts: list[Prompt],
        workdir: str | os.PathLike,
        seed: int = 0,
        n_workers: int = 40,
        mix: dict | None = None,
    ):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.seed = int(seed)
        self.prompts = {p.id: p for p in prompts}
        self._other_refs = [(p.id, r) for p in prompts for r in p.references]
        self.mix = resolve_mix(mix)
        self.workers = load_or_build_pool(self.workdir, self.seed, n_workers, self.mix)
        self.state = load_state(self.workdir, self.seed)
        self.truth = load_truth(self.workdir)

    def _save(self) -> None:
        save_state(self.workdir, self.state)

    # Class-level access for code that has a crowd folder but no crowd (notebooks, slides).
    worker_groups = staticmethod(worker_groups)
    load_truth = staticmethod(load_truth)

    # --- lifecycle ---------------------------------------------------------------------
    def _project(self, project_id: str) -> dict:
        if project_id not in self.state["projects"]:
            raise BackendError(f"simulated crowd in {self.workdir} has no project {project_id!r}")
        return self.state["projects"][project_id]

    def create_project(self, spec: ProjectSpec) -> str:
        """Create the project for ``spec``, or find the one made earlier under its name.

        Args:
            spec: The task design; its kind, exam, scale, time per task and
                questions decide how the simulated workers answer.

        Returns:
            The project id, ``"sim-" + spec.private_name``.
        """
        project_id = f"sim-{spec.private_name}"
        if project_id not in self.state["projects"]:
            self.state["projects"][project_id] = {
                "private_name": spec.private_name,
                "kind": spec.kind,
                "status": "created",
                "has_exam": bool(spec.exam_items),
                "scale": spec.scale,
                "seconds_per_task": spec.seconds_per_task,
                "questions": [q.name for q in spec.output_fields],
            }
            self.state["tasks"][project_id] = {}
            self._save()
        return project_id

    def add_tasks(self, project_id: str, tasks: list[dict], overlap: int) -> int:
        """Add tasks; known task ids are skipped. An open project answers them at once.

        Args:
            project_id: An id from :meth:`create_project`.
            tasks: Task dicts with unique ``task_id`` (keys by kind: see
                :class:`~tutorial_lib.crowd.backend.CrowdBackend`).
            overlap: Assignments wanted per new task.

        Returns:
            How many tasks were new.

        Raises:
            BackendError: if the project is unknown, a task id is missing or
                repeated, or fewer workers passed the exam than ``overlap``
                needs (a rater never rates their own answer).
        """
        project = self._project(project_id)
        ids = check_tasks(tasks, f"tasks for {project_id}")
        self._check_overlap(project, overlap)
        known = self.state["tasks"][project_id]
        new = 0
        for task_id, task in zip(ids, tasks):
            if task_id not in known:
                known[task_id] = {
                    "task": dict(task),
                    "overlap": int(overlap),
                    "round": 0,
                    "workers": [],
                    "filled": 0,
                }
                new += 1
        if project["status"] == "open":
            self._simulate(project_id)
        self._save()
        return new

    def open(self, project_id: str) -> None:
        """Open the project: every open slot is filled now, deterministically.

        Args:
            project_id: An id from :meth:`create_project`.

        Raises:
            BackendError: if the project is unknown.
        """
        self._project(project_id)["status"] = "open"
        self._simulate(project_id)
        self._save()

    def close(self, project_id: str) -> None:
        """Stop answering new tasks (tasks added later wait for :meth:`open`).

        Args:
            project_id: An id from :meth:`create_project`.

        Raises:
            BackendError: if the project is unknown.
        """
        self._project(project_id)["status"] = "closed"
        self._save()

    def progress(self, project_id: str) -> Progress:
        """Assignments expected (tasks x overlap, raised overlap included) and submitted.

        Args:
            project_id: An id from :meth:`create_project`.

        Returns:
            The project's :class:`~tutorial_lib.crowd.backend.Progress`.

        Raises:
            BackendError: if the project is unknown.
        """
        self._project(project_id)
        tasks = self.state["tasks"][project_id].values()
        return Progress(
            total=sum(t["overlap"] for t in tasks), submitted=sum(t["filled"] for t in tasks)
        )

    def fetch(self, project_id: str) -> list[Assignment]:
        """Every assignment simulated for the project, with its current status and comment.

        Args:
            project_id: An id from :meth:`create_project`.

        Returns:
            The assignments in the order they were simulated; the hidden
            truth is not in them (see :meth:`load_truth`).

        Raises:
            BackendError: if the project is unknown.
        """
        self._project(project_id)
        rows = [a for a in self.state["assignments"].values() if a["project_id"] == project_id]
        return [Assignment(**{k: v for k, v in a.items() if k != "project_id"}) for a in rows]

    def _decide(self, assignment_id: str, status: str, comment: str) -> None:
        row = self.state["assignments"].get(assignment_id)
        if row is None:
            raise BackendError(f"simulated crowd has no assignment {assignment_id!r}")
        if row["status"] not in ("submitted", status):
            raise BackendError(f"assignment {assignment_id} is already {row['status']}")
        row["status"], row["comment"] = status, comment
        self._save()

    def accept(self, assignment_id: str, comment: str = "") -> None:
        """Accept an assignment (accepting it again changes nothing).

        Args:
            assignment_id: An id from :meth:`fetch`.
            comment: Optional note to the worker.

        Raises:
            BackendError: if the assignment is unknown or already rejected.
        """
        self._decide(assignment_id, "accepted", comment)

    def reject(self, assignment_id: str, comment: str) -> None:
        """Reject an assignment, telling the worker why.

        Args:
            assignment_id: An id from :meth:`fetch`.
            comment: The reason; required.

        Raises:
            BackendError: if ``comment`` is empty, or the assignment is
                unknown or already accepted.
        """
        self._decide(assignment_id, "rejected", check_comment(comment))

    def raise_overlap(self, project_id: str, task_ids: list[str], extra: int = 1) -> None:
        """Ask ``extra`` more workers per task; they answer a day later, as a new round.

        Args:
            project_id: An id from :meth:`create_project`.
            task_ids: Tasks already in the project.
            extra: More assignments per task, at least 1.

        Raises:
            BackendError: if a task is unknown, ``extra`` < 1, or the raised
                overlap needs more workers than passed the exam.
        """
        project = self._project(project_id)
        known = self.state["tasks"][project_id]
        unknown = [t for t in task_ids if t not in known]
        if unknown:
            raise BackendError(f"project {project_id} has no task(s) {unknown[:5]}")
        if extra < 1:
            raise BackendError(f"extra must be >= 1, got {extra}")
        for task_id in task_ids:
            self._check_overlap(project, known[task_id]["overlap"] + extra)
            known[task_id]["overlap"] += extra
            known[task_id]["round"] += 1
        if project["status"] == "open":
            self._simulate(project_id)
        self._save()

    # --- simulation --------------------------------------------------------------------
    def _eligible(self, project: dict) -> list[str]:
        role = ROLE_OF[project["kind"]]
        return [
            wid for wid, w in self.workers.items() if not project["has_exam"] or w["passed"][role]
        ]

    def _check_overlap(self, project: dict, overlap: int) -> None:
        n = len(self._eligible(project))
        if overlap > n - (project["kind"] != "answers"):  # a rater never rates own work
            raise BackendError(
                f"overlap {overlap} needs more simulated workers than the {n} "
                f"who passed the {project['kind']} exam; raise n_workers"
            )

    def _simulate(self, project_id: str) -> None:
        """Fill every open slot; each draw is seeded by (seed, project, task, slot)."""
        project = self._project(project_id)
        eligible = self._eligible(project)
        new_truth = []
        for task_id, t in self.state["tasks"][project_id].items():
            while t["filled"] < t["overlap"]:
                slot = t["filled"]
                rng = random.Random(_digest(self.seed, project["private_name"], task_id, slot))
                author = self.truth.get(task_id, {}).get("worker_id")
                pool = [w for w in eligible if w not in t["workers"] and w != author]
                weights = [self.workers[w][ROLE_OF[project["kind"]]]["activity"] for w in pool]
                worker = rng.choices(pool, weights=weights)[0]
                row, truth = self._make(project, t, task_id, slot, worker, rng)
                self.state["assignments"][row["assignment_id"]] = row
                if truth:
                    self.truth[row["assignment_id"]] = truth
                    new_truth.append({"assignment_id": row["assignment_id"], **truth})
                t["workers"].append(worker)
                t["filled"] += 1
        if new_truth:
            append_truth(self.workdir, new_truth)

    def _make(
        self, project: dict, t: dict, task_id: str, slot: int, worker_id: str, rng: random.Random
    ) -> tuple[dict, dict | None]:
        kind, w = project["kind"], self.workers[worker_id]
        role = w[ROLE_OF[kind]]
        seconds = project["seconds_per_task"] * role["speed"] * rng.lognormvariate(0, 0.35)
        offset = t["round"] * 86400 + rng.uniform(0, 4 * 3600)
        record = Assignment(
            assignment_id=f"{_PREFIX[kind]}-{_digest(self.seed, project['private_name'], task_id, slot)[:14]}",
            task_id=task_id,
            worker_id=worker_id,
            kind=kind,
            backend="simulated",
            submitted_at=(_EPOCH + timedelta(seconds=offset)).isoformat(timespec="seconds"),
            duration_s=round(max(seconds, 2.0), 1),
            round=t["round"],
        )
        truth = None
        if kind == "answers":
            record.answer, truth = self._write(t["task"], role, worker_id, rng)
        else:
            record.label, record.extra = self._judge(project, t["task"], role, rng)
        return {**to_dict(record), "project_id": f"sim-{project['private_name']}"}, truth

    def _write(self, task: dict, role: dict, worker_id: str, rng: random.Random):
        prompt = self.prompts.get(task["task_id"])
        refs = prompt.references if prompt else []
        variant = "good" if rng.random() < role["good"] else role["bad_variant"]
        others = [r for pid, r in self._other_refs if pid != task["task_id"]]
        text = simtext.write(
            rng, variant, refs, task.get("prompt", ""), task.get("prompt_en", ""), others
        )
        return text, {
            "helpful": variant == "good",
            "profile": role["profile"],
            "worker_id": worker_id,
            "variant": variant,
        }

    def _helpful(self, task: dict) -> bool:
        """Truth for a validation task; answers from outside the simulation get a heuristic."""
        known = self.truth.get(task["task_id"])
        if known is not None:
            return known["helpful"]
        prompt = self.prompts.get(task.get("prompt_id", ""))
        answer = task.get("answer") or ""
        if prompt and prompt.references:
            return simtext.closeness(answer, prompt.references) >= 25.0
        return len(answer.split()) >= 5 and answer.strip() != task.get("prompt", "").strip()

    def _judge(self, project: dict, task: dict, role: dict, rng: random.Random):
        if project["kind"] == "ranking":
            prompt = self.prompts.get(task.get("prompt_id", ""))
            refs = prompt.references if prompt else []
            diff = simtext.closeness(task.get("answer_b", ""), refs) - simtext.closeness(
                task.get("answer_a", ""), refs
            )
            return vote(rng, role, "ranking", diff=diff), {}
        label = vote(rng, role, project["scale"] or "binary", truth=self._helpful(task))
        extra = {
            q: vote(rng, role, "binary", truth=True)
            for q in ("harmless", "truthful")
            if q in project["questions"]
        }
        return label, extra
