"""What a fine-tuning run leaves behind: :class:`TrainResult` and its ``train_result.json``.

A module of its own so that readers of a run (the preference and evaluate stages,
the report) know the file and its fields without importing torch or transformers.

Taught in notebooks/04_instruction_finetuning.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import atomic_write_json

MODEL_FOLDER, ADAPTER_FOLDER, RESULT_FILE = "model", "adapter", "train_result.json"
# The preference (DPO) result's headline figures: the stage's summary and the report's table.
PREFERENCE_HEADLINE = (
    "pairs_train",
    "pairs_heldout",
    "margin_before",
    "margin_after",
    "heldout_accuracy_before",
    "heldout_accuracy_after",
    "beta",
    "steps",
)


@dataclass
class TrainResult:
    """What a fine-tuning run produced; ``model_dir`` always holds a plain reloadable model."""

    model_dir: str
    base_model: str
    used_tiny_stand_in: bool
    steps: int
    log_history: list = field(default_factory=list)
    train_loss: float | None = None
    eval_loss: float | None = None
    n_train: int = 0
    n_heldout: int = 0
    n_truncated_sources: int = 0
    n_truncated_targets: int = 0
    precision: str = "fp32"
    lora: bool = False
    wall_s: float = 0.0
    tokens_per_s: float = 0.0
    tokens_trained: int = 0
    adapter_dir: str | None = None
    resumed_from: str | None = None
    planned_steps: int = 0
    stopped_by_time_budget: bool = False
    family: str = "seq2seq"
    qlora: bool = False
    trimmed_base: str | None = None  # the base with its vocabulary trimmed, when trim_vocab
    vocab_size: int = 0  # vocabulary rows of the model trained


def write_result(result: TrainResult, output_dir: str | os.PathLike) -> Path:
    """Write ``output_dir/train_result.json`` atomically, so a crash never leaves half a file.

    Args:
        result: the run's result.
        output_dir: the fine-tuning output folder (created if missing).

    Returns:
        The path of the JSON file written.
    """
    path = Path(output_dir) / RESULT_FILE
    atomic_write_json(path, dataclasses.asdict(result), indent=2)
    return path


def read_result(stage_dir: str | os.PathLike) -> dict:
    """The fine-tune result a run (its ``06_finetune`` folder) or an output folder holds.

    Args:
        stage_dir: the folder holding ``train_result.json``.

    Returns:
        The result's fields (``model_dir``, ``base_model``, ``log_history`` ...).

    Raises:
        FileNotFoundError: no fine-tuning result there.

    Examples:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> _ = write_result(TrainResult("m/model", "tiny", used_tiny_stand_in=True, steps=2), folder)
        >>> read_result(folder)["steps"]
        2
    """
    return json.loads((Path(stage_dir) / RESULT_FILE).read_text(encoding="utf-8"))
