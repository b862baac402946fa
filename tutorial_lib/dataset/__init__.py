"""Dataset wing: accepted crowd answers -> curated train / held-out / preference splits + data card.

Modules: ``curate`` (build_dataset), ``split`` (by prompt, near-duplicates kept
together), ``select`` (selection filters with visible costs), ``preference``
(DPO pairs), ``dedup`` (exact near-duplicate search), ``io`` (save / load /
``datasets.Dataset``), ``card`` (data card).

Taught in notebooks/04_instruction_finetuning.
"""

from .card import write_data_card
from .curate import CuratedDataset, build_dataset
from .io import load_split, save_dataset
from .preference import preference_pairs
from .select import select_for_training
from .split import split_prompts

__all__ = [
    "CuratedDataset",
    "build_dataset",
    "load_split",
    "preference_pairs",
    "save_dataset",
    "select_for_training",
    "split_prompts",
    "write_data_card",
]
