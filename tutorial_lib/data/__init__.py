"""Prompt sets: the shipped Swahili seed set, importers by column mapping, machine translation.

Taught in notebooks/02_collecting_answers.
"""

from tutorial_lib.config import DATA_DIR

from .mappings import MAPPINGS, MappingError, named_mapping
from .prompts import load_prompts, prompt_texts
from .readers import DataSourceError
from .translate import needs_translation, translate_missing

SEED_PATH = DATA_DIR / "prompts" / "seed_sw.jsonl"  # the shipped Swahili seed set

__all__ = [
    "MAPPINGS",
    "SEED_PATH",
    "DataSourceError",
    "MappingError",
    "load_prompts",
    "named_mapping",
    "needs_translation",
    "prompt_texts",
    "translate_missing",
]
