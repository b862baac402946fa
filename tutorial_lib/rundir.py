"""The run directory: where each stage reads and writes, its manifest, and "already done" checks.

Layout (one folder per stage, so a stage can be rerun or inspected alone)::

    runs/demo/
      config.yaml                  the resolved preset
      01_prompts/prompts.jsonl     + manifest.json
      02_answers/answers.jsonl     (Part I assignments, appended as they arrive)
      03_validation/votes.jsonl    (Part II assignments)
      04_decisions/decisions.jsonl
      05_dataset/train.jsonl heldout.jsonl data_card.md
      06_finetune/model/ ...
      07_preference/model/ preference_result.json   (DPO on Part II's pairs)
      08_evaluate/*.json
      09_report/report.md
      crowd/                       backend state and ledger.jsonl (money): never wiped by --force

A stage is done when its ``manifest.json`` exists *and* the fingerprint it
records matches the one the current settings give
(:func:`tutorial_lib.fingerprints.fingerprint`: the config keys the stage
reads, its input stages' fingerprints and the input files it reads). The manifest is written last, so an interrupted stage is not
done; ``.started.json`` records the fingerprint it started with, so a resumed
stage can tell its own leftovers from another configuration's.

One process at a time: :meth:`RunDir.lock` is a file lock on the folder.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from .atomic import atomic_write_json
from .errors import TutorialLibError
from .provenance import package_versions, utc_now
from .records import RunManifest

logger = logging.getLogger(__name__)

STAGE_DIRS = {
    "prompts": "01_prompts",
    "answers": "02_answers",
    "validation": "03_validation",
    "decisions": "04_decisions",
    "dataset": "05_dataset",
    "finetune": "06_finetune",
    "preference": "07_preference",
    "evaluate": "08_evaluate",
    "report": "09_report",
}
STAGE_ORDER = tuple(STAGE_DIRS)
CROWD_DIR, CONFIG_FILE = "crowd", "config.yaml"
# Stages a later stage may run without: evaluate scores the preference-tuned model only when
# the preference stage ran (a notebook can evaluate straight after fine-tuning).
OPTIONAL_STAGES = ("preference",)


class UnknownStageError(TutorialLibError, ValueError):
    """A stage name that the pipeline does not have."""


class RunDirBusy(TutorialLibError, RuntimeError):
    """Another process holds the run directory's lock."""


class StageNotDone(TutorialLibError, FileNotFoundError):
    """An input stage has not finished (or was invalidated) in this run directory."""


