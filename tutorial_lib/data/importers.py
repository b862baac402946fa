"""Apply a column mapping: check it against a source, then turn each row into a :class:`Prompt`.

The mapping format and the mappings of known real sets are :mod:`.mappings`.
Checks run before any row is read (unknown keys, missing columns), and every
row error names the row's file and line.
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

from .mappings import MappingError
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


def check_mapping(mapping: dict) -> None:
    """Fail early on unknown keys and value types, before any row is read.

    A typo in a mapping would otherwise surface as a confusing error on row 1,
    or, for an optional field, as a column silently never read.

    Args:
        mapping: Prompt field -> column spec, plus any of :data:`META_KEYS`.

    Raises:
        MappingError: an unknown key, neither ``prompt`` nor ``prompt_en`` given, or
            a field's spec that is not a column name, ``"=constant"`` or a recode dict.

    Examples:
        >>> check_mapping({"prompt": "question", "answer": "answers"})
        Traceback (most recent call last):
        ...
        tutorial_lib.data.mappings.MappingError: mapping has unknown key(s) answer; keys are Prompt fields (id, category, prompt, prompt_en, references, lang, translation_origin, translation_model, source, context) or split, config, filter, header, quoting, align
    """
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
    """Every mapped column must exist in the source; the error lists what does.

    Args:
        mapping: a mapping that passed :func:`check_mapping`.
        available: the source's column names (a header, a Hub dataset's features).
        source_name: the file or dataset, as errors name it.

    Raises:
        MappingError: a field (or ``filter``) names a column the source lacks.

    Examples:
        >>> check_columns({"prompt": "question"}, ["id", "text"], "qa.csv")
        Traceback (most recent call last):
        ...
        tutorial_lib.data.mappings.MappingError: mapping for 'prompt' names column 'question', which is not in qa.csv (available columns: id, text)
    """
    available = list(available)
    for col, key in _mapped_columns(mapping).items():
        if col not in available:
            raise MappingError(
                f"mapping for '{key}' names column {col!r}, which is not in "
                f"{source_name} (available columns: {', '.join(map(str, available))})"
            )


def identity_mapping(columns: Iterable[str], source_name: str) -> dict:
    """The mapping for a file whose columns already are Prompt fields.

    Args:
        columns: the file's column names.
        source_name: the file, as errors name it.

    Returns:
        ``{column: column}`` for every column.

    Raises:
        MappingError: a column is not a Prompt field (the message says to pass a mapping).

    Examples:
        >>> identity_mapping(["id", "prompt", "category"], "mine.csv")
        {'id': 'id', 'prompt': 'prompt', 'category': 'category'}
    """
    columns = list(columns)
    unknown = [c for c in columns if c not in PROMPT_FIELDS]
    if unknown:
        raise MappingError(
            f"{source_name}: column(s) {', '.join(unknown)} are not Prompt fields; "
            f"pass mapping= (Prompt field -> column) to import this file"
        )
    return {c: c for c in columns}


def row_matches(row: RawRow, mapping: dict) -> bool:
    """The ``filter`` rule: every listed column equals the value (or is in the list).

    Args:
        row: one source row.
        mapping: the mapping; without a ``filter`` every row matches.

    Returns:
        Whether the row is kept (Aya keeps only ``language == "Swahili"``).

    Raises:
        RecordError: the row lacks a filtered column (file and line named).

    Examples:
        >>> row = RawRow(0, "aya.jsonl:1", {"language": "Swahili", "inputs": "Habari?"})
        >>> row_matches(row, {"filter": {"language": ["Swahili", "Kiswahili"]}})
        True
    """
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
    """A column holding one answer, a list, or a stringified list (AfriQA writes ``"['Ndio']"``).

    A stringified list is read as JSON, then as a Python literal, then as a
    one-item list with unescaped quotes; if all fail the text is one answer.

    Args:
        value: the column's value (None, text, a list, a number...).

    Returns:
        The non-empty answers as stripped strings (empty when there is none).

    Examples:
        >>> parse_references("['Ndio', 'Hapana']"), parse_references(" 42 "), parse_references(None)
        (['Ndio', 'Hapana'], ['42'], [])
        >>> parse_references("['Léon M'ba']")
        ["Léon M'ba"]
    """
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

    Ids missing from the source become ``<source>-<row index>``, stable as long
    as the file is. Without a ``prompt`` column the English text stands in and
    the prompt waits for machine translation.

    Args:
        row: one source row (``row.where`` is ``file:line``).
        mapping: a checked mapping (:func:`check_mapping`).
        lang: the prompts' language when the mapping gives none (``sw``).
        source: the caller's source name; beats the mapping's ``source``.
        default_source: the source name when neither gives one.

    Returns:
        The validated :class:`~tutorial_lib.records.Prompt`.

    Raises:
        RecordError: a mapped column is missing or not text, the id or prompt is
            empty, or a value fails the Prompt's checks (category, origin...).
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
