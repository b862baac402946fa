"""mT5 or a decoder? One table from finished runs on the same data: cost, time and scores.

Every number here is read from run directories this kit produced (the
fine-tune stage's ``train_result.json``, the evaluate stage's
``summary.json``): nothing is quoted from elsewhere. A run that has not been
made yet is listed as missing, with the setting that makes it.
"""

from __future__ import annotations

import json
from pathlib import Path

from .rundir import RunDir

COLUMNS = (
    "run",
    "family",
    "model",
    "stand_in",
    "lora",
    "precision",
    "steps",
    "train_min",
    "tokens_per_s",
    "eval_loss",
)


def _json(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def run_row(run_dir: str | Path) -> dict:
    """One row for a run directory: training cost and time, benchmark and held-out scores.

    Args:
        run_dir: a run directory made by this kit (its fine-tune stage finished,
            and optionally its evaluate stage).

    Returns:
        :data:`COLUMNS` read from ``train_result.json`` (``train_min`` in minutes),
        plus ``TASK_acc`` per benchmark and each held-out metric of the fine-tuned
        model when evaluation ran; a run without a fine-tune result gives
        ``{"run": NAME, "family": "not run yet"}``.

    Examples:
        >>> run_row("runs/never-made")
        {'run': 'never-made', 'family': 'not run yet'}
    """
    root = Path(run_dir)
    run = RunDir(root) if root.is_dir() else None
    train = _json(run.stage_dir("finetune", create=False) / "train_result.json") if run else None
    if train is None:
        return {"run": root.name, "family": "not run yet"}
    row = {
        "run": root.name,
        "family": train.get("family", "seq2seq"),
        "model": train["base_model"],
        "stand_in": train["used_tiny_stand_in"],
        "lora": train["lora"],
        "precision": train["precision"],
        "steps": train["steps"],
        "train_min": round(train["wall_s"] / 60, 2),
        "tokens_per_s": train["tokens_per_s"],
        "eval_loss": train["eval_loss"],
    }
    summary = _json(run.stage_dir("evaluate", create=False) / "summary.json") or {}
    for task, score in summary.get("benchmarks", {}).get("fine-tuned", {}).items():
        row[f"{task}_acc"] = score["accuracy"]
    for metric, value in summary.get("heldout", {}).get("fine-tuned", {}).items():
        if metric != "n":
            row[metric] = value
    return row


def compare_runs(run_dirs):
    """A table with one row per run (missing runs say so), columns as in :data:`COLUMNS` plus
    each benchmark's accuracy and the held-out chrF++/ROUGE-L of the fine-tuned model.

    Args:
        run_dirs: run directories to compare, e.g. an mT5 run and a decoder run on
            the same data; each becomes one row (:func:`run_row`).

    Returns:
        A ``pandas.DataFrame``, one row per run in the order given; a score a run
        lacks is NaN.
    """
    import pandas as pd

    return pd.DataFrame([run_row(d) for d in run_dirs])