class RunDir:
    """A run's folder with one sub-folder per stage: every path into a run is asked of it.

    Args:
        root: the run directory (created when a stage first writes into it).

    Raises:
        NotADirectoryError: ``root`` exists and is a file.

    Examples:
        >>> import tempfile
        >>> run = RunDir(tempfile.mkdtemp())
        >>> run.path("dataset", "train.jsonl", create=False).relative_to(run.root).as_posix()
        '05_dataset/train.jsonl'
        >>> run.config_path.name, run.crowd_dir.name
        ('config.yaml', 'crowd')
        >>> run.is_done("prompts")
        False
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise NotADirectoryError(
                f"run directory {self.root} is a file, not a folder; pass a folder with --out"
            )
        self._lock = None

    @property
    def crowd_dir(self) -> Path:
        """Backend state and the money ledger: never wiped by ``--force``."""
        return self.root / CROWD_DIR

    @property
    def config_path(self) -> Path:
        """The resolved preset the run was last started with (``config.yaml``)."""
        return self.root / CONFIG_FILE

    @classmethod
    def holds(cls, path: str | os.PathLike, stage: str, name: str) -> bool:
        """Whether ``path`` is a run directory whose ``stage`` folder holds file ``name``.

        Args:
            path: any folder (nothing is created in it).
            stage: a stage name, e.g. ``"finetune"``.
            name: a file inside that stage's folder.

        Returns:
            True when the file exists, e.g. to tell a run directory from a model folder.

        Examples:
            >>> import tempfile
            >>> RunDir.holds(tempfile.mkdtemp(), "finetune", "train_result.json")
            False
        """
        return Path(path).is_dir() and cls(path).path(stage, name, create=False).is_file()

    @contextlib.contextmanager
    def lock(self, timeout_s: float | None = None):
        """Hold the run directory's lock; another process waits, or stops after ``timeout_s``.

        Re-entrant within one :class:`RunDir`. ``timeout_s=None`` waits as long as it takes
        (saying so once); ``0`` stops at once if the folder is busy.

        Args:
            timeout_s: seconds to wait for a busy folder; None waits for ever, 0 not at all.

        Yields:
            This :class:`RunDir`, locked until the ``with`` block ends.

        Raises:
            RunDirBusy: the lock stayed busy for ``timeout_s`` seconds.
        """
        from filelock import FileLock, Timeout

        self.root.mkdir(parents=True, exist_ok=True)
        if self._lock is None:
            self._lock = FileLock(str(self.root / ".lock"))
        info = self.root / ".lock.owner"
        if not self._lock.is_locked:
            try:
                self._lock.acquire(timeout=0)
            except Timeout:
                owner = info.read_text(encoding="utf-8").strip() if info.exists() else "unknown"
                if timeout_s is not None and timeout_s <= 0:
                    raise RunDirBusy(self._busy(owner)) from None
                logger.warning("waiting for %s (%s)", self._busy(owner), owner)
                try:
                    self._lock.acquire(timeout=-1 if timeout_s is None else timeout_s)
                except Timeout:
                    raise RunDirBusy(self._busy(owner)) from None
            info.write_text(f"pid {os.getpid()} since {utc_now()}", encoding="utf-8")
        else:
            self._lock.acquire()
        try:
            yield self
        finally:
            if self._lock.lock_counter == 1:
                info.unlink(missing_ok=True)
            self._lock.release()

    def _busy(self, owner: str) -> str:
        return (
            f"run directory {self.root} is in use by another tutorial-lib process ({owner}); "
            "wait for it to finish, pass --lock-timeout SECONDS to wait, or use another --out"
        )

    def stage_dir(self, stage: str, create: bool = True) -> Path:
        """A stage's folder (created unless ``create`` is False).

        Args:
            stage: a stage name, e.g. ``"dataset"`` (see :data:`STAGE_DIRS`).
            create: make the folder if missing; pass False to only read.

        Returns:
            ``root/NN_stage``, e.g. ``root/05_dataset``.

        Raises:
            UnknownStageError: ``stage`` is not a pipeline stage.
        """
        if stage not in STAGE_DIRS:
            raise UnknownStageError(f"unknown stage {stage!r}; stages are {', '.join(STAGE_ORDER)}")
        path = self.root / STAGE_DIRS[stage]
        if create:
            path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, stage: str, name: str, create: bool = True) -> Path:
        """A file inside a stage's folder; the folder is created unless ``create`` is False
        (pass False to read: reading never makes a stage's folder appear).

        Args:
            stage: a stage name, e.g. ``"dataset"``.
            name: the file's name inside the stage folder, e.g. ``"train.jsonl"``.
            create: make the stage's folder if missing (the file itself never).

        Returns:
            The file's path, whether or not it exists.
        """
        return self.stage_dir(stage, create=create) / name

    def manifest_path(self, stage: str) -> Path:
        """Where ``stage``'s manifest is (or will be) written; creates nothing.

        Args:
            stage: a stage name.

        Returns:
            ``root/NN_stage/manifest.json``.
        """
        return self.stage_dir(stage, create=False) / "manifest.json"

    def is_done(self, stage: str, digest: str | None = None) -> bool:
        """Whether the stage finished (and, given ``digest``, with that fingerprint).

        Args:
            stage: a stage name.
            digest: the fingerprint digest the current settings give; None asks only
                whether a manifest exists, whatever settings made it.

        Returns:
            True when the manifest exists and, if ``digest`` is given, records it.
        """
        if not self.manifest_path(stage).exists():
            return False
        return digest is None or self.recorded_fingerprint(stage).get("digest") == digest

    def recorded_fingerprint(self, stage: str) -> dict | None:
        """The fingerprint a finished stage recorded, else the one an interrupted attempt started
        with; ``None`` when the stage never started.

        Args:
            stage: a stage name.

        Returns:
            The fingerprint dict (``{}`` for a manifest written before fingerprints
            existed), or None when the stage never started here.
        """
        if self.manifest_path(stage).exists():
            return self.read_manifest(stage).get("fingerprint") or {}
        started = self.stage_dir(stage, create=False) / ".started.json"
        if started.exists():
            return json.loads(started.read_text(encoding="utf-8"))
        return None

    def mark_started(self, stage: str, fp: dict) -> None:
        """Record the fingerprint a stage starts with (tells a resume from a stale leftover).

        Args:
            stage: a stage name; its folder is created.
            fp: the stage's fingerprint, written to ``.started.json``.
        """
        atomic_write_json(self.stage_dir(stage) / ".started.json", fp)

    def read_manifest(self, stage: str) -> dict:
        """The manifest a finished stage wrote.

        Args:
            stage: a stage name.

        Returns:
            The manifest as a dict (the :class:`~tutorial_lib.records.RunManifest`
            fields plus ``fingerprint``).

        Raises:
            FileNotFoundError: the stage has not run in this directory.
        """
        path = self.manifest_path(stage)
        if not path.exists():
            raise FileNotFoundError(f"stage {stage!r} has not run in {self.root} (no {path})")
        return json.loads(path.read_text(encoding="utf-8"))

    def require(self, stage: str) -> None:
        """Fail clearly when a stage's input stage has not run yet.

        Args:
            stage: the input stage that must have finished.

        Raises:
            StageNotDone: if ``stage`` has no manifest here; the message gives the
                command that runs it.
        """
        if not self.is_done(stage):
            raise StageNotDone(
                f"stage {stage!r} has not finished in {self.root}; run "
                f"`tutorial-lib run --stage {stage} --out {self.root}` first"
            )

    def reset(self, stage: str) -> None:
        """Remove a stage's outputs (``--force``, a changed fingerprint). ``crowd/`` is untouched.

        Args:
            stage: a stage name; its whole folder goes, manifest included.
        """
        path = self.stage_dir(stage, create=False)
        if path.exists():
            shutil.rmtree(path)

    def invalidate(self, stage: str) -> list[str]:
        """Reset ``stage`` and every stage after it, since their results derive from it.

        Args:
            stage: the first stage to reset.

        Returns:
            The stages whose folders existed and were removed, in pipeline order.
        """
        gone = []
        for name in STAGE_ORDER[STAGE_ORDER.index(stage) :]:
            if self.stage_dir(name, create=False).exists():
                gone.append(name)
                self.reset(name)
        return gone

    def write_manifest(
        self,
        stage: str,
        *,
        preset: str,
        seed: int,
        config: dict,
        started: float,
        rows: dict,
        outputs: list[str],
        notes: list[str] | None = None,
        fingerprint: dict | None = None,
    ) -> dict:
        """Record what the stage did; written last so it marks the stage as done.

        Args:
            stage: the stage that finished.
            preset: the preset's name or YAML path.
            seed: the run's random seed.
            config: the whole resolved config (``PipelineConfig.to_dict()``).
            started: when the stage started, as ``time.time()`` seconds.
            rows: row counts of its outputs, e.g. ``{"train": 120}``.
            outputs: the paths of the files it wrote, as strings.
            notes: lines for the reader (what was skipped, what stood in).
            fingerprint: the stage's fingerprint; it makes the stage done for these settings.

        Returns:
            The manifest as written (``RunManifest`` fields plus ``fingerprint``).
        """
        finished = time.time()
        manifest = RunManifest(
            stage=stage,
            preset=preset,
            seed=seed,
            config=config,
            versions=package_versions(),
            started_at=datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
            finished_at=utc_now(),
            duration_s=round(finished - started, 3),
            rows=rows,
            outputs=outputs,
            notes=list(notes or []),
        )
        path = self.manifest_path(stage)
        body = {**asdict(manifest), "fingerprint": fingerprint or {}}
        atomic_write_json(path, body, indent=2)
        return body
