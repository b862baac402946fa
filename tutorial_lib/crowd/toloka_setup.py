"""Finding or creating a run's Toloka objects: project, skill, training, and this run's pool.

A mixin of :class:`~.toloka.TolokaBackend` (kept apart so each file reads in
one sitting). Every object is looked up before it is created (archived pools
included), and a retried create looks again first, so nothing exists twice.
The objects themselves come from the pure builders in ``toloka_build.py``,
``toloka_pools.py`` and ``toloka_graded.py``.
"""

from __future__ import annotations

import logging

from .design_spec import ProjectSpec
from .toloka_build import build_project, has_choices
from .toloka_build import status_name as _status
from .toloka_graded import (
    build_golden_tasks,
    build_training,
    build_training_tasks,
    has_training,
    training_private_name,
)
from .toloka_pools import build_pool, build_skill, pool_private_name, skill_name

logger = logging.getLogger(__name__)


class TolokaSetup:
    """Create-once lookups of the project, its skill and training, and this run's pool."""

    def create_project(self, spec: ProjectSpec) -> str:
        """Find or create the project, its skill and training, and this run's pool.

        Safe to repeat: each object is looked up (by its private name) before it is
        created, and the pool's golden tasks go up once, when the pool is not archived.

        Args:
            spec: the project spec; its ``private_name`` identifies the project, and
                the run id makes the pool's name this run's own.

        Returns:
            Toloka's project id.

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
