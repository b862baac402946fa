"""Column mappings: how a foreign prompt set's columns become :class:`Prompt` fields.

A mapping is a plain dict, so it can live in a YAML preset. Keys are Prompt
fields; each value is a source column name, ``"=text"`` for a constant, or
``{"column": c, "values": {...}, "default": d}`` to recode a column (e.g. a
task name into a Dolly category). A few extra keys say how to read the source:
``split``/``config`` (Hub datasets), ``filter`` (keep rows whose column equals
a value), ``header`` and ``quoting`` (header-less or quote-free TSV) and
``align`` (a second file whose rows line up with the first, e.g. MGSM's English).

A mapping that gives ``prompt_en`` but no ``prompt`` imports an English-only
set: the English text stands in ``prompt`` and the row is marked as waiting
for machine translation (``translation_origin="machine"``, empty
``translation_model``) until :func:`tutorial_lib.data.translate_missing` runs.

:data:`MAPPINGS` holds the mappings of known real Swahili sets, so a preset can
name one (``prompts.mapping: afriqa``); :mod:`.importers` applies a mapping.
"""

from __future__ import annotations

from ..errors import TutorialLibError

_CATEGORY_BY_TASK = {"QA": "closed_qa", "topic-classification": "classification"}

MAPPINGS: dict[str, dict] = {
    # AfriQA: questions written in Swahili by native speakers, human English translation.
    "afriqa": {
        "prompt": "question",
        "prompt_en": "translated_question",
        "references": "answers",
        "category": "=open_qa",
        "translation_origin": "=source",
        "source": "=afriqa",
    },
    # MGSM: human-translated grade-school maths; English file aligned row by row.
    "mgsm": {
        "header": ["question", "answer"],
        "quoting": "none",
        "align": {"path": "mgsm_en.tsv", "header": ["question_en", "answer_en"]},
        "prompt": "question",
        "prompt_en": "question_en",
        "references": "answer",
        "category": "=open_qa",
        "translation_origin": "=human",
        "source": "=mgsm",
    },
    # AfriInstruct: templated instructions; category from the task name.
    "afriinstruct": {
        "prompt": "instruction",
        "references": "output",
        "category": {"column": "task", "values": _CATEGORY_BY_TASK, "default": "general_qa"},
        "translation_origin": "=source",
        "source": "=afriinstruct",
    },
    # Aya: prompts and answers written by native speakers; the Hub set mixes 65 languages.
    "aya": {
        "split": "train",
        "filter": {"language": "Swahili"},
        "prompt": "inputs",
        "references": "targets",
        "category": "=general_qa",
        "translation_origin": "=source",
        "source": "=aya",
    },
    # A Dolly-style set already in the target language (usually machine-translated).
    "dolly": {
        "split": "train",
        "prompt": "instruction",
        "context": "context",
        "references": "response",
        "category": "category",
        "translation_origin": "=machine",
        "translation_model": "=unknown",
        "source": "=dolly",
    },
    # The English Dolly set: prompts wait for MT; English answers are not references.
    "dolly_en": {
        "split": "train",
        "prompt_en": "instruction",
        "context": "context",
        "category": "category",
        "source": "=dolly",
    },
}


class MappingError(TutorialLibError, ValueError):
    """A mapping that cannot work with its source; names the key or column."""


def named_mapping(mapping: dict | str | None) -> dict | None:
    """A column mapping given inline, or by the name of a known real set (see ``MAPPINGS``).

    Args:
        mapping: a mapping dict, a name such as ``"afriqa"``, or None/``{}`` (no mapping).

    Returns:
        A fresh dict (safe to extend), or None when no mapping is given.

    Raises:
        MappingError: ``mapping`` is a name that ``MAPPINGS`` does not know.

    Examples:
        >>> named_mapping("mgsm")["prompt"]
        'question'
        >>> named_mapping({}) is None
        True
    """
    if isinstance(mapping, str):
        if mapping not in MAPPINGS:
            raise MappingError(
                f"unknown prompt mapping {mapping!r}; known: {', '.join(sorted(MAPPINGS))}"
            )
        return dict(MAPPINGS[mapping])
    return mapping or None
