"""Raw row readers for prompt files: JSONL, JSON arrays, CSV/TSV and Hugging Face datasets.

Each reader yields :class:`RawRow` objects (the row as a dict plus a ``where``
string such as ``prompts.csv:12``) so that every later error can name the file
and the physical line a person would open in an editor. Readers never skip a
row: blank lines are not rows, everything else is passed on or raises.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tutorial_lib.records import RecordError, iter_jsonl, iter_lines

from ..errors import TutorialLibError

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
    """JSON Lines; bad UTF-8 or JSON raise RecordError with file and line."""
    for index, (lineno, obj) in enumerate(iter_jsonl(path)):
        where = f"{path}:{lineno}"
        if not isinstance(obj, dict):
            raise RecordError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        yield RawRow(index, where, obj)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def read_json_rows(path: Path) -> Iterator[RawRow]:
    """A JSON array of objects; each row's ``where`` is the line its object starts on."""
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
    return "".join(line for _, line in _decoded_lines(path))


def _decoded_lines(path: Path) -> list[tuple[int, str]]:
    """Lines decoded one by one, so bad UTF-8 is reported with its line number."""
    out = []
    for lineno, line in iter_lines(path):
        if lineno == 1:
            line = line.lstrip("\ufeff")  # spreadsheet exports start with a BOM
        out.append((lineno, line))
    return out


def require_file(path: str | os.PathLike) -> Path:
    """``path`` as a Path when it is an existing file; a clear error for a folder or nothing."""
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


def read_delimited_rows(
    path: Path, delimiter: str, header: list[str] | None = None, quoting: str = "minimal"
) -> Iterator[RawRow]:
    """CSV/TSV through the csv module; quoted fields may span lines.

    ``where`` names the physical line a row starts on. ``header`` gives column
    names for files without a header row; ``quoting="none"`` reads files whose
    text contains bare quote characters (MGSM, XStoryCloze).
    """
    lines = _decoded_lines(path)
    mode = csv.QUOTE_NONE if quoting == "none" else csv.QUOTE_MINIMAL
    reader = csv.reader((line for _, line in lines), delimiter=delimiter, quoting=mode, strict=True)
    columns = list(header) if header else None
    index, last_line = 0, 0
    while True:
        start = last_line + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise RecordError(f"{path}:{start}: malformed row ({err})") from None
        last_line = reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # a blank line is not a row
        if columns is None:
            columns = [c.strip() for c in fields]
            _unique_header(columns, f"{path}:{start}")
            continue
        if len(fields) != len(columns):
            raise RecordError(
                f"{path}:{start}: row has {len(fields)} fields but the header has "
                f"{len(columns)} ({', '.join(columns)})"
            )
        yield RawRow(index, f"{path}:{start}", dict(zip(columns, fields)))
        index += 1


def hf_offline() -> bool:
    """True when the HF offline switches are on (then the Hub is never contacted)."""
    flags = (os.environ.get("HF_HUB_OFFLINE", ""), os.environ.get("HF_DATASETS_OFFLINE", ""))
    return any(f.strip().lower() in ("1", "true", "yes", "on") for f in flags)


def read_hf_rows(name: str, split: str = "train", config: str | None = None) -> Iterator[RawRow]:
    """Rows of a Hub dataset (``hf:ORG/NAME``); a clear error when the Hub cannot be reached."""
    try:
        import datasets
    except ImportError as err:  # pragma: no cover - datasets is a pinned dependency
        raise DataSourceError(f"reading hf:{name} needs the 'datasets' package ({err})") from None
    try:
        ds = datasets.load_dataset(name, config, split=split)
    except Exception as err:  # noqa: BLE001 - the Hub raises many types; all mean "not here"
        state = (
            "offline (HF_HUB_OFFLINE/HF_DATASETS_OFFLINE is set)" if hf_offline() else "unreachable"
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
    """``hf`` for ``hf:`` paths, otherwise the file suffix (jsonl, json, csv, tsv)."""
    if str(path).startswith(HF_PREFIX):
        return "hf"
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in ("jsonl", "json", "csv", "tsv"):
        return suffix
    raise ValueError(
        f"{path}: cannot tell the format from the suffix {suffix!r}; "
        f"pass format= one of jsonl, json, csv, tsv, hf"
    )
