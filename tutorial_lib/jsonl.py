"""JSON Lines files of records: one parser, strict reads with line numbers, atomic writes.

Every stage reads and writes its rows through here. Reading is strict: bad
UTF-8, invalid JSON or a row that does not fit its record raises
:class:`~tutorial_lib.records.RecordError` naming the file and line, never a
silent skip, because a dropped row is a worker's lost work. Writing replaces a
file atomically (:mod:`tutorial_lib.atomic`), or appends and flushes row by row
where an interrupted collection must keep what it has.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from .atomic import atomic_path
from .records import RecordError, from_dict, to_dict

R = TypeVar("R")


def iter_lines(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` decoded one by one, so bad UTF-8 names its line.

    Decoding the whole file at once would report a byte offset; a person fixing
    a spreadsheet export needs the line. The JSONL, CSV and TSV readers share it.

    Args:
        path: a text file (UTF-8; a byte-order mark on the first line is dropped).

    Yields:
        ``(line_number, line)`` with line numbers from 1 and the line ending kept.

    Raises:
        FileNotFoundError: no such file.
        RecordError: ``path`` is a folder, or a line is not valid UTF-8 (file and line named).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise RecordError(f"{path} is a folder; a file is needed here")
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                # A BOM (spreadsheet exports) is dropped, one rule for JSONL, CSV and TSV.
                yield lineno, raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as err:
                raise RecordError(f"{path}:{lineno}: not valid UTF-8 ({err.reason})") from None


def iter_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, dict]]:
    """Yield each JSON Lines row with its line number: the kit's one JSONL parser.

    Blank lines are skipped (they are not rows); anything else parses or raises.

    Args:
        path: the ``.jsonl`` file (UTF-8; a BOM is dropped).

    Yields:
        ``(line_number, object)``, line numbers counted from 1 as an editor shows them.

    Raises:
        FileNotFoundError: no such file.
        RecordError: a folder, bad UTF-8 or invalid JSON; the message names file and line.

    Examples:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "rows.jsonl"
        >>> _ = path.write_text('{"id": "a"}\\n\\n{"id": ', encoding="utf-8")
        >>> next(iter_jsonl(path))
        (1, {'id': 'a'})
        >>> list(iter_jsonl(path))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tutorial_lib.records.RecordError: ...rows.jsonl:3: invalid JSON (Expecting value)
    """
    for lineno, line in iter_lines(path):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as err:
            raise RecordError(f"{path}:{lineno}: invalid JSON ({err.msg})") from None


def read_jsonl(path: str | os.PathLike, cls: type[R] | None = None) -> list:
    """Read every row of a JSONL file (see :func:`iter_jsonl`), as ``cls`` records when given.

    Args:
        path: the ``.jsonl`` file.
        cls: a record dataclass (``Prompt``, ``Assignment``...) to build from each row.

    Returns:
        The rows, as dicts or as ``cls`` instances.

    Raises:
        RecordError: an unreadable row, or one that does not fit ``cls`` (file and line named).
    """
    rows = []
    for lineno, obj in iter_jsonl(path):
        rows.append(from_dict(cls, obj, f"{path}:{lineno}") if cls else obj)
    return rows


def _json_line(record: Any) -> str:
    obj = record if isinstance(record, dict) else to_dict(record)
    return json.dumps(obj, ensure_ascii=False, sort_keys=False)


def write_jsonl(path: str | os.PathLike, records: Iterable[Any]) -> int:
    """Write records atomically, one JSON object a line (see :func:`atomic_path`).

    Args:
        path: the ``.jsonl`` file; its parent folder is created.
        records: dicts or record dataclasses.

    Returns:
        The number of rows written.

    Examples:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "rows.jsonl"
        >>> write_jsonl(path, [{"id": "p1"}, {"id": "p2"}])
        2
        >>> [row["id"] for row in read_jsonl(path)]
        ['p1', 'p2']
    """
    n = 0
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(_json_line(rec) + "\n")
            n += 1
    return n


def append_jsonl(path: str | os.PathLike, records: Iterable[Any]) -> int:
    """Append records and flush each one, so an interrupted collection loses nothing.

    Used for logs that grow while work comes in (crowd submissions, the ledger):
    a crash loses at most the row being written, never what came before.

    Args:
        path: the ``.jsonl`` file; it and its parent folder are created when missing.
        records: dicts or record dataclasses.

    Returns:
        The number of rows appended.

    Examples:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "log.jsonl"
        >>> append_jsonl(path, [{"n": 1}]), append_jsonl(path, [{"n": 2}])
        (1, 1)
        >>> [row["n"] for row in read_jsonl(path)]
        [1, 2]
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "a", encoding="utf-8") as fh:
        for rec in records:
            fh.write(_json_line(rec) + "\n")
            fh.flush()
            n += 1
    return n
