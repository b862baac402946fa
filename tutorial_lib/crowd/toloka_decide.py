"""Verdicts and re-collection on Toloka: pay once, never late by surprise, buy only what is missing.

A mixin of :class:`~.toloka.TolokaBackend` (kept apart to keep each file
readable): when Toloka would accept Part I by itself (the review deadline),
accepting and rejecting assignments, raising a task's overlap with
``patch_task`` (the documented way to ask for more), and stopping tasks whose
prompt got its answer with ``patch_task_overlap_or_min`` (the documented way
to stop one).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from .backend import VerdictTooLate, check_comment
from .toloka_build import status_name as _status
from .toloka_calls import TolokaError

logger = logging.getLogger(__name__)

ACCEPT_COMMENT = "Asante! Thank you for your work."
ISSUED = ("ACTIVE", "SUBMITTED", "ACCEPTED", "REJECTED")


class TolokaDecisions:
    """Accept, reject, raise overlap, stop tasks; every call safe to repeat."""

    def review_deadline(self, project_id: str | None = None) -> dt.datetime | None:
        """When Toloka would accept this run's oldest undecided Part I answer on its own.

        Part I verdicts must land before then (a later rejection is
        :class:`~tutorial_lib.crowd.backend.VerdictTooLate`); only answer projects
        count, since Part II and ranking pools accept on their own at once.

        Args:
            project_id: one project from ``create_project``; ``None`` looks at every
                project of this run.

        Returns:
            The earliest deadline (UTC), the oldest submission plus the pool's
            auto-accept period; ``None`` when no Part I answer awaits a verdict.
        """
        ids = [project_id] if project_id else list(self._state["projects"])
        deadlines = []
        for pid in ids:
            entry = self._project(pid)
            if entry["kind"] != "answers":
                continue
            submitted = [a.submitted for a in self._assignments(entry["pool_id"], ("SUBMITTED",))]
            if not submitted:
                continue
            pool = self._call("get_pool", self._client.get_pool, entry["pool_id"])
            oldest = min(submitted)
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=dt.UTC)
            days = int(pool.auto_accept_period_day or self.review_days)
            deadlines.append(oldest + dt.timedelta(days=days))
        return min(deadlines) if deadlines else None

    def _current(self, assignment_id: str):
        base = str(assignment_id).split("#")[0]
        return base, self._call("get_assignment", self._client.get_assignment, base)

    def _apply(self, base: str, target: str, fn, comment: str) -> None:
        """Set ``target`` status; a failed call that nevertheless went through is fine."""
        try:
            self._call(f"{target.lower()} assignment {base}", fn, base, comment)
        except TolokaError:
            status = _status(self._call("get_assignment", self._client.get_assignment, base).status)
            if status == target:
                return
            if status == "ACCEPTED":
                raise VerdictTooLate(
                    f"assignment {base} was accepted by Toloka before the "
                    f"kit's verdict ({target.lower()}) arrived"
                ) from None
            raise

    def accept(self, assignment_id: str, comment: str = "") -> None:
        """Accept (pay) once: an already accepted assignment is left alone.

        A rejected assignment can still be accepted (a verdict reversed).

        Args:
            assignment_id: the kit's assignment id (Toloka's id, with ``#n`` for the
                n-th task of a suite).
            comment: the note the worker reads; empty sends a thank-you.

        Raises:
            TolokaError: if the assignment is neither submitted nor rejected (still
                active, expired, skipped), or the call fails for good.
        """
        base, a = self._current(assignment_id)
        status = _status(a.status)
        if status == "ACCEPTED":
            logger.info("assignment %s already accepted; not paying it twice", base)
            return
        if status not in ("SUBMITTED", "REJECTED"):
            raise TolokaError(f"assignment {base} is {status}; only submitted work can be accepted")
        self._apply(
            base,
            "ACCEPTED",
            self._client.accept_assignment,
            (comment or "").strip() or ACCEPT_COMMENT,
        )

    def reject(self, assignment_id: str, comment: str) -> None:
        """Reject with a reason; rejecting twice is a no-op.

        Args:
            assignment_id: the kit's assignment id (Toloka's id, with ``#n`` for the
                n-th task of a suite).
            comment: the reason the worker reads; required.

        Raises:
            BackendError: if ``comment`` is blank (from
                :func:`~tutorial_lib.crowd.backend.check_comment`).
            VerdictTooLate: if Toloka already accepted it (its review period ran out);
                the kit counts this instead of crashing.
            TolokaError: if the assignment is not submitted (still active, expired,
                skipped), or the call fails for good.
        """
        comment = check_comment(comment)
        base, a = self._current(assignment_id)
        status = _status(a.status)
        if status == "REJECTED":
            logger.info("assignment %s already rejected", base)
            return
        if status == "ACCEPTED":
            raise VerdictTooLate(
                f"assignment {base} was already accepted (auto-accepted after "
                f"the review period); the rejection comes too late"
            )
        if status != "SUBMITTED":
            raise TolokaError(f"assignment {base} is {status}; only submitted work can be rejected")
        self._apply(base, "REJECTED", self._client.reject_assignment, comment)

    def _issued(self, pool_id: str) -> Counter:
        return Counter(str(t.id) for a in self._assignments(pool_id, ISSUED) for t in a.tasks)

    def raise_overlap(self, project_id: str, task_ids: list[str], extra: int = 1) -> None:
        """Make sure exactly ``extra`` more assignments are to come on each task.

        The target is (assignments issued so far + ``extra``), set with
        ``patch_task``; a task already asking for that many (a rerun) is left
        alone, so nothing is bought twice. The pool reopens afterwards (Toloka
        closes a pool whose tasks are all done).

        Args:
            project_id: a project from ``create_project``.
            task_ids: the kit's task ids to extend.
            extra: assignments wanted on each task beyond those issued, >= 1.

        Raises:
            TolokaError: if ``extra`` < 1, the pool is archived (more work needs a new
                run directory), a task is not in the pool, or a call fails for good.
        """
        from toloka.client.task import TaskPatch

        if extra < 1:
            raise TolokaError(f"raise_overlap needs extra >= 1, got {extra}")
        pool_id = self._project(project_id)["pool_id"]
        if self._pool_status(pool_id) == "ARCHIVED":
            raise TolokaError(f"pool {pool_id} is archived; more work needs a new run directory")
        tasks = self._existing_task_ids(pool_id)
        issued = self._issued(pool_id)
        rounds = self._state["rounds"].setdefault(str(project_id), {})
        for task_id in map(str, task_ids):
            task = tasks.get(task_id)
            if task is None:
                raise TolokaError(f"task {task_id!r} is not in pool {pool_id}")
            n = issued[str(task.id)]
            if n not in rounds.setdefault(task_id, []):
                rounds[task_id].append(n)
            if int(task.overlap or 0) >= n + extra:
                continue
            self._call("patch_task", self._client.patch_task, task.id, TaskPatch(overlap=n + extra))
        self._save_state()
        self._set_open("pool", pool_id, True)

    def stop_tasks(self, project_id: str, task_ids: list[str]) -> None:
        """Stop issuing these tasks (their prompt has its answer): overlap down to what is issued.

        Assignments already issued still come in and are paid; nothing new is bought.
        Unknown tasks, tasks already at their issued count and archived pools are
        skipped, so a rerun does nothing.

        Args:
            project_id: a project from ``create_project``.
            task_ids: the kit's task ids to stop.
        """
        from toloka.client.task import TaskOverlapPatch

        pool_id = self._project(project_id)["pool_id"]
        if not task_ids or self._pool_status(pool_id) == "ARCHIVED":
            return
        tasks, issued = self._existing_task_ids(pool_id), self._issued(pool_id)
        for task_id in map(str, task_ids):
            task = tasks.get(task_id)
            if task is None or int(task.overlap or 0) <= issued[str(task.id)]:
                continue
            self._call(
                "patch_task_overlap_or_min",
                self._client.patch_task_overlap_or_min,
                task.id,
                TaskOverlapPatch(overlap=issued[str(task.id)]),
            )
            logger.info(
                "task %s stopped at %d assignment(s): its prompt is answered",
                task_id,
                issued[str(task.id)],
            )
