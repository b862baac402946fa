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
      07_evaluate/*.json
      08_report/report.md

A stage is done when its ``manifest.json`` exists; the manifest is written last,
so an interrupted stage is simply not done and reruns.

Taught in notebooks/02_collecting_answers.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import time
from dataclasses import asdict
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from .records import RunManifest
from .errors import TutorialLibError

STAGE_DIRS = {
    "prompts": "01_prompts",
    "answers": "02_answers",
    "validation": "03_validation",
    "decisions": "04_decisions",
    "dataset": "05_dataset",
    "finetune": "06_finetune",
    "evaluate": "07_evaluate",
    "report": "08_report",
}
STAGE_ORDER = tuple(STAGE_DIRS)
TRACKED_PACKAGES = (
    "tutorial-lib", "torch", "transformers", "datasets", "peft", "accelerate", "toloka-kit",
    "crowd-kit", "sacrebleu", "sentencepiece", "pandas", "numpy",
)


def utc_now() -> str:
    """An ISO-8601 UTC timestamp (what every record's time fields hold)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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


class RunDir:
    """A run's folder with one sub-folder per stage."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def stage_dir(self, stage: str, create: bool = True) -> Path:
        if stage not in STAGE_DIRS:
            raise UnknownStageError(f"unknown stage {stage!r}; stages are {', '.join(STAGE_ORDER)}")
        path = self.root / STAGE_DIRS[stage]
        if create:
            path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, stage: str, name: str) -> Path:
        """A file inside a stage's folder."""
        return self.stage_dir(stage) / name

    def manifest_path(self, stage: str) -> Path:
        return self.stage_dir(stage, create=False) / "manifest.json"

    def is_done(self, stage: str) -> bool:
        return self.manifest_path(stage).exists()

    def read_manifest(self, stage: str) -> dict:
        path = self.manifest_path(stage)
        if not path.exists():
            raise FileNotFoundError(f"stage {stage!r} has not run in {self.root} (no {path})")
        return json.loads(path.read_text(encoding="utf-8"))

    def require(self, stage: str) -> None:
        """Fail clearly when a stage's input stage has not run yet."""
        if not self.is_done(stage):
            raise FileNotFoundError(
                f"stage {stage!r} has not finished in {self.root}; run "
                f"`tutorial-lib run --stage {stage} --out {self.root}` first"
            )

    def reset(self, stage: str) -> None:
        """Remove a stage's outputs (used by ``--force``)."""
        path = self.stage_dir(stage, create=False)
        if path.exists():
            shutil.rmtree(path)

    def write_manifest(self, stage: str, *, preset: str, seed: int, config: dict,
                       started: float, rows: dict, outputs: list[str],
                       notes: list[str] | None = None) -> RunManifest:
        """Record what the stage did; written last so it marks the stage as done."""
        finished = time.time()
        manifest = RunManifest(
            stage=stage, preset=preset, seed=seed, config=config, versions=package_versions(),
            started_at=datetime.fromtimestamp(started, timezone.utc).isoformat(timespec="seconds"),
            finished_at=utc_now(), duration_s=round(finished - started, 3), rows=rows,
            outputs=outputs, notes=list(notes or []),
        )
        path = self.manifest_path(stage)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(manifest), indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        return manifest
