"""Raw row readers for prompt files: JSONL, JSON arrays, CSV/TSV and Hugging Face datasets.

Each reader yields :class:`RawRow` objects (the row as a dict plus a ``where``
string such as ``prompts.csv:12``) so that every later error can name the file
and the physical line a person would open in an editor. Readers never skip a
row: blank lines are not rows, everything else is passed on or raises.
"""

from __future__ import annotations

import csv
import itertools
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tutorial_lib.jsonl import iter_jsonl, iter_lines
from tutorial_lib.records import RecordError

from ..errors import TutorialLibError
from ..hub import hf_offline

logger = logging.getLogger(__name__)

HF_PREFIX = "hf:"


class DataSourceError(TutorialLibError, RuntimeError):
    """A source that cannot be reached (offline Hub, missing model); says what to do instead."""


@dataclass
class RawRow:
    """One source row before mapping: ``index`` counts data rows from 0."""

    index: int
    where: str
    data: dict


def read_jsonl_rows(path: Path) -> Iterator[RawRow]:
    """Rows of a JSON Lines file, each ``where`` naming its line.

    Args:
        path: the ``.jsonl`` file (blank lines are not rows).

    Yields:
        One :class:`RawRow` per object, ``index`` counting rows from 0.

    Raises:
        RecordError: bad UTF-8, invalid JSON, or a line that is not a JSON object
            (file and line named).

    Examples:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "p.jsonl"
        >>> _ = path.write_text('{"swali": "Habari?"}\\n\\n{"swali": "Je?"}\\n', encoding="utf-8")
        >>> [(r.index, r.where.rsplit(":", 1)[1], r.data["swali"]) for r in read_jsonl_rows(path)]
        [(0, '1', 'Habari?'), (1, '3', 'Je?')]
    """
    for index, (lineno, obj) in enumerate(iter_jsonl(path)):
        where = f"{path}:{lineno}"
        if not isinstance(obj, dict):
            raise RecordError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        yield RawRow(index, where, obj)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def read_json_rows(path: Path) -> Iterator[RawRow]:
    """Rows of a JSON array of objects; each row's ``where`` is the line its object starts on.

    The array is decoded object by object, so an error names the line of the bad
    object rather than a character offset into the whole file.

    Args:
        path: the ``.json`` file.

    Yields:
        One :class:`RawRow` per object, in array order.

    Raises:
        RecordError: bad UTF-8, invalid JSON, no top-level array, or an element
            that is not an object (file and line named).
    """
    text = _decode_whole(path)
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0, path)
    if not text.startswith("[", pos):
        raise RecordError(f"{path}:{_line_of(text, pos)}: expected a JSON array of objects")
    pos = _skip_ws(text, pos + 1, path)
    index = 0
    while not text.startswith("]", pos):
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            raise RecordError(f"{path}:{err.lineno}: invalid JSON ({err.msg})") from None
        where = f"{path}:{_line_of(text, pos)}"
        if not isinstance(obj, dict):
            raise RecordError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        yield RawRow(index, where, obj)
        index += 1
        pos = _skip_ws(text, end, path)
        if text.startswith(",", pos):
            pos = _skip_ws(text, pos + 1, path)
        elif not text.startswith("]", pos):
            raise RecordError(f"{path}:{_line_of(text, pos)}: invalid JSON (expected ',' or ']')")


def _skip_ws(text: str, pos: int, path: Path) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    if pos >= len(text):
        raise RecordError(f"{path}:{_line_of(text, pos)}: unexpected end of JSON data")
    return pos


def _decode_whole(path: Path) -> str:
    """The whole file as text, decoded line by line so bad UTF-8 names its line."""
    return "".join(line for _, line in iter_lines(path))


