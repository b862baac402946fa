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

This module holds the client, the state file and the pricing hooks; creating
objects lives in ``toloka_setup.py``, tasks and work in ``toloka_work.py``,
verdicts and re-collection in ``toloka_decide.py``, and the pure builders in
``toloka_build.py``, ``toloka_pools.py`` and ``toloka_graded.py``.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from pathlib import Path

from ..atomic import atomic_write_json
from .backend import Clock, CrowdBackend
from .design_spec import ProjectSpec
from .secrets import SALT_FILE, Secret, get_token, workdir_salt
from .toloka_build import status_name as _status
from .toloka_calls import TolokaCalls, TolokaError
from .toloka_decide import TolokaDecisions
from .toloka_pools import PoolSettings, golden_every
from .toloka_setup import TolokaSetup
from .toloka_work import NAMESPACE, TolokaWork

logger = logging.getLogger(__name__)

__all__ = ["TolokaBackend", "TolokaError", "run_id_for"]

SANDBOX_CLOSED = (
    "Toloka closed its sandbox in July 2024: every Toloka call is a production call and "
    "costs real money. Review `tutorial-lib crowd plan` first, then set crowd.production: "
    "true (--set crowd.production=true) to confirm."
)


def run_id_for(workdir: str | Path, create: bool = True) -> str | None:
    """The run's id on Toloka: stable for one run directory, different for every other.

    Derived from the run's secret salt (kept in ``workdir``), so it survives
    ``--force`` and restarts, and reveals nothing about the salt.

    Args:
        workdir: the run's crowd folder, which keeps the salt.
        create: whether to create the salt when there is none yet; with ``False`` a
            directory without one gives ``None`` and nothing is written (``crowd plan``
            on a fresh directory can still ask).

    Returns:
        ``"run-"`` + 10 hex characters, or ``None`` (see ``create``).

    Examples:
        >>> import tempfile
        >>> run_dir = tempfile.mkdtemp()
        >>> print(run_id_for(run_dir, create=False))
        None
        >>> run_id_for(run_dir) == run_id_for(run_dir) != run_id_for(tempfile.mkdtemp())
        True
    """
    if not create and not (Path(workdir) / SALT_FILE).exists():
        return None
    digest = hashlib.sha256(("toloka-run|" + workdir_salt(workdir)).encode("utf-8"))
    return "run-" + digest.hexdigest()[:10]


class TolokaBackend(TolokaSetup, TolokaWork, TolokaDecisions, CrowdBackend):
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
        atomic_write_json(self._state_path, self._state, indent=1)

    def _project(self, project_id: str) -> dict:
        entry = self._state["projects"].get(str(project_id))
        if entry is None:
            raise TolokaError(
                f"project {project_id} is unknown here; call create_project(spec) "
                f"first (it finds the existing project, it does not duplicate it)"
            )
        return entry

    def _project_spec(self, project_id: str) -> ProjectSpec:
        """The spec ``project_id`` was created from, as kept in the state file."""
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
        """This run's pool settings for ``spec`` (what ``crowd plan`` shows).

        Args:
            spec: the project's spec; its ``kind`` picks the overlap, its golden
                tasks the golden frequency.

        Returns:
            The :class:`~tutorial_lib.crowd.toloka_pools.PoolSettings` of this run.
        """
        return PoolSettings(
            run_id=self.run_id,
            hourly_pay_usd=self.hourly_pay_usd,
            overlap=int(self.overlaps.get(spec.kind, 1)),
            review_days=self.review_days,
            golden_every=golden_every(spec, self.control_share),
        )

    def tariff(self, kind: str, n_tasks: int, overlap: int):
        """What Toloka bills for more suites of this run's pool of one project kind.

        The run's budget prices Toloka work with this (see
        :meth:`~tutorial_lib.crowd.budget.Budget.price_for`), so the ledger holds
        what is paid; the suite reward includes the golden tasks in it.

        Args:
            kind: the project kind (``answers``, ``validation``, ``ranking``).
            n_tasks: tasks to add.
            overlap: assignments per task.

        Returns:
            A :class:`~tutorial_lib.crowd.pricing.CostEstimate`, or ``None`` when no
            project of ``kind`` was created here (the budget then prices it itself).
        """
        from .plan import launch_cost

        for entry in self._state["projects"].values():
            if entry["kind"] == kind:
                spec = ProjectSpec.from_dict(entry["spec"])
                return launch_cost(spec, self.settings(spec), n_tasks, overlap, self.platform_fee)
        return None

    def operation_ids(self, project_id: str, task_ids: list[str]) -> list[str]:
        """The operation id an upload of ``task_ids`` will carry, for the ledger to record.

        The id depends only on the pool and the task ids, so a retried or rerun upload
        of the same tasks is the same operation and Toloka does not add them twice.

        Args:
            project_id: a project from :meth:`create_project`.
            task_ids: the tasks to upload (those not in the pool yet).

        Returns:
            One UUID string.

        Raises:
            TolokaError: if ``project_id`` was not created here (from the state lookup).
        """
        pool_id = self._project(project_id)["pool_id"]
        return [str(uuid.uuid5(NAMESPACE, pool_id + "|" + "|".join(sorted(map(str, task_ids)))))]
