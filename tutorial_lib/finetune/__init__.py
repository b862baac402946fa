"""Fine-tuning wing: model selection, the tiny local mT5, training, precision, LoRA.

Names are imported lazily (PEP 562) so ``import tutorial_lib.finetune`` and the
command line stay fast; torch and transformers load on first use.

Taught in notebooks/04_instruction_finetuning.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "finetune": "train",
    "TrainResult": "result",
    "training_arguments": "trainer",
    "trainer_class": "trainer",
    "select_model": "models",
    "load_seq2seq": "loading",
    "ModelLoadError": "loading",
    "estimate_memory_gb": "seq2seq_estimates",
    "estimate_epoch_hours": "seq2seq_estimates",
    "choose_precision": "precision",
    "NonFiniteLossError": "precision",
    "StopOnNonFiniteLoss": "precision",
    "apply_lora": "lora",
    "load_lora": "lora",
    "merge_lora": "lora",
    "DataError": "data",
    "build_tiny_mt5": "tiny",
    "is_tiny": "tiny",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