def require_file(path: str | os.PathLike) -> Path:
    """``path`` as a Path when it is an existing file; a clear error for a folder or nothing.

    Args:
        path: what the user gave.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        RecordError: ``path`` is a folder.
        FileNotFoundError: nothing exists at ``path``.
    """
    path = Path(path)
    if path.is_dir():
        raise RecordError(f"{path} is a folder; give a file (.jsonl, .json, .csv or .tsv)")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    return path


def _unique_header(columns: list[str], where: str) -> None:
    """Two columns with one name would silently keep the second: refused."""
    seen = set()
    for name in columns:
        if name in seen:
            raise RecordError(
                f"{where}: column {name!r} appears twice in the header "
                f"({', '.join(columns)}); rename one"
            )
        seen.add(name)


def sniff_delimiter(path: str | os.PathLike, first_line: str = "") -> str:
    """The field separator of a table file: by extension, else by its header line.

    Args:
        path: the file; ``.tsv``/``.tab`` mean tab and ``.csv`` means comma.
        first_line: the header line, counted when the extension says nothing.

    Returns:
        ``"\\t"`` or ``","``.

    Examples:
        >>> sniff_delimiter("votes.tsv"), sniff_delimiter("votes.txt", "task\\tworker\\tlabel")
        ('\\t', '\\t')
        >>> sniff_delimiter("votes.csv")
        ','
    """
    suffix = Path(path).suffix.lower()
    if suffix in (".tsv", ".tab"):
        return "\t"
    if suffix == ".csv":
        return ","
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


@dataclass
class Table:
    """A CSV/TSV file read by :func:`read_table`: its column names and its data rows."""

    path: Path
    columns: list[str]
    rows: list[RawRow]


def _is_blank(fields: list[str]) -> bool:
    return not any(cell.strip() for cell in fields)


def read_table(
    path: str | os.PathLike,
    delimiter: str | None = None,
    *,
    header: list[str] | None = None,
    quoting: str = "minimal",
    rename: dict[str, str] | None = None,
) -> Table:
    """Read a CSV/TSV file strictly: the kit's one tabular reader.

    Every value stays text (so "NA" or "007" is not turned into a missing value
    or a number). Quoted fields may span lines; each row's ``where`` names the
    physical line it starts on, which is what a person opens in an editor. A
    line whose cells are all blank is not a row; every other row is kept or
    raises.

    Args:
        path: the file (UTF-8; a spreadsheet's BOM is dropped).
        delimiter: the field separator; None sniffs it (:func:`sniff_delimiter`).
        header: column names for files without a header row.
        quoting: ``"minimal"`` (CSV quoting) or ``"none"``, for files whose text holds
            bare quote characters (MGSM, XStoryCloze: read exactly as lm-eval reads them).
        rename: header name -> column name (e.g. a benchmark's header to the Hub's fields).

    Returns:
        The :class:`Table`; ``columns`` is empty for an empty file.

    Raises:
        RecordError: bad UTF-8, a malformed row, a repeated column name, or a row
            whose field count differs from the header's; the message names file and line.

    Examples:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "votes.csv"
        >>> _ = path.write_text('task,worker,text\\nt1,w1,"mstari\\nwa pili"\\n\\nt2,w2,ndiyo\\n')
        >>> table = read_table(path)
        >>> table.columns, [(r.where.split(":")[-1], r.data["text"]) for r in table.rows]
        (['task', 'worker', 'text'], [('2', 'mstari\\nwa pili'), ('5', 'ndiyo')])
        >>> _ = path.write_text("task,worker,text\\nt1,w1\\n")
        >>> read_table(path)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tutorial_lib.records.RecordError: ...votes.csv:2: row has 2 fields but the header has 3 (task, worker, text)
    """
    path = Path(path)
    lines = iter_lines(path)
    first = next(lines, (0, ""))
    if delimiter is None:
        delimiter = sniff_delimiter(path, first[1])
    mode = csv.QUOTE_NONE if quoting == "none" else csv.QUOTE_MINIMAL
    texts = (line for _, line in itertools.chain([first], lines) if first[0])
    reader = csv.reader(texts, delimiter=delimiter, quoting=mode, strict=True)
    unquoted = " (a tab inside a text? the file is read unquoted)" if quoting == "none" else ""
    return _parse_table(path, reader, list(header) if header else None, rename or {}, unquoted)


