"""Toloka behind the common crowd lifecycle, through the real toloka-kit client.

Toloka closed its sandbox in July 2024, so every call here reaches production
and spends money: :class:`TolokaBackend` refuses to start without
``production=True`` (``crowd.production: true``). The token comes from
:func:`secrets.get_token` and never reaches a log, repr or error message.
Run ``tutorial-lib crowd plan`` first: it shows every object and its cost.

What a presenter can rely on:

* **per run**: pools carry the run's id (derived from the run directory's
  secret salt), so a pilot and the real run never share pools and ``fetch``
  reads only this run's work; projects and training are shared;
* **nothing twice**: objects are found before they are created (archived
  pools included), a retried create looks again first, task uploads carry an
  operation id, an accepted assignment is never accepted again;
* **verdicts in time**: Part I's review window comes from the plan;
  :meth:`review_deadline` tells the kit when Toloka would accept on its own,
  and a verdict after that raises :class:`VerdictTooLate` (counted, not fatal);
* **re-collection is the kit's**: overlap is raised with ``patch_task`` by
  exactly what is missing, and :meth:`stop_tasks` stops asking once answered.

The pure builders live in ``toloka_build.py`` and ``toloka_pools.py``.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import Counter
from pathlib import Path

from ..records import Assignment
from .backend import Clock, CrowdBackend, Progress, check_tasks
from .design import ProjectSpec
from .secrets import SALT_FILE, Secret, get_token, workdir_salt
from .toloka_build import TASK_ID_FIELD, assignment_record, build_project, has_choices
from .toloka_build import status_name as _status
from .toloka_calls import TolokaCalls, TolokaError
from .toloka_decide import TolokaDecisions
from .toloka_pools import (
    PoolSettings,
    build_golden_tasks,
    build_pool,
    build_skill,
    build_training,
    build_training_tasks,
    golden_every,
    has_training,
    pool_private_name,
    skill_name,
    training_private_name,
)

logger = logging.getLogger(__name__)

__all__ = ["TolokaBackend", "TolokaError", "run_id_for"]

SANDBOX_CLOSED = (
    "Toloka closed its sandbox in July 2024: every Toloka call is a production call and "
    "costs real money. Review `tutorial-lib crowd plan` first, then set crowd.production: "
    "true (--set crowd.production=true) to confirm."
)
DONE = ("SUBMITTED", "ACCEPTED", "REJECTED")
NAMESPACE = uuid.UUID("6f1e9a52-64c4-4d7e-9d3b-2f0c1a7b5e11")  # task-upload operation ids


def run_id_for(workdir: str | Path, create: bool = True) -> str | None:
    """The run's id on Toloka: stable for one run directory, different for every other.

    Derived from the run's secret salt (kept in ``workdir``), so it survives
    ``--force`` and restarts, and reveals nothing about the salt. With
    ``create=False`` a directory without a salt yet gives ``None`` (nothing is written).
    """
    if not create and not (Path(workdir) / SALT_FILE).exists():
        return None
    digest = hashlib.sha256(("toloka-run|" + workdir_salt(workdir)).encode("utf-8"))
    return "run-" + digest.hexdigest()[:10]


def _is_golden(task) -> bool:
    return str(task.input_values.get(TASK_ID_FIELD, "")).startswith("golden-")


class TolokaBackend(TolokaDecisions, CrowdBackend):
    """Toloka projects and this run's pools, driven through ``toloka.client.TolokaClient``.

    ``workdir`` keeps a small state file (which pool belongs to which project,
    re-collection rounds) and the pseudonymisation salt; the platform is the
    source of truth, so a lost state file only costs a few lookups. ``url``
    points the client at another server (tests use a local emulator); ``clock``
    sleeps between retries and polls (tests pass the emulator's clock).
    """

    name = "toloka"

    def __init__(
        self,
        workdir: str | Path,
        *,
        production: bool = False,
        token: Secret | str | None = None,
        url: str | None = None,
        hourly_pay_usd: float = 12.0,
        salt: str | None = None,
        interactive: bool | None = None,
        timeout: float = 30.0,
        run_id: str | None = None,
        review_days: int = 7,
        control_share: float = 0.1,
        overlaps: dict | None = None,
        clock: Clock | None = None,
        attempts: int = 5,
        op_timeout_s: float = 600.0,
        platform_fee: float = 0.3,
    ) -> None:
        if production is not True:
            raise TolokaError(SANDBOX_CLOSED)
        from toloka.client import TolokaClient

        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.hourly_pay_usd = float(hourly_pay_usd)
        self.review_days, self.control_share = int(review_days), float(control_share)
        self.overlaps = dict(overlaps or {})
        self.platform_fee = float(platform_fee)
        self.clock = clock or Clock()
        self._url = url
        self._salt = salt or workdir_salt(self.workdir)
        self.run_id = run_id or run_id_for(self.workdir)
        if isinstance(token, str):
            token = Secret(token, source="argument")
        self._token = token or get_token("TOLOKA_TOKEN", interactive=interactive)
        target = {"url": url} if url else {"environment": "PRODUCTION"}
        # retries=0: the kit retries itself, knowing which calls are safe to repeat
        self._client = TolokaClient(self._token.reveal(), timeout=timeout, retries=0, **target)
        self.calls = TolokaCalls(self._token, self.clock, attempts, op_timeout_s)
        self._state_path = self.workdir / "toloka_state.json"
        self._state = self._load_state()

    def __repr__(self) -> str:
        return f"TolokaBackend(url={self._url or 'production'!r}, run_id={self.run_id!r})"

    def __reduce__(self):
        raise TypeError("TolokaBackend holds a token and cannot be pickled")

    # -- plumbing -------------------------------------------------------------
    def _call(self, what: str, fn, *args, **kwargs):
        return self.calls.call(what, fn, *args, **kwargs)

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
            raise TolokaError(
                f"project {project_id} is unknown here; call create_project(spec) "
                f"first (it finds the existing project, it does not duplicate it)"
            )
        return entry

    def _spec(self, project_id: str) -> ProjectSpec:
        return ProjectSpec.from_dict(self._project(project_id)["spec"])

    def _find(self, what: str, items, *, archived: bool = False, **match):
        """The first object whose attributes equal ``match`` (archived ones only if asked)."""
        for item in self._call(what, lambda: list(items())):
            if not archived and _status(getattr(item, "status", "")) == "ARCHIVED":
                continue
            if all(getattr(item, k) == v for k, v in match.items()):
                return item
        return None

    def _create(self, what: str, fn, obj, find):
        """Create ``obj`` once: a retried POST looks the object up before trying again."""
        made = self._call(what, fn, obj, lookup=find)
        logger.info("Toloka %s: %s", what, made.id)
        return made

    def settings(self, spec: ProjectSpec) -> PoolSettings:
        """This run's pool settings for ``spec`` (what ``crowd plan`` shows)."""
        return PoolSettings(
            run_id=self.run_id,
            hourly_pay_usd=self.hourly_pay_usd,
            overlap=int(self.overlaps.get(spec.kind, 1)),
            review_days=self.review_days,
            golden_every=golden_every(spec, self.control_share),
        )

    def tariff(self, kind: str, n_tasks: int, overlap: int):
        """What Toloka bills for ``n_tasks`` x ``overlap`` more suites of this run's ``kind``
        pool (the suite reward includes golden tasks); ``None`` for a kind not created here.

        The run's budget prices Toloka work with this, so the ledger holds what is paid.
        """
        from .plan import launch_cost

        for entry in self._state["projects"].values():
            if entry["kind"] == kind:
                spec = ProjectSpec.from_dict(entry["spec"])
                return launch_cost(spec, self.settings(spec), n_tasks, overlap, self.platform_fee)
        return None

    def operation_ids(self, project_id: str, task_ids: list[str]) -> list[str]:
        """The operation id an upload of ``task_ids`` (those not in the pool yet) will carry."""
        pool_id = self._project(project_id)["pool_id"]
        return [str(uuid.uuid5(NAMESPACE, pool_id + "|" + "|".join(sorted(map(str, task_ids)))))]

    # -- create ---------------------------------------------------------------
    def create_project(self, spec: ProjectSpec) -> str:
        """Find or create the project, its skill and training, and this run's pool.

        Taught in notebooks/02_collecting_answers.
        """
        c = self._client
        find = lambda *_: self._find(
            "project search",
            lambda: c.get_projects(status="ACTIVE"),
            private_comment=spec.private_name,
        )
        project = find() or self._create(
            "create_project", c.create_project, build_project(spec), find
        )
        skill_id = self._skill(spec) if has_choices(spec) else None
        training_id = self._training(spec, str(project.id))
        pool = self._pool(spec, str(project.id), training_id, skill_id)
        self._state["projects"][str(project.id)] = {
            "private_name": spec.private_name,
            "kind": spec.kind,
            "spec": spec.to_dict(),
            "pool_id": str(pool.id),
            "training_id": training_id,
            "skill_id": skill_id,
        }
        self._save_state()
        if _status(pool.status) != "ARCHIVED" and self.settings(spec).golden_every:
            self._upload(str(pool.id), build_golden_tasks(spec, str(pool.id)))
        return str(project.id)

    def _pool(self, spec: ProjectSpec, project_id: str, training_id, skill_id):
        """This run's pool: from the state file, else by name (archived too), else created."""
        c = self._client
        known = self._state["projects"].get(project_id, {}).get("pool_id")
        if known:
            return self._call("get_pool", c.get_pool, known)
        name = pool_private_name(spec, self.run_id)
        find = lambda *_: (
            self._find(
                "pool search",
                lambda: c.get_pools(project_id=project_id),
                archived=True,
                private_name=name,
            )
            or self._find(
                "archived pool search",
                lambda: c.get_pools(project_id=project_id, status="ARCHIVED"),
                archived=True,
                private_name=name,
            )
        )
        pool = find()
        if pool is not None:
            if _status(pool.status) == "ARCHIVED":
                logger.warning(
                    "pool %s (%s) is archived: its results are read, nothing is "
                    "re-created or bought again",
                    pool.id,
                    name,
                )
            return pool
        settings = self.settings(spec)
        return self._create(
            "create_pool",
            c.create_pool,
            build_pool(
                spec,
                project_id,
                settings,
                training_id=training_id,
                skill_id=skill_id,
                now=self.clock.now().replace(microsecond=0),
            ),
            find,
        )

    def _skill(self, spec: ProjectSpec) -> str:
        c = self._client
        find = lambda *_: self._find(
            "skill search", lambda: c.get_skills(name=skill_name(spec)), name=skill_name(spec)
        )
        return str(
            (find() or self._create("create_skill", c.create_skill, build_skill(spec), find)).id
        )

    def _training(self, spec: ProjectSpec, project_id: str) -> str | None:
        if not has_training(spec):
            return None
        c = self._client
        find = lambda *_: self._find(
            "training search",
            lambda: c.get_trainings(project_id=project_id),
            private_name=training_private_name(spec),
        )
        training = find() or self._create(
            "create_training", c.create_training, build_training(spec, project_id), find
        )
        self._upload(str(training.id), build_training_tasks(spec, str(training.id)))
        return str(training.id)

    # -- tasks ----------------------------------------------------------------
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
        """Upload tasks not yet in this run's pool (by ``task_id``); returns how many were new."""
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
                        raise TolokaError(
                            f"task {task_id!r} has no {f.name!r}, which "
                            f"{spec.private_name} requires"
                        )
                    continue
                inputs[f.name] = str(value)
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
        """Open the training and this run's pool (no-op when open; an archived pool stays)."""
        entry = self._project(project_id)
        if self._pool_status(entry["pool_id"]) == "ARCHIVED":
            logger.warning("pool %s is archived; nothing to open", entry["pool_id"])
            return
        if entry.get("training_id"):
            self._set_open("training", entry["training_id"], True)
        self._set_open("pool", entry["pool_id"], True)

    def close(self, project_id: str) -> None:
        """Close this run's pool (no-op when closed or archived)."""
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
        pool_id = self._project(project_id)["pool_id"]
        tasks = [t for t in self._existing_task_ids(pool_id).values() if not _is_golden(t)]
        done = sum(not _is_golden(t) for a in self._assignments(pool_id) for t in a.tasks)
        return Progress(total=sum(int(t.overlap or 0) for t in tasks), submitted=done)

    def fetch(self, project_id: str) -> list[Assignment]:
        """This run's submitted, accepted or rejected work, pseudonymised; golden tasks left out."""
        spec, pool_id = self._spec(project_id), self._project(project_id)["pool_id"]
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
