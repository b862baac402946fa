"""The stages in order over a run directory: prompts → answers → validation → decisions →
dataset → fine-tune → preference (DPO) → evaluate → report.

Each stage reads what earlier stages wrote and writes its own folder plus a
manifest carrying its fingerprint (:mod:`.stages`). A stage is skipped when its
manifest exists and its fingerprint matches the current settings; otherwise it
reruns, and so does everything below it, like ``make``. ``force`` redoes a stage
and invalidates everything below it. Crowd stages on a paid backend (Toloka, a
room with real people) never relaunch because a setting changed: they stop and
name what changed. Money is idempotent: the ledger in ``crowd/`` survives every
``force``, so nothing is launched or paid twice for the same task and round.
One process at a time holds the run directory's lock.

Taught in notebooks/05_hands_on_mt5.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from .atomic import atomic_write_text
from .config import PipelineConfig
from .errors import TutorialLibError
from .fingerprints import fingerprint_changes
from .jsonl import read_jsonl
from .records import Assignment, Decision, Prompt, QCResult
from .rundir import OPTIONAL_STAGES, STAGE_ORDER, RunDir
from .stages import STAGES as STAGE_SPECS
from .stages import StageContext, StageResult, plan_fingerprints

logger = logging.getLogger(__name__)

STAGES = STAGE_ORDER
PAID_BACKENDS = ("toloka", "room")
_RECORD_FILES = {
    "prompts": ("prompts.jsonl", Prompt),
    "answers": ("answers.jsonl", Assignment),
    "qc": ("qc.jsonl", QCResult),
    "validation": ("votes.jsonl", Assignment),
    "decisions": ("decisions.jsonl", Decision),
}


class StageChanged(TutorialLibError, RuntimeError):
    """A paid crowd stage's settings changed; it is never relaunched without ``--force``."""


