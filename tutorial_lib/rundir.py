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
records matches the one the current settings give (:func:`fingerprint`: the
config keys the stage reads, its input stages' fingerprints and the input
files it reads). The manifest is written last, so an interrupted stage is not
done; ``.started.json`` records the fingerprint it started with, so a resumed
stage can tell its own leftovers from another configuration's.

One process at a time: :meth:`RunDir.lock` is a file lock on the folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import shutil
import time
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from .atomic import atomic_write_json
from .errors import TutorialLibError
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
TRACKED_PACKAGES = (
    "tutorial-lib",
    "torch",
    "transformers",
    "datasets",
    "peft",
    "accelerate",
    "toloka-kit",
    "crowd-kit",
    "sacrebleu",
    "sentencepiece",
    "pandas",
    "numpy",
)


def utc_now() -> str:
    """An ISO-8601 UTC timestamp (what every record's time fields hold)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict:
    """Installed versions of the packages that shape a run's results."""
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


class UnknownStageError(TutorialLibError, ValueError):
    """A stage name that the pipeline does not have."""


class RunDirBusy(TutorialLibError, RuntimeError):
    """Another process holds the run directory's lock."""


class StageNotDone(TutorialLibError, FileNotFoundError):
    """An input stage has not finished (or was invalidated) in this run directory."""


def file_digest(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes (a directory: of its files' names and bytes, sorted)."""
    path, h = Path(path), hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode("utf-8"))
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def fingerprint(config: dict, inputs: dict[str, str], files: dict[str, str]) -> dict:
    """What a stage's result depends on, with a digest over all of it.

    Args:
        config: dotted config key -> value, for the keys the stage reads.
        inputs: input stage -> that stage's fingerprint digest.
        files: input file -> its :func:`file_digest` (or another stable id, e.g. a Hub name).

    Returns:
        ``{"digest", "config", "inputs", "files"}``, JSON-ready.
    """
    body = {"config": config, "inputs": inputs, "files": files}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return {"digest": hashlib.sha256(text.encode("utf-8")).hexdigest()[:16], **body}


def fingerprint_changes(old: dict | None, new: dict) -> list[str]:
    """Human-readable differences between two fingerprints (``key: old -> new``)."""
    if not old or "digest" not in old:
        return ["no fingerprint recorded (made by an older version of the kit)"]
    out = []
    for part, label in (("config", ""), ("files", "file "), ("inputs", "input stage ")):
        before, after = old.get(part, {}), new.get(part, {})
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                if part == "inputs":
                    out.append(f"{label}{key} changed")
                else:
                    out.append(
                        f"{label}{key}: {before.get(key, '(unset)')!r} -> "
                        f"{after.get(key, '(unset)')!r}"
                    )
    return out


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
        (pass False to read: reading never makes a stage's folder appear)."""
        return self.stage_dir(stage, create=create) / name

    def manifest_path(self, stage: str) -> Path:
        """Where ``stage``'s manifest is (or will be) written; creates nothing."""
        return self.stage_dir(stage, create=False) / "manifest.json"

    def is_done(self, stage: str, digest: str | None = None) -> bool:
        """The stage finished (and, given ``digest``, with that fingerprint)."""
        if not self.manifest_path(stage).exists():
            return False
        return digest is None or self.recorded_fingerprint(stage).get("digest") == digest

    def recorded_fingerprint(self, stage: str) -> dict | None:
        """The fingerprint a finished stage recorded, else the one an interrupted attempt started
        with; ``None`` when the stage never started."""
        if self.manifest_path(stage).exists():
            return self.read_manifest(stage).get("fingerprint") or {}
        started = self.stage_dir(stage, create=False) / ".started.json"
        if started.exists():
            return json.loads(started.read_text(encoding="utf-8"))
        return None

    def mark_started(self, stage: str, fp: dict) -> None:
        """Record the fingerprint a stage starts with (tells a resume from a stale leftover)."""
        atomic_write_json(self.stage_dir(stage) / ".started.json", fp)

    def read_manifest(self, stage: str) -> dict:
        """The manifest a finished stage wrote.

        Raises:
            FileNotFoundError: the stage has not run in this directory.
        """
        path = self.manifest_path(stage)
        if not path.exists():
            raise FileNotFoundError(f"stage {stage!r} has not run in {self.root} (no {path})")
        return json.loads(path.read_text(encoding="utf-8"))

    def require(self, stage: str) -> None:
        """Fail clearly when a stage's input stage has not run yet."""
        if not self.is_done(stage):
            raise StageNotDone(
                f"stage {stage!r} has not finished in {self.root}; run "
                f"`tutorial-lib run --stage {stage} --out {self.root}` first"
            )

    def reset(self, stage: str) -> None:
        """Remove a stage's outputs (``--force``, a changed fingerprint). ``crowd/`` is untouched."""
        path = self.stage_dir(stage, create=False)
        if path.exists():
            shutil.rmtree(path)

    def invalidate(self, stage: str) -> list[str]:
        """Reset ``stage`` and every stage after it; returns the stages that had outputs."""
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
        """Record what the stage did; written last so it marks the stage as done."""
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
