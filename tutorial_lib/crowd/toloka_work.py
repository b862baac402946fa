"""Tasks and work on Toloka: upload once, open and close, watch progress, fetch pseudonymised work.

A mixin of :class:`~.toloka.TolokaBackend` (kept apart so each file reads in
one sitting). Uploads carry a replayable operation id and skip task ids the
pool already has; nobody is offered an answer of their own to validate; what
leaves here has pseudonymised worker ids and no golden tasks.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter

from ..records import Assignment
from .backend import Progress, check_tasks
from .design_spec import ProjectSpec
from .toloka_build import TASK_ID_FIELD, assignment_record
from .toloka_build import status_name as _status
from .toloka_calls import TolokaError

logger = logging.getLogger(__name__)

DONE = ("SUBMITTED", "ACCEPTED", "REJECTED")
NAMESPACE = uuid.UUID("6f1e9a52-64c4-4d7e-9d3b-2f0c1a7b5e11")  # task-upload operation ids


def _is_golden(task) -> bool:
    return str(task.input_values.get(TASK_ID_FIELD, "")).startswith("golden-")


def task_inputs(spec: ProjectSpec, task: dict, task_id: str) -> dict[str, str]:
    """A task's input values as Toloka takes them: the plan shows exactly what is uploaded.

    Args:
        spec: the project the task belongs to; its input fields are read.
        task: the kit's task dict (``crowd.tasks.answer_task``, ``validation_task``).
        task_id: the task's stable id, carried as the hidden ``task_id`` input.

    Returns:
        Field name -> text; empty optional fields are left out.

    Raises:
        TolokaError: if a required input field is empty.

    Examples:
        >>> from tutorial_lib.crowd.design import answer_project
        >>> task_inputs(answer_project(), {"prompt": "Habari?", "prompt_en": ""}, "sw-1")
        {'task_id': 'sw-1', 'prompt': 'Habari?'}
    """
    inputs = {TASK_ID_FIELD: task_id}
    for f in spec.input_fields:
        value = task.get(f.name)
        if value in (None, ""):
            if f.required:
                raise TolokaError(
                    f"task {task_id!r} has no {f.name!r}, which {spec.private_name} requires"
                )
            continue
        inputs[f.name] = str(value)
    return inputs


class TolokaWork:
    """Upload tasks, open and close the pool, report progress, fetch assignments."""

    def _pool_status(self, pool_id: str) -> str:
        return _status(self._call("get_pool", self._client.get_pool, pool_id).status)

    def _existing_task_ids(self, pool_id: str) -> dict[str, object]:
        tasks = self._call("task listing", lambda: list(self._client.get_tasks(pool_id=pool_id)))
        return {str(t.input_values.get(TASK_ID_FIELD)): t for t in tasks}

    def _upload(self, pool_id: str, tasks: list) -> int:
        """Create the tasks whose ``task_id`` the pool lacks, under a replayable operation id."""
        from toloka.client.task import CreateTasksParameters

        known = self._existing_task_ids(pool_id)
        new = [t for t in tasks if str(t.input_values[TASK_ID_FIELD]) not in known]
        if not new:
            return 0
        key = pool_id + "|" + "|".join(sorted(str(t.input_values[TASK_ID_FIELD]) for t in new))
        params = CreateTasksParameters(
            operation_id=uuid.uuid5(NAMESPACE, key),
            async_mode=True,
            allow_defaults=False,
            open_pool=False,
            skip_invalid_items=False,
        )
        op = self._call("create_tasks", self._client.create_tasks_async, new, parameters=params)
        self.calls.wait_operation(self._client, op, f"task upload to pool {pool_id}")
        return len(new)

    def _authors(self) -> dict[str, str]:
        """Raw worker id of every answer we collected, so nobody validates their own answer."""
        out = {}
        for entry in self._state["projects"].values():
            if entry["kind"] == "answers":
                for a in self._assignments(entry["pool_id"], DONE):
                    out[str(a.id)] = a.user_id
        return out

    def add_tasks(self, project_id: str, tasks: list[dict], overlap: int) -> int:
        """Upload tasks not yet in this run's pool (by ``task_id``), so none is bought twice.

        Args:
            project_id: a project from ``create_project``.
            tasks: task dicts of its kind (a vote is never offered to the answer's author).
            overlap: assignments wanted on each new task.

        Returns:
            How many tasks were new.

        Raises:
            BackendError: if a task has no ``task_id`` or repeats one (nothing is sent).
            TolokaError: if a task lacks a required input field, or the pool is archived
                while tasks are missing from it (collect them in a new run directory).
        """
        from toloka.client import Task

        ids = check_tasks(tasks)
        spec, pool_id = self._project_spec(project_id), self._project(project_id)["pool_id"]
        authors = self._authors() if spec.kind == "validation" else {}
        objs = []
        for task_id, task in zip(ids, tasks):
            inputs = task_inputs(spec, task, task_id)
            banned = [authors[task_id]] if task_id in authors else None
            objs.append(
                Task(
                    pool_id=pool_id,
                    input_values=inputs,
                    overlap=int(overlap),
                    unavailable_for=banned,
                )
            )
        known = self._existing_task_ids(pool_id)
        missing = [t for t in ids if t not in known]
        if missing and self._pool_status(pool_id) == "ARCHIVED":
            raise TolokaError(
                f"pool {pool_id} is archived (Toloka archives pools left alone for "
                f"about a month) and lacks {len(missing)} task(s); use a new run "
                f"directory to collect them"
            )
        added = self._upload(pool_id, objs)
        logger.info("%d new tasks in pool %s (%d already there)", added, pool_id, len(objs) - added)
        return added

    # -- run ------------------------------------------------------------------
    def _set_open(self, kind: str, object_id: str, opening: bool) -> None:
        c = self._client
        fn = {
            ("pool", True): c.open_pool_async,
            ("pool", False): c.close_pool_async,
            ("training", True): c.open_training_async,
            ("training", False): c.close_training_async,
        }[kind, opening]
        what = f"{'open' if opening else 'close'}_{kind} {object_id}"
        self.calls.wait_operation(c, self._call(what, fn, object_id), what)

    def open(self, project_id: str) -> None:
        """Open the training and this run's pool (no-op when open; an archived pool stays).

        Args:
            project_id: a project from ``create_project``.
        """
        entry = self._project(project_id)
        if self._pool_status(entry["pool_id"]) == "ARCHIVED":
            logger.warning("pool %s is archived; nothing to open", entry["pool_id"])
            return
        if entry.get("training_id"):
            self._set_open("training", entry["training_id"], True)
        self._set_open("pool", entry["pool_id"], True)

    def close(self, project_id: str) -> None:
        """Close this run's pool (no-op when closed or archived).

        Args:
            project_id: a project from ``create_project``.
        """
        pool_id = self._project(project_id)["pool_id"]
        if self._pool_status(pool_id) in ("CLOSED", "ARCHIVED"):
            return
        self._set_open("pool", pool_id, False)

    def _assignments(self, pool_id: str, statuses=DONE) -> list:
        return self._call(
            "assignment listing",
            lambda: list(self._client.get_assignments(pool_id=pool_id, status=list(statuses))),
        )

    def progress(self, project_id: str) -> Progress:
        """Assignments this run's pool expects and has received, golden tasks left out.

        Args:
            project_id: a project from ``create_project``.

        Returns:
            The :class:`~tutorial_lib.crowd.backend.Progress`: the sum of the tasks'
            overlaps, and the real tasks in submitted, accepted or rejected assignments.
        """
        pool_id = self._project(project_id)["pool_id"]
        tasks = [t for t in self._existing_task_ids(pool_id).values() if not _is_golden(t)]
        done = sum(not _is_golden(t) for a in self._assignments(pool_id) for t in a.tasks)
        return Progress(total=sum(int(t.overlap or 0) for t in tasks), submitted=done)

    def fetch(self, project_id: str) -> list[Assignment]:
        """This run's submitted, accepted or rejected work, pseudonymised; golden tasks left out.

        Each task of a multi-task suite becomes its own record (``<assignment id>#<i>``),
        and its ``round`` counts the re-collection rounds asked before it was issued.

        Args:
            project_id: a project from ``create_project``.

        Returns:
            :class:`~tutorial_lib.records.Assignment` records, oldest first.
        """
        spec, pool_id = self._project_spec(project_id), self._project(project_id)["pool_id"]
        rounds = self._state["rounds"].get(str(project_id), {})
        raw = sorted(self._assignments(pool_id), key=lambda a: (a.created, str(a.id)))
        seen: Counter = Counter()
        out = []
        for a in raw:
            real = [
                (task, sol) for task, sol in zip(a.tasks, a.solutions or []) if not _is_golden(task)
            ]
            for i, (task, solution) in enumerate(real):
                task_id = str(task.input_values.get(TASK_ID_FIELD))
                n_before = seen[task_id]
                seen[task_id] += 1
                rnd = sum(1 for t in rounds.get(task_id, []) if n_before >= t)
                aid = str(a.id) if len(real) == 1 else f"{a.id}#{i}"
                out.append(
                    assignment_record(
                        spec, a, aid, task_id, solution.output_values, rnd, self._salt
                    )
                )
        return out
