"""The lifecycle every crowd backend implements, so the pipeline never asks which one it has.

create project -> add tasks -> open -> poll progress -> fetch assignments ->
accept/reject with a comment -> raise overlap (re-collection, more votes) ->
close. The simulated crowd, Toloka and the room (Potato) each implement
:class:`CrowdBackend`; ``collect.py`` drives any of them the same way.

Two promises every implementation keeps, because stages run in separate
processes and may be re-run after an interruption:

* **idempotent**: ``create_project`` finds an existing project by
  ``spec.private_name``; ``add_tasks`` skips task ids it already has. Nothing is
  created (or paid) twice.
* **pseudonymous**: worker ids leave the backend only through
  :func:`pseudonymise`, so records never hold a platform's real worker id.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from ..errors import TutorialLibError
from ..records import Assignment
from .design_spec import ProjectSpec


class BackendError(TutorialLibError, RuntimeError):
    """A lifecycle call the backend cannot honour (unknown id, wrong state); names the id."""


class VerdictTooLate(BackendError):
    """A verdict on work the platform already accepted (its review period ran out).

    Not a crash: the kit logs it, counts it as "too late" and moves on, so a
    rerun does not stop at the same assignment.
    """


class Clock:
    """Wall-clock time and sleeping, in one object so tests can drive time themselves."""

    def now(self) -> dt.datetime:
        """The current time, for deadlines and ``at`` stamps.

        Returns:
            A timezone-aware ``datetime`` in UTC.
        """
        return dt.datetime.now(dt.UTC)

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for measuring timeouts.

        Returns:
            Seconds from an arbitrary origin; only differences mean anything.
        """
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Wait before polling again (a test clock advances its own time instead).

        Args:
            seconds: how long to wait; a negative value waits not at all.
        """
        time.sleep(max(seconds, 0.0))


@dataclass
class Progress:
    """How many assignments a project expects (tasks x overlap) and how many are in."""

    total: int
    submitted: int

    @property
    def remaining(self) -> int:
        return max(self.total - self.submitted, 0)

    @property
    def fraction(self) -> float:
        return 1.0 if self.total == 0 else min(self.submitted / self.total, 1.0)

    @property
    def done(self) -> bool:
        return self.remaining == 0


def pseudonymise(raw_worker_id: str, salt: str) -> str:
    """A stable, non-reversible worker id: ``"w_"`` + 10 hex chars of HMAC-SHA256(salt, id).

    The same worker keeps the same pseudonym across stages (so worker skills can
    be learned) while the platform's id never reaches a record or a report.

    Args:
        raw_worker_id: the platform's own worker id (converted with ``str``).
        salt: the run's secret salt (:func:`~tutorial_lib.crowd.secrets.workdir_salt`);
            without it a pseudonym could be recomputed from a leaked platform id.

    Returns:
        ``"w_"`` followed by 10 lowercase hex characters.

    Raises:
        ValueError: if ``salt`` is empty.

    Examples:
        >>> pseudonymise("toloka-worker-42", salt="s3cret")
        'w_615a9c92a2'
        >>> pseudonymise(42, "s3cret") == pseudonymise("42", "s3cret")
        True

    Taught in notebooks/01_crowdsourcing_basics.
    """
    if not salt:
        raise ValueError("pseudonymise needs a non-empty salt (a per-run secret)")
    digest = hmac.new(salt.encode("utf-8"), str(raw_worker_id).encode("utf-8"), hashlib.sha256)
    return "w_" + digest.hexdigest()[:10]


def check_tasks(tasks: list[dict], where: str = "tasks") -> list[str]:
    """Task ids in order, checked before anything is sent (or paid) to a platform.

    Args:
        tasks: task dicts, each with a non-empty ``task_id``.
        where: what to call the list in an error message (a file or argument name).

    Returns:
        The ``task_id`` of every task, as strings, in the given order.

    Raises:
        BackendError: if a task is not a dict, has no (or a blank) ``task_id``, or
            repeats an earlier task's id; the message names the index.

    Examples:
        >>> check_tasks([{"task_id": "p1"}, {"task_id": 2}])
        ['p1', '2']
        >>> check_tasks([{"task_id": "p1"}, {"task_id": "p1"}])
        Traceback (most recent call last):
        ...
        tutorial_lib.crowd.backend.BackendError: tasks[1]: task_id 'p1' appears twice
    """
    ids, seen = [], set()
    for i, task in enumerate(tasks):
        if not isinstance(task, dict) or not str(task.get("task_id") or "").strip():
            raise BackendError(f"{where}[{i}] has no 'task_id': {str(task)[:80]!r}")
        task_id = str(task["task_id"])
        if task_id in seen:
            raise BackendError(f"{where}[{i}]: task_id {task_id!r} appears twice")
        seen.add(task_id)
        ids.append(task_id)
    return ids


def check_comment(comment: str, action: str = "reject") -> str:
    """The comment of a verdict, refused when empty: workers deserve a reason for a rejection.

    Args:
        comment: what the worker will read.
        action: the verdict it belongs to, named in the error message.

    Returns:
        The comment without surrounding whitespace.

    Raises:
        BackendError: if ``comment`` is not a string or is blank.

    Examples:
        >>> check_comment("  The answer is in English, not Swahili. ")
        'The answer is in English, not Swahili.'
    """
    if not isinstance(comment, str) or not comment.strip():
        raise BackendError(f"{action} needs a non-empty comment telling the worker why")
    return comment.strip()


class CrowdBackend(ABC):
    """One crowd platform behind the common lifecycle.

    Task dicts by project kind (every one has ``task_id``):

    * answers: ``{"task_id": prompt.id, "prompt", "prompt_en", "context"}``
    * validation: ``{"task_id": answer assignment_id, "prompt_id", "prompt", "answer"}``
    * ranking: ``{"task_id", "prompt_id", "prompt", "answer_a", "answer_b", "model_a", "model_b"}``
    """

    name: str = "abstract"
    clock: Clock = Clock()

    @abstractmethod
    def create_project(self, spec: ProjectSpec) -> str:
        """Create the project, or return the existing one with ``spec.private_name``.

        Args:
            spec: what the project asks and shows (its ``private_name`` is the identity
                a rerun finds it by).

        Returns:
            The backend's project id.
        """

    @abstractmethod
    def add_tasks(self, project_id: str, tasks: list[dict], overlap: int) -> int:
        """Add tasks to a project; task ids it already has are skipped, so nothing is paid twice.

        Args:
            project_id: a project from :meth:`create_project`.
            tasks: task dicts of the project's kind (see the class docstring).
            overlap: assignments (distinct workers) wanted on each new task, >= 1.

        Returns:
            How many tasks were new.
        """

    @abstractmethod
    def open(self, project_id: str) -> None:
        """Let workers start (idempotent).

        Args:
            project_id: a project from :meth:`create_project`.
        """

    @abstractmethod
    def progress(self, project_id: str) -> Progress:
        """Assignments expected and submitted so far, for polling until done.

        Args:
            project_id: a project from :meth:`create_project`.

        Returns:
            The project's :class:`Progress`.
        """

    @abstractmethod
    def fetch(self, project_id: str) -> list[Assignment]:
        """Every assignment submitted so far, with its current status and comment.

        Args:
            project_id: a project from :meth:`create_project`.

        Returns:
            The assignments, with pseudonymous worker ids (:func:`pseudonymise`).
        """

    @abstractmethod
    def accept(self, assignment_id: str, comment: str = "") -> None:
        """Accept (and pay) an assignment.

        Args:
            assignment_id: the assignment's id on this backend.
            comment: an optional note to the worker.
        """

    @abstractmethod
    def reject(self, assignment_id: str, comment: str) -> None:
        """Reject an assignment; the comment (required) tells the worker why.

        Args:
            assignment_id: the assignment's id on this backend.
            comment: the reason the worker reads (see :func:`check_comment`).
        """

    @abstractmethod
    def raise_overlap(self, project_id: str, task_ids: list[str], extra: int = 1) -> None:
        """Ask for more assignments on known tasks (re-collection, more votes).

        Args:
            project_id: the project holding the tasks.
            task_ids: the tasks to extend.
            extra: additional assignments per task, >= 1.
        """

    @abstractmethod
    def close(self, project_id: str) -> None:
        """Stop taking new work (idempotent).

        Args:
            project_id: a project from :meth:`create_project`.
        """

    def stop_tasks(self, project_id: str, task_ids: list[str]) -> None:
        """Stop issuing more assignments on these tasks (their prompt is answered).

        Backends that finish every request before returning have nothing to stop.

        Args:
            project_id: the project holding the tasks.
            task_ids: the tasks that need no more assignments.
        """

    def review_deadline(self, project_id: str):
        """When the platform starts accepting this project's undecided work on its own.

        Verdicts must land before then; a later rejection fails as :class:`VerdictTooLate`.

        Args:
            project_id: a project from :meth:`create_project`.

        Returns:
            A ``datetime``, or ``None`` when the platform never decides by itself
            (the default here).
        """
        return
