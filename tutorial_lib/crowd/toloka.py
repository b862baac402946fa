"""Toloka behind the common crowd lifecycle, through the real toloka-kit client.

Toloka closed its sandbox in July 2024, so every call here reaches production
and spends money: :class:`TolokaBackend` refuses to start without
``production=True`` (CLI ``--production``). The token comes from
:func:`secrets.get_token` and never reaches a log, repr or error message.

Re-runs are safe. A project is found by its ``private_comment``, a pool or
training by its ``private_name`` before anything is created; tasks carry our
stable ``task_id`` as a hidden input, and are uploaded with an operation id
derived from their ids, so an interrupted upload replays instead of
duplicating; an assignment is accepted only if it is not already accepted.
The pure builders live in ``toloka_build.py`` and are re-exported here.

Taught in notebooks/02_collecting_answers.
"""
from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from pathlib import Path

from ..records import Assignment
from .backend import BackendError, CrowdBackend, Progress, check_comment, check_tasks
from .design import ProjectSpec
from .pricing import reward_per_assignment
from .secrets import Secret, get_token, workdir_salt
from .toloka_build import (  # noqa: F401  (re-exported: the public builders)
    TASK_ID_FIELD,
    assignment_record,
    build_pool,
    build_project,
    build_skill,
    build_training,
    build_training_tasks,
    has_choices,
    pool_private_name,
    skill_name,
    training_private_name,
    view_config,
)
from .toloka_build import (
    status_name as _status,
)

log = logging.getLogger(__name__)

SANDBOX_CLOSED = (
    "Toloka closed its sandbox in July 2024: every Toloka call is a production call and "
    "costs real money. Check the cost estimate first, then pass production=True "
    "(CLI: --production) to confirm."
)
ACCEPT_COMMENT = "Asante! Thank you for your work."
DONE = ("SUBMITTED", "ACCEPTED", "REJECTED")
ISSUED = ("ACTIVE",) + DONE
NAMESPACE = uuid.UUID("6f1e9a52-64c4-4d7e-9d3b-2f0c1a7b5e11")  # task-upload operation ids


class TolokaError(BackendError):
    """A Toloka call failed or was refused; the message names the call, never the token."""


