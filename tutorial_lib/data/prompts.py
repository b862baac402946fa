"""Load prompt sets: the strict seed schema, or any JSONL/JSON/CSV/TSV/Hub set by column mapping.

The seed format is read strictly (one bad row stops the load with file and
line) because a prompt set that silently lost rows would skew every later
count: pay, overlap, the data card. Imports by mapping are equally strict; only
the ``filter`` rule leaves rows out, on purpose, and the count is logged.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from tutorial_lib.config import PROMPT_FORMATS
from tutorial_lib.records import Prompt, RecordError, from_dict
from tutorial_lib.text_limits import check_text

from .importers import (
    check_columns,
    check_mapping,
    identity_mapping,
    row_matches,
    row_to_prompt,
)
from .mappings import MAPPINGS, MappingError
from .readers import (
    HF_PREFIX,
    RawRow,
    detect_format,
    read_hf_rows,
    read_json_rows,
    read_jsonl_rows,
    read_table,
    require_file,
)

logger = logging.getLogger(__name__)


__all__ = ["MAPPINGS", "load_prompts", "prompt_texts"]


def load_prompts(
    path: str | os.PathLike,
    format: str = "auto",
    mapping: dict | None = None,
    lang: str = "sw",
    limit: int | None = None,
    source: str | None = None,
    max_chars: int | None = None,
) -> list[Prompt]:
    """Read prompts from a file or ``hf:ORG/NAME``; every row becomes a Prompt or an error.

    Args:
        path: a ``.jsonl``/``.json``/``.csv``/``.tsv`` file, or ``hf:ORG/NAME`` (online).
        format: ``auto`` (from the suffix), ``seed``/``jsonl``, ``json``, ``csv``, ``tsv``, ``hf``.
        mapping: Prompt field -> source column (see ``MAPPINGS``); None or ``{}`` reads
            files whose columns already are Prompt fields (the seed schema, strictly).
        lang: language of imported prompts when the mapping does not give ``lang``.
        limit: keep only the first ``limit`` prompts (after ``filter``).
        source: overrides the ``source`` field (and the prefix of derived ids).
        max_chars: longest text field accepted (``prompts.max_chars``); ``None``: no limit.

    Returns:
        The prompts in file order, at least one.

    Raises:
        RecordError: a bad row (JSON, UTF-8, missing field, empty text, unknown category,
            duplicate id, a control character, too long), naming file and line.
        MappingError: a mapping key or column that does not exist, naming both.
        DataSourceError: a Hub set while offline, saying to use a local file.
        ValueError: an unknown ``format``, a bad ``limit``, or no prompt at all.

    Examples:
        >>> len(load_prompts("data/prompts/seed_sw.jsonl")) >= 160
        True

    Taught in notebooks/01_crowdsourcing_basics.
    """
    fmt = _resolve_format(path, format)
    mapping = dict(mapping) if mapping else None
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive integer or None, got {limit!r}")
    if mapping is None and fmt in ("seed", "jsonl"):
        prompts = _load_strict(Path(path), limit, source, max_chars)
    else:
        if fmt == "seed":
            raise MappingError(
                "format 'seed' is the fixed schema and takes no mapping; use format='jsonl'"
            )
        prompts = _load_mapped(str(path), fmt, mapping, lang, limit, source, max_chars)
    if not prompts:
        hint = f" matching filter {mapping['filter']}" if mapping and mapping.get("filter") else ""
        raise ValueError(f"{path}: no prompts{hint}")
    cats = Counter(p.category for p in prompts)
    logger.info(
        "loaded %d prompts from %s (%s)",
        len(prompts),
        path,
        ", ".join(f"{c}={n}" for c, n in sorted(cats.items())),
    )
    return prompts


def _resolve_format(path: str | os.PathLike, format: str) -> str:
    if not str(path).startswith(HF_PREFIX) and Path(path).is_dir():
        require_file(path)  # a folder: say so before guessing a format from its name
    if format not in PROMPT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(PROMPT_FORMATS)}, got {format!r}")
    if format != "auto":
        return format
    fmt = detect_format(str(path))
    if fmt == "json" and _first_char(Path(path)) == "{":
        return "jsonl"  # JSON Lines saved as .json (AfriQA does this)
    return fmt


def _first_char(path: Path) -> str:
    require_file(path)
    with open(path, "rb") as fh:
        head = fh.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    return head[:1]


def _load_strict(
    path: Path, limit: int | None, source: str | None, max_chars: int | None = None
) -> list[Prompt]:
    """The seed schema: every line a full Prompt object, no unknown fields."""
    prompts: list[Prompt] = []
    seen: dict[str, str] = {}
    for row in read_jsonl_rows(path):
        prompt = from_dict(Prompt, row.data, row.where)
        if source:
            prompt.source = source
        _check_unique(prompt, row.where, seen)
        _check_text(prompt, row.where, max_chars)
        prompts.append(prompt)
        if limit and len(prompts) >= limit:
            break
    return prompts


def _load_mapped(
    path: str,
    fmt: str,
    mapping: dict | None,
    lang: str,
    limit: int | None,
    source: str | None,
    max_chars: int | None = None,
) -> list[Prompt]:
    if mapping is not None:
        check_mapping(mapping)
    rows = _iter_rows(path, fmt, mapping or {})
    first = next(rows, None)
    if first is None:
        return []
    source_name = path
    if mapping is None:
        mapping = identity_mapping(first.data, source_name)
        check_mapping(mapping)
    check_columns(mapping, first.data, source_name)
    default_source = _default_source(path)
    prompts: list[Prompt] = []
    seen: dict[str, str] = {}
    filtered = 0
    for row in _chain(first, rows):
        if not row_matches(row, mapping):
            filtered += 1
            continue
        prompt = row_to_prompt(row, mapping, lang, source, default_source)
        _check_unique(prompt, row.where, seen)
        _check_text(prompt, row.where, max_chars)
        prompts.append(prompt)
        if limit and len(prompts) >= limit:
            break
    if filtered:
        logger.info("%s: filter %s left out %d rows", path, mapping.get("filter"), filtered)
    return prompts


def _iter_rows(path: str, fmt: str, mapping: dict) -> Iterator[RawRow]:
    """Raw rows for a format, with ``align`` rows merged in by position."""
    if fmt == "hf":
        name = path.removeprefix(HF_PREFIX)
        return read_hf_rows(name, split=mapping.get("split", "train"), config=mapping.get("config"))
    rows = _file_rows(Path(path), fmt, mapping.get("header"), mapping.get("quoting", "minimal"))
    align = mapping.get("align")
    if not align:
        return rows
    other = Path(path).parent / align["path"]
    other_rows = list(
        _file_rows(
            other,
            detect_format(str(other)),
            align.get("header"),
            align.get("quoting", mapping.get("quoting", "minimal")),
        )
    )
    return _merge_aligned(list(rows), other_rows, Path(path), other)


def _file_rows(path: Path, fmt: str, header: list[str] | None, quoting: str) -> Iterator[RawRow]:
    if fmt in ("jsonl", "seed"):
        return read_jsonl_rows(path)
    if fmt == "json":
        return read_json_rows(path)
    if fmt in ("csv", "tsv"):
        delimiter = "," if fmt == "csv" else "\t"
        return iter(read_table(path, delimiter, header=header, quoting=quoting).rows)
    raise ValueError(f"{path}: unsupported format {fmt!r}")


def _merge_aligned(
    rows: list[RawRow], other: list[RawRow], path: Path, other_path: Path
) -> Iterator[RawRow]:
    if len(rows) != len(other):
        raise RecordError(
            f"{other_path}: has {len(other)} rows but {path} has {len(rows)}; "
            f"aligned files must line up row by row"
        )
    for row, extra in zip(rows, other):
        clash = set(row.data) & set(extra.data)
        if clash:
            raise MappingError(
                f"{other_path}: aligned columns {', '.join(sorted(clash))} clash with "
                f"{path}; give the aligned file other column names"
            )
        yield RawRow(row.index, row.where, {**row.data, **extra.data})


def _chain(first: RawRow, rest: Iterator[RawRow]) -> Iterator[RawRow]:
    yield first
    yield from rest


def _default_source(path: str) -> str:
    if path.startswith(HF_PREFIX):
        return path[len(HF_PREFIX) :].rsplit("/", 1)[-1].lower()
    return Path(path).stem


def _check_text(prompt: Prompt, where: str, max_chars: int | None) -> None:
    """Refuse control characters, bidi overrides and over-long text, naming file, line, field."""
    fields = [
        ("prompt", prompt.prompt),
        ("prompt_en", prompt.prompt_en or ""),
        ("context", prompt.context or ""),
    ]
    fields += [(f"references[{i}]", r) for i, r in enumerate(prompt.references)]
    for name, text in fields:
        why = check_text(text, name, max_chars)
        if why:
            raise RecordError(f"{where}: {why}")


def _check_unique(prompt: Prompt, where: str, seen: dict[str, str]) -> None:
    if prompt.id in seen:
        raise RecordError(f"{where}: duplicate id {prompt.id!r} (first seen at {seen[prompt.id]})")
    seen[prompt.id] = where


def prompt_texts(prompts: Iterable[Prompt]) -> list[str]:
    """Every non-empty text in the prompts (prompt, English, context, references).

    Used to train the tiny offline tokenizer, so it sees the same Swahili the
    demo run will feed it.

    Args:
        prompts: the prompt records.

    Returns:
        The texts, prompt by prompt in that order; blank ones left out.

    Examples:
        >>> p = Prompt(id="p1", category="open_qa", prompt="Habari?", references=["Nzuri."])
        >>> prompt_texts([p])
        ['Habari?', 'Nzuri.']
    """
    texts: list[str] = []
    for p in prompts:
        for text in (p.prompt, p.prompt_en, p.context, *p.references):
            if text and text.strip():
                texts.append(text)
    return texts


def balanced_subset(prompts: list[Prompt], n: int) -> list[Prompt]:
    """The first ``n`` prompts taken round-robin across categories, in file order.

    A small preset still sees every category, so the curated split, the
    category plots and the fine-tune keep their shape at any size.

    Args:
        prompts: the loaded prompts.
        n: how many to keep (all of them when ``n`` is larger).

    Returns:
        The chosen prompts, in their original order.

    Examples:
        >>> ps = [Prompt(id=f"p{i}", category=c, prompt="Swali?")
        ...       for i, c in enumerate(["open_qa", "open_qa", "open_qa", "brainstorming"])]
        >>> [p.id for p in balanced_subset(ps, 2)]
        ['p0', 'p3']
    """
    by_category: dict[str, list[Prompt]] = {}
    for prompt in prompts:
        by_category.setdefault(prompt.category, []).append(prompt)
    queues = list(by_category.values())
    chosen: list[Prompt] = []
    depth = 0
    while len(chosen) < min(n, len(prompts)):
        for queue in queues:
            if depth < len(queue) and len(chosen) < n:
                chosen.append(queue[depth])
        depth += 1
    keep = {id(p) for p in chosen}
    return [p for p in prompts if id(p) in keep]