def _parse_table(path: Path, reader, columns: list[str] | None, rename: dict, hint: str) -> Table:
    """The rows of :func:`read_table`, each ``where`` naming the line it starts on."""
    rows: list[RawRow] = []
    last_line = 0
    while True:
        start = last_line + 1
        try:
            fields = next(reader)
        except StopIteration:
            return Table(path, columns or [], rows)
        except csv.Error as err:
            raise RecordError(f"{path}:{start}: malformed row ({err})") from None
        last_line = reader.line_num
        if _is_blank(fields):
            continue
        if columns is None:
            columns = [rename.get(c.strip(), c.strip()) for c in fields]
            _unique_header(columns, f"{path}:{start}")
            continue
        if len(fields) != len(columns):
            raise RecordError(
                f"{path}:{start}: row has {len(fields)} fields but the header has "
                f"{len(columns)} ({', '.join(columns)}){hint}"
            )
        rows.append(RawRow(len(rows), f"{path}:{start}", dict(zip(columns, fields))))


def read_hf_rows(name: str, split: str = "train", config: str | None = None) -> Iterator[RawRow]:
    """Rows of a Hub dataset (``hf:ORG/NAME``); a clear error when the Hub cannot be reached.

    The only online reader: the kit runs offline, so it works when the dataset
    is already in the local Hugging Face cache or the Hub can be reached.

    Args:
        name: the dataset id without the ``hf:`` prefix (``ORG/NAME``).
        split: the split to read.
        config: the dataset configuration (a language subset), or None.

    Yields:
        One :class:`RawRow` per example, ``where`` naming the split and row.

    Raises:
        DataSourceError: ``datasets`` is missing, or the dataset is neither cached
            nor reachable (the message says how to use a local file instead).
    """
    try:
        import datasets
    except ImportError as err:  # pragma: no cover - datasets is a pinned dependency
        raise DataSourceError(f"reading hf:{name} needs the 'datasets' package ({err})") from None
    try:
        ds = datasets.load_dataset(name, config, split=split)
    except Exception as err:  # noqa: BLE001 - the Hub raises many types; all mean "not here"
        state = (
            "offline (HF_HUB_OFFLINE/HF_DATASETS_OFFLINE is set)"
            if hf_offline(for_datasets=True)
            else "unreachable"
        )
        what = f"split {split!r}" + (f", config {config!r}" if config else "")
        raise DataSourceError(
            f"cannot load hf:{name} ({what}): "
            f"the Hugging Face Hub is {state} and the dataset is not in the local cache "
            f"({type(err).__name__}). Download it while online, or export it to a local "
            f"JSONL/CSV file and pass that path instead."
        ) from None
    for index, row in enumerate(ds):
        yield RawRow(index, f"hf:{name}[{split}] row {index}", dict(row))


def detect_format(path: str) -> str:
    """``hf`` for ``hf:`` paths, otherwise the file suffix (jsonl, json, csv, tsv).

    Args:
        path: a file path or ``hf:ORG/NAME``.

    Returns:
        One of ``hf``, ``jsonl``, ``json``, ``csv``, ``tsv``.

    Raises:
        ValueError: the suffix is none of these (the message says to pass ``format=``).

    Examples:
        >>> detect_format("prompts/Swali.TSV"), detect_format("hf:CohereForAI/aya_dataset")
        ('tsv', 'hf')
    """
    if str(path).startswith(HF_PREFIX):
        return "hf"
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in ("jsonl", "json", "csv", "tsv"):
        return suffix
    raise ValueError(
        f"{path}: cannot tell the format from the suffix {suffix!r}; "
        f"pass format= one of jsonl, json, csv, tsv, hf"
    )