class TolokaBackend(CrowdBackend):
    """Toloka projects and pools driven through ``toloka.client.TolokaClient``.

    ``workdir`` keeps a small state file (which pool belongs to which project,
    re-collection rounds) and the pseudonymisation salt; the platform is the
    source of truth, so a lost state file only costs a few lookups.
    ``url`` points the client at another server (tests use a local stub).

    Taught in notebooks/02_collecting_answers.
    """

    name = "toloka"

    def __init__(self, workdir: str | Path, *, production: bool = False,
                 token: Secret | str | None = None, url: str | None = None,
                 hourly_pay_usd: float = 12.0, salt: str | None = None,
                 interactive: bool | None = None, timeout: float = 30.0) -> None:
        if not production:
            raise TolokaError(SANDBOX_CLOSED)
        from toloka.client import TolokaClient

        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.hourly_pay_usd = float(hourly_pay_usd)
        self._url = url
        self._salt = salt or workdir_salt(self.workdir)
        if isinstance(token, str):
            token = Secret(token, source="argument")
        self._token = token or get_token("TOLOKA_TOKEN", interactive=interactive)
        target = {"url": url} if url else {"environment": "PRODUCTION"}
        self._client = TolokaClient(self._token.reveal(), timeout=timeout, **target)
        self._state_path = self.workdir / "toloka_state.json"
        self._state = self._load_state()

    def __repr__(self) -> str:
        return f"TolokaBackend(url={self._url or 'production'!r}, workdir={str(self.workdir)!r})"

    def __reduce__(self):
        raise TypeError("TolokaBackend holds a token and cannot be pickled")

    # -- plumbing -------------------------------------------------------------
    def _call(self, what: str, fn, *args, **kwargs):
        """Run one client call; any failure becomes a TolokaError without the token."""
        from toloka.client.exceptions import ApiError

        try:
            return fn(*args, **kwargs)
        except ApiError as err:
            message = f"Toloka {what} failed ({err.status_code} {err.code}): {err.message}"
        except Exception as err:  # noqa: BLE001  (network, timeouts, malformed replies)
            message = f"Toloka {what} failed: {type(err).__name__}: {err}"
        raise TolokaError(self._token.scrub(message)) from None

    def _load_state(self) -> dict:
        if self._state_path.exists():
            return json.loads(self._state_path.read_text(encoding="utf-8"))
        return {"projects": {}, "rounds": {}}

    def _save_state(self) -> None:
        tmp = self._state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._state, indent=1, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self._state_path)

    def _project(self, project_id: str) -> dict:
        entry = self._state["projects"].get(str(project_id))
        if entry is None:
            raise TolokaError(f"project {project_id} is unknown here; call create_project(spec) "
                              f"first (it finds the existing project, it does not duplicate it)")
        return entry

    def _spec(self, project_id: str) -> ProjectSpec:
        return ProjectSpec.from_dict(self._project(project_id)["spec"])

    def _find(self, what: str, items, **match):
        """The first live (not archived) object whose attributes equal ``match``."""
        for item in self._call(what, lambda: list(items())):
            if _status(getattr(item, "status", "")) == "ARCHIVED":
                continue
            if all(getattr(item, k) == v for k, v in match.items()):
                return item
        return None

    # -- create ---------------------------------------------------------------
    def create_project(self, spec: ProjectSpec) -> str:
        """Find or create the project, its agreement skill, training and main pool.

        Taught in notebooks/02_collecting_answers.
        """
        c = self._client
        project = self._find("project search", lambda: c.get_projects(status="ACTIVE"),
                             private_comment=spec.private_name)
        if project is None:
            project = self._call("create_project", c.create_project, build_project(spec))
            log.info("Toloka project %s created for %s", project.id, spec.private_name)
        skill_id = self._skill(spec) if has_choices(spec) else None
        training_id = self._training(spec, project.id)
        pool = self._find("pool search", lambda: c.get_pools(project_id=project.id),
                          private_name=pool_private_name(spec))
        if pool is None:
            reward = reward_per_assignment(spec.seconds_per_task, self.hourly_pay_usd)
            pool = self._call("create_pool", c.create_pool, build_pool(
                spec, project.id, reward, training_id=training_id, skill_id=skill_id))
            log.info("Toloka pool %s created (reward $%.2f per assignment)", pool.id, reward)
        self._state["projects"][str(project.id)] = {
            "private_name": spec.private_name, "kind": spec.kind, "spec": spec.to_dict(),
            "pool_id": str(pool.id), "training_id": training_id, "skill_id": skill_id}
        self._save_state()
        return str(project.id)

    def _skill(self, spec: ProjectSpec) -> str:
        c = self._client
        skill = self._find("skill search", lambda: c.get_skills(name=skill_name(spec)),
                           name=skill_name(spec))
        if skill is None:
            skill = self._call("create_skill", c.create_skill, build_skill(spec))
        return str(skill.id)

    def _training(self, spec: ProjectSpec, project_id: str) -> str | None:
        if not (spec.training_items or spec.exam_items):
            return None
        c = self._client
        training = self._find("training search", lambda: c.get_trainings(project_id=project_id),
                              private_name=training_private_name(spec))
        if training is None:
            training = self._call("create_training", c.create_training,
                                  build_training(spec, project_id))
        self._upload(str(training.id), build_training_tasks(spec, str(training.id)))
        return str(training.id)

    # -- tasks ----------------------------------------------------------------
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
        params = CreateTasksParameters(operation_id=uuid.uuid5(NAMESPACE, key), async_mode=True,
                                       allow_defaults=False, open_pool=False,
                                       skip_invalid_items=False)
        self._call("create_tasks", self._client.create_tasks, new, parameters=params)
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
        """Upload tasks not yet in the pool (by ``task_id``); returns how many were new."""
        from toloka.client import Task

        ids = check_tasks(tasks)
        spec, pool_id = self._spec(project_id), self._project(project_id)["pool_id"]
        authors = self._authors() if spec.kind == "validation" else {}
        objs = []
        for task_id, task in zip(ids, tasks):
            inputs = {TASK_ID_FIELD: task_id}
            for f in spec.input_fields:
                value = task.get(f.name)
                if value in (None, ""):
                    if f.required:
                        raise TolokaError(f"task {task_id!r} has no {f.name!r}, which "
                                          f"{spec.private_name} requires")
                    continue
                inputs[f.name] = str(value)
            banned = [authors[task_id]] if task_id in authors else None
            objs.append(Task(pool_id=pool_id, input_values=inputs, overlap=int(overlap),
                             unavailable_for=banned))
        added = self._upload(pool_id, objs)
        log.info("%d new tasks in pool %s (%d already there)", added, pool_id, len(objs) - added)
        return added

    # -- run ------------------------------------------------------------------
    def open(self, project_id: str) -> None:
        """Open the training and the main pool (no-op when already open)."""
        entry = self._project(project_id)
        if entry.get("training_id"):
            self._call("open_training", self._client.open_training, entry["training_id"])
        self._call("open_pool", self._client.open_pool, entry["pool_id"])

    def close(self, project_id: str) -> None:
        """Close the main pool (no-op when already closed)."""
        self._call("close_pool", self._client.close_pool, self._project(project_id)["pool_id"])

    def _assignments(self, pool_id: str, statuses=DONE) -> list:
        return self._call("assignment listing", lambda: list(
            self._client.get_assignments(pool_id=pool_id, status=list(statuses))))

    def progress(self, project_id: str) -> Progress:
        pool_id = self._project(project_id)["pool_id"]
        tasks = self._existing_task_ids(pool_id).values()
        return Progress(total=sum(int(t.overlap or 0) for t in tasks),
                        submitted=len(self._assignments(pool_id)))

    def fetch(self, project_id: str) -> list[Assignment]:
        """Every submitted, accepted or rejected assignment, as pseudonymised records."""
        spec, pool_id = self._spec(project_id), self._project(project_id)["pool_id"]
        rounds = self._state["rounds"].get(str(project_id), {})
        raw = sorted(self._assignments(pool_id), key=lambda a: (a.created, str(a.id)))
        seen: Counter = Counter()
        out = []
        for a in raw:
            for i, (task, solution) in enumerate(zip(a.tasks, a.solutions or [])):
                task_id = str(task.input_values.get(TASK_ID_FIELD))
                n_before = seen[task_id]
                seen[task_id] += 1
                rnd = sum(1 for t in rounds.get(task_id, []) if n_before >= t)
                aid = str(a.id) if len(a.tasks) == 1 else f"{a.id}#{i}"
                out.append(assignment_record(spec, a, aid, task_id, solution.output_values,
                                              rnd, self._salt))
        return out

    # -- decisions ------------------------------------------------------------
    def _current(self, assignment_id: str):
        base = str(assignment_id).split("#")[0]
        return base, self._call("get_assignment", self._client.get_assignment, base)

    def accept(self, assignment_id: str, comment: str = "") -> None:
        """Accept (pay) once: an already accepted assignment is left alone."""
        base, a = self._current(assignment_id)
        status = _status(a.status)
        if status == "ACCEPTED":
            log.info("assignment %s already accepted; not paying it twice", base)
            return
        if status not in ("SUBMITTED", "REJECTED"):
            raise TolokaError(f"assignment {base} is {status}; only submitted work can be accepted")
        self._call("accept_assignment", self._client.accept_assignment, base,
                   (comment or "").strip() or ACCEPT_COMMENT)

    def reject(self, assignment_id: str, comment: str) -> None:
        """Reject with a reason; already rejected is a no-op, already paid is an error."""
        comment = check_comment(comment)
        base, a = self._current(assignment_id)
        status = _status(a.status)
        if status == "REJECTED":
            log.info("assignment %s already rejected", base)
            return
        if status != "SUBMITTED":
            raise TolokaError(f"assignment {base} is {status}; only submitted work can be rejected")
        self._call("reject_assignment", self._client.reject_assignment, base, comment)

    def raise_overlap(self, project_id: str, task_ids: list[str], extra: int = 1) -> None:
        """Make sure ``extra`` more assignments are still to come on each task.

        Idempotent: the target is (assignments issued so far + ``extra``), and a
        task already asking for that many (a re-run, or Toloka's own
        reject -> ChangeOverlap rule) is left alone, so nothing is bought twice.
        """
        from toloka.client.task import TaskOverlapPatch

        if extra < 1:
            raise TolokaError(f"raise_overlap needs extra >= 1, got {extra}")
        pool_id = self._project(project_id)["pool_id"]
        tasks = self._existing_task_ids(pool_id)
        issued = Counter(str(a.tasks[0].id) for a in self._assignments(pool_id, ISSUED))
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
            self._call("patch_task_overlap_or_min", self._client.patch_task_overlap_or_min,
                       task.id, TaskOverlapPatch(overlap=n + extra))
        self._save_state()
        self._call("open_pool", self._client.open_pool, pool_id)