class Pipeline:
    """Run the kit's stages for one preset into one run directory.

    Args:
        cfg: the validated config.
        out: the run directory.
        lock_timeout_s: how long to wait for another process on ``out``
            (``None``: as long as it takes; ``0``: stop at once).

    Examples:
        >>> from tutorial_lib.config import load_config
        >>> pipe = Pipeline(load_config("ci"), out="runs/ci")  # doctest: +SKIP
        >>> pipe.run()                                          # doctest: +SKIP
        >>> pipe.run(force=["dataset"])  # redo the dataset and everything after it  # doctest: +SKIP
    """

    def __init__(self, cfg: PipelineConfig, out: str | Path, lock_timeout_s: float | None = None):
        self.cfg = cfg
        self.run_dir = RunDir(out)
        self.lock_timeout_s = lock_timeout_s
        self._backend = None

    # ------------------------------------------------------------------ driving
    def run(
        self, stages: list[str] | None = None, force: bool | str | list[str] | None = None
    ) -> dict[str, dict]:
        """Run ``stages`` (default: all) in pipeline order; returns each stage's manifest.

        Args:
            stages: the stages to run; the others must be done (or are left alone).
            force: stages to redo (each invalidates every stage below it); ``True``
                redoes every stage in ``stages``.

        Returns:
            Stage name -> its manifest (the recorded one for a stage already done),
            in pipeline order.

        Raises:
            StageChanged: a paid crowd stage's settings changed (names the keys).
            UnknownStageError: a name in ``stages`` or ``force`` is not a stage.
            RunDirBusy: another process kept the run directory for ``lock_timeout_s``.
        """
        wanted = list(stages or STAGES)
        for name in wanted:
            self.run_dir.stage_dir(name, create=False)  # validates the name
        forced = self._forced(force, wanted)
        with self.run_dir.lock(self.lock_timeout_s):
            self._write_config()
            plan = plan_fingerprints(self.cfg)
            self._invalidate(plan, forced)
            return {
                name: self._run_one(name, plan[name], name in forced)
                for name in STAGES
                if name in wanted
            }

    def run_stage(self, name: str, force: bool = False) -> dict:
        """Run one stage unless it is already done with matching settings.

        Args:
            name: the stage.
            force: redo it, and invalidate every stage below it.

        Returns:
            The stage's manifest (the recorded one when it was already done).
        """
        return self.run([name], force=[name] if force else None)[name]

    @staticmethod
    def _forced(force, wanted: list[str]) -> set[str]:
        if not force:
            return set()
        if force is True:
            return set(wanted)
        names = [force] if isinstance(force, str) else list(force)
        for name in names:
            if name not in STAGES:
                from .rundir import UnknownStageError

                raise UnknownStageError(
                    f"--force {name}: unknown stage; stages are {', '.join(STAGES)}"
                )
        return set(names)

    def _stale(self, plan: dict[str, dict]) -> dict[str, list[str]]:
        """Stages whose recorded fingerprint differs from the plan, with what changed."""
        out = {}
        for name in STAGES:
            old = self.run_dir.recorded_fingerprint(name)
            if old is not None and old.get("digest") != plan[name]["digest"]:
                out[name] = fingerprint_changes(old, plan[name])
        return out

    def _invalidate(self, plan: dict[str, dict], forced: set[str]) -> None:
        """Reset forced stages and stale ones (fingerprint mismatch), each with everything below.

        Raises:
            StageChanged: a stale crowd stage on a paid backend that no ``force`` covers.
        """
        stale = self._stale(plan)
        first_forced = min((STAGES.index(n) for n in forced), default=len(STAGES))
        crowd_stale = [n for n in stale if STAGE_SPECS[n].crowd]
        if crowd_stale and self.cfg.crowd.backend in PAID_BACKENDS:
            for name in crowd_stale:
                if STAGES.index(name) < first_forced:
                    raise StageChanged(self._paid_message(name, stale[name], stale))
            crowd_stale = []
        starts = [first_forced] + [STAGES.index(n) for n in stale]
        if any(STAGE_SPECS[n].collection for n in crowd_stale):
            # simulated: a fresh simulation from the first collection stage down
            self._reset_simulation()
            starts.append(min(STAGES.index(n) for n in STAGES if STAGE_SPECS[n].collection))
        start = min(starts)
        if start == len(STAGES):
            return
        gone = self.run_dir.invalidate(STAGES[start])
        why = "; ".join(c for n in stale for c in stale[n] if not c.startswith("input stage"))
        logger.info(
            "%s: redoing %s",
            f"settings changed ({why})" if why else f"--force {STAGES[first_forced]}",
            ", ".join(gone) or STAGES[start],
        )

    def _paid_message(self, name: str, changes: list[str], stale: dict) -> str:
        upstream = [c for stage in STAGES[: STAGES.index(name)] for c in stale.get(stage, [])]
        what = "; ".join(
            dict.fromkeys(upstream + [c for c in changes if not c.startswith("input stage")])
        ) or "; ".join(changes)
        return (
            f"stage {name} was collected on the {self.cfg.crowd.backend} crowd with other "
            f"settings ({what}). Crowd stages on a paid backend never relaunch by "
            f"themselves: rerun with --force {name} to redo it (work already launched is "
            f"reused, only new tasks are paid), or use a new --out directory "
            f"({self.run_dir.root} keeps its results)."
        )

    def _reset_simulation(self) -> None:
        from .crowd.collect import reset_simulation

        self._backend = None
        reset_simulation(self.run_dir.crowd_dir)

    def _run_one(self, name: str, fp: dict, forced: bool) -> dict:
        if self.run_dir.is_done(name, fp["digest"]):
            logger.info(
                "stage %s already done in %s (settings unchanged; --force %s redoes it)",
                name,
                self.run_dir.root,
                name,
            )
            return self.run_dir.read_manifest(name)
        for earlier in STAGES[: STAGES.index(name)]:
            if earlier not in OPTIONAL_STAGES:
                self.run_dir.require(earlier)
        resume = self.run_dir.recorded_fingerprint(name) is not None and not forced
        self.run_dir.mark_started(name, fp)
        started = time.time()
        logger.info("stage %s: starting", name)
        result: StageResult = STAGE_SPECS[name].function()(self._context(resume))
        manifest = self.run_dir.write_manifest(
            name,
            preset=self.cfg.name,
            seed=self.cfg.seed,
            config=self.cfg.to_dict(),
            started=started,
            rows=result.rows,
            outputs=[str(p) for p in result.outputs],
            notes=result.notes,
            fingerprint=fp,
        )
        logger.info("stage %s: done in %.1fs %s", name, manifest["duration_s"], result.rows)
        return manifest

    def _context(self, resume: bool) -> StageContext:
        """What a stage function gets: the budget is rebuilt from the ledger at each start."""
        from .crowd.budget import Budget

        ledger = self.ledger()
        budget = Budget.from_config(self.cfg.crowd, spent_usd=ledger.spent_usd())
        return StageContext(self.cfg, self.run_dir, resume, ledger, budget, self.load, self.backend)

    def load(self, what: str) -> list:
        """Records a stage wrote: ``prompts``, ``answers``, ``qc``, ``validation`` or ``decisions``.

        Args:
            what: which records; after the decisions stage, ``answers``, ``qc`` and
                ``validation`` include the re-collected rounds.

        Returns:
            The records, typed (:class:`~.records.Prompt`, :class:`~.records.Assignment` ...).

        Raises:
            ValueError: ``what`` is none of the above.
            StageNotDone: the stage that writes them has not finished.
        """
        if what not in _RECORD_FILES:
            raise ValueError(f"cannot load {what!r}; choose one of {', '.join(_RECORD_FILES)}")
        filename, cls = _RECORD_FILES[what]
        final = self.run_dir.path("decisions", filename, create=False)
        if what in ("answers", "qc", "validation") and final.exists():
            return read_jsonl(final, cls)
        stage = {"qc": "answers"}.get(what, what)
        self.run_dir.require(stage)
        return read_jsonl(self.run_dir.path(stage, filename, create=False), cls)

    def _write_config(self) -> None:
        import yaml

        atomic_write_text(
            self.run_dir.config_path,
            yaml.safe_dump(self.cfg.to_dict(), sort_keys=False, allow_unicode=True),
        )

    @property
    def crowd_dir(self) -> Path:
        """The run's ``crowd/`` folder (backend state and the money ledger)."""
        return self.run_dir.crowd_dir

    def ledger(self):
        """The run's money ledger (``crowd/ledger.jsonl``) for the configured backend.

        Every launch and payment of the run is recorded there; ``--force`` never
        wipes it, so nothing is paid twice.

        Returns:
            A :class:`~.crowd.ledger.Ledger`, read afresh from the file.
        """
        from .crowd.ledger import run_ledger

        return run_ledger(self.crowd_dir, self.cfg.crowd.backend)

    def worker_groups(self) -> dict[str, str] | None:
        """Worker id -> region for the simulated crowd (None for backends that do not record it).

        Returns:
            The simulated workers' regions, or None on other backends or before the
            crowd was simulated.

        Taught in notebooks/03_answer_validation.
        """
        from .stage_functions import worker_groups

        return worker_groups(self.cfg.crowd.backend, self.crowd_dir)

    def backend(self):
        """The crowd backend for this run (rebuilt from the run directory's state).

        Built on first use and kept, so stages share one backend; the simulated
        crowd needs the prompts, so the prompts stage must have run.

        Returns:
            The :class:`~.crowd.backend.CrowdBackend` named by ``crowd.backend``.
        """
        if self._backend is None:
            from .crowd.collect import make_backend

            self._backend = make_backend(
                self.cfg.crowd,
                self.crowd_dir,
                self.load("prompts"),
                self.cfg.seed,
                quality=self.cfg.quality,
            )
        return self._backend
