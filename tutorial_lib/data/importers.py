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
"""

from __future__ import annotations

import ast
import dataclasses
import json
import logging
import re
from collections.abc import Iterable
from typing import Any

from tutorial_lib.records import Prompt, RecordError, from_dict

from ..errors import TutorialLibError
from .readers import RawRow

logger = logging.getLogger(__name__)

PROMPT_FIELDS = tuple(f.name for f in dataclasses.fields(Prompt))
META_KEYS = ("split", "config", "filter", "header", "quoting", "align")
TEXT_FIELDS = (
    "id",
    "category",
    "prompt",
    "prompt_en",
    "lang",
    "translation_origin",
    "translation_model",
    "source",
    "context",
)

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


def check_mapping(mapping: dict) -> None:
    """Fail early on unknown keys and value types, before any row is read."""
    unknown = sorted(set(mapping) - set(PROMPT_FIELDS) - set(META_KEYS))
    if unknown:
        raise MappingError(
            f"mapping has unknown key(s) {', '.join(unknown)}; keys are Prompt "
            f"fields ({', '.join(PROMPT_FIELDS)}) or {', '.join(META_KEYS)}"
        )
    if "prompt" not in mapping and "prompt_en" not in mapping:
        raise MappingError(
            "mapping must give 'prompt' (target-language text) or 'prompt_en' "
            "(English text to machine-translate)"
        )
    for key in PROMPT_FIELDS:
        spec = mapping.get(key)
        if spec is None:
            continue
        if isinstance(spec, dict):
            if not isinstance(spec.get("column"), str):
                raise MappingError(f"mapping['{key}'] is a dict and needs a 'column' name")
        elif not isinstance(spec, str):
            raise MappingError(
                f"mapping['{key}'] must be a column name, '=constant' or a dict, "
                f"got {type(spec).__name__}"
            )


def _mapped_columns(mapping: dict) -> dict[str, str]:
    """``{column: field}`` for every source column the mapping reads (filter included)."""
    cols = {}
    for key in PROMPT_FIELDS:
        spec = mapping.get(key)
        if isinstance(spec, str) and not spec.startswith("="):
            cols[spec] = key
        elif isinstance(spec, dict):
            cols[spec["column"]] = key
    for col in mapping.get("filter") or {}:
        cols[col] = "filter"
    return cols


def check_columns(mapping: dict, available: Iterable[str], source_name: str) -> None:
    """Every mapped column must exist in the source; the error lists what does."""
    available = list(available)
    for col, key in _mapped_columns(mapping).items():
        if col not in available:
            raise MappingError(
                f"mapping for '{key}' names column {col!r}, which is not in "
                f"{source_name} (available columns: {', '.join(map(str, available))})"
            )


def identity_mapping(columns: Iterable[str], source_name: str) -> dict:
    """The mapping for a file whose columns already are Prompt fields."""
    columns = list(columns)
    unknown = [c for c in columns if c not in PROMPT_FIELDS]
    if unknown:
        raise MappingError(
            f"{source_name}: column(s) {', '.join(unknown)} are not Prompt fields; "
            f"pass mapping= (Prompt field -> column) to import this file"
        )
    return {c: c for c in columns}


def row_matches(row: RawRow, mapping: dict) -> bool:
    """The ``filter`` rule: every listed column equals the value (or is in the list)."""
    for col, wanted in (mapping.get("filter") or {}).items():
        value = _column(row, col, "filter")
        if isinstance(wanted, (list, tuple, set)):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def _column(row: RawRow, col: str, key: str) -> Any:
    if col not in row.data:
        raise RecordError(
            f"{row.where}: row has no column {col!r} (mapped to '{key}'); "
            f"it has {', '.join(map(str, row.data))}"
        )
    return row.data[col]


def _value(spec: Any, row: RawRow, key: str) -> Any:
    if isinstance(spec, str):
        return spec[1:] if spec.startswith("=") else _column(row, spec, key)
    raw = _column(row, spec["column"], key)
    values = spec.get("values") or {}
    if str(raw) in values:
        return values[str(raw)]
    return spec.get("default", raw)


def _text(value: Any, key: str, row: RawRow) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        raise RecordError(
            f"{row.where}: '{key}' must be text, the column holds a {type(value).__name__}"
        )
    return str(value)


_SINGLE_ITEM = re.compile(r"^\[\s*['\"](.*)['\"]\s*\]$", re.DOTALL)


def parse_references(value: Any) -> list[str]:
    """A column holding one answer, a list, or a stringified list (AfriQA writes ``"['Ndio']"``)."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            value = _parse_list_literal(text)
        else:
            return [text] if text else []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value)]


def _parse_list_literal(text: str) -> Any:
    for parse in (json.loads, ast.literal_eval):
        try:
            parsed = parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(parsed, list):
            return parsed
    single = _SINGLE_ITEM.match(text)  # "['Léon M'ba']": a one-item list with unescaped quotes
    return [single.group(1)] if single else [text]


def row_to_prompt(
    row: RawRow, mapping: dict, lang: str, source: str | None = None, default_source: str = "import"
) -> Prompt:
    """One source row as a Prompt; any problem names the row's file and line.

    ``source`` (the caller's override) beats the mapping's ``source``, which
    beats ``default_source``; ids missing from the source become
    ``<source>-<row index>``, stable as long as the file is.
    """
    fields: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        if key in mapping:
            fields[key] = _text(_value(mapping[key], row, key), key, row).strip()
    if "references" in mapping:
        fields["references"] = parse_references(_value(mapping["references"], row, "references"))
    fields.setdefault("lang", lang)
    fields["source"] = source or fields.get("source") or default_source
    if not fields.get("id"):
        if "id" in mapping:
            raise RecordError(f"{row.where}: id (column {mapping['id']!r}) is empty")
        fields["id"] = f"{fields['source']}-{row.index}"
    if "prompt" not in mapping:  # English-only set: waits for machine translation
        fields["prompt"] = fields.get("prompt_en", "")
        fields["translation_origin"], fields["translation_model"] = "machine", ""
    else:
        fields.setdefault("translation_origin", "source")
        if fields["translation_origin"] == "machine" and not fields.get("translation_model"):
            # Text already translated by an unnamed model must not look "waiting for MT".
            fields["translation_model"] = "unknown"
    if not fields["prompt"]:
        col = mapping.get("prompt", mapping.get("prompt_en"))
        raise RecordError(f"{row.where}: prompt text (column {col!r}) is empty")
    return from_dict(Prompt, fields, row.where)
