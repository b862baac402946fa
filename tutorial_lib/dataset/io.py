"""Saving and loading the curated splits: JSONL (diff-able), parquet (typed), ``datasets.Dataset``.

Everything written is NFC-normalised UTF-8, so the same Swahili word typed on
two keyboards is one token sequence downstream. ``load_split`` accepts what a
user naturally has at hand: a run directory, the dataset folder, or one file.

Taught in notebooks/04_instruction_finetuning.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..atomic import atomic_path, atomic_write_json
from ..jsonl import iter_jsonl, write_jsonl
from ..rundir import CONFIG_FILE, STAGE_DIRS
from .curate import CuratedDataset

SPLITS = ("train", "heldout", "preference")
REQUIRED = {
    "train": ("prompt", "answer"),
    "heldout": ("prompt", "references"),
    "preference": ("prompt", "chosen", "rejected"),
}
RUN_DATASET_DIR = STAGE_DIRS["dataset"]

_TRAIN_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("prompt_id", pa.string()),
        ("prompt", pa.string()),
        ("answer", pa.string()),
        ("category", pa.string()),
        ("lang", pa.string()),
        ("score", pa.float64()),
        ("confidence", pa.float64()),
        ("votes", pa.int64()),
        ("lang_check", pa.string()),
        ("lang_confidence", pa.float64()),
        ("author", pa.string()),
        ("round", pa.int64()),
        ("source", pa.string()),
    ]
)
_HELDOUT_SCHEMA = pa.schema(
    [
        ("prompt_id", pa.string()),
        ("prompt", pa.string()),
        ("references", pa.list_(pa.string())),
        ("category", pa.string()),
        ("lang", pa.string()),
    ]
)


def nfc_deep(value: Any) -> Any:
    """NFC-normalise every string inside nested dicts and lists.

    Crowd text arrives from many keyboards: ``"e\\u0301"`` and ``"\\u00e9"`` look
    the same but tokenise differently, so everything saved is NFC first.

    Args:
        value: a string, or dicts/lists/tuples nesting them; other values pass through.

    Returns:
        The same structure with every string (dict keys too) in NFC; tuples become lists.

    Examples:
        >>> nfc_deep({"jibu": ["cafe\\u0301", 3]}) == {"jibu": ["caf\\u00e9", 3]}
        True
    """
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {nfc_deep(k): nfc_deep(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [nfc_deep(v) for v in value]
    return value


def _write_parquet(rows: list[dict], schema: pa.Schema, path: Path) -> None:
    table = pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema=schema)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def save_dataset(ds: CuratedDataset, out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write train/heldout/preference JSONL, train/heldout parquet, filters.json and stats.json.

    JSONL is for diffs and reading by eye, parquet for typed loading; each file
    is written atomically, so a crash never leaves half a split behind.

    Args:
        ds: the curated dataset (``build_dataset``'s result).
        out_dir: the folder to write into; created if missing, files in it replaced.

    Returns:
        ``{name: path}`` for ``train``, ``heldout``, ``preference``, ``train_parquet``,
        ``heldout_parquet``, ``filters`` and ``stats``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    train, heldout = nfc_deep(ds.train), nfc_deep(ds.heldout)
    paths = {
        "train": out / "train.jsonl",
        "heldout": out / "heldout.jsonl",
        "preference": out / "preference.jsonl",
        "train_parquet": out / "train.parquet",
        "heldout_parquet": out / "heldout.parquet",
        "filters": out / "filters.json",
        "stats": out / "stats.json",
    }
    write_jsonl(paths["train"], train)
    write_jsonl(paths["heldout"], heldout)
    write_jsonl(paths["preference"], nfc_deep(ds.preference))
    _write_parquet(train, _TRAIN_SCHEMA, paths["train_parquet"])
    _write_parquet(heldout, _HELDOUT_SCHEMA, paths["heldout_parquet"])
    atomic_write_json(paths["filters"], nfc_deep(ds.filters), indent=2)
    atomic_write_json(paths["stats"], nfc_deep(ds.stats), indent=2)
    return paths


def _resolve(path: Path, split: str) -> Path:
    if path.is_file():
        return path
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or directory")
    folder = path / RUN_DATASET_DIR if (path / RUN_DATASET_DIR).is_dir() else path
    for name in (f"{split}.jsonl", f"{split}.parquet"):
        if (folder / name).is_file():
            return folder / name
    hint = (
        " (run the dataset stage first: tutorial-lib run --stage dataset)"
        if folder.name == RUN_DATASET_DIR or (path / CONFIG_FILE).exists()
        else ""
    )
    raise FileNotFoundError(f"no {split}.jsonl or {split}.parquet in {folder}{hint}")


def _check_columns(row: dict, split: str, where: str) -> None:
    missing = [c for c in REQUIRED[split] if c not in row]
    if missing:
        raise ValueError(
            f"{where}: missing column(s) {', '.join(missing)} for the {split} split; "
            f"found {', '.join(sorted(row)) or 'none'}"
        )


def load_split(path_or_dir: str | os.PathLike, split: str = "train") -> list[dict]:
    """Rows of one split from a run directory, a dataset folder, or a .jsonl/.parquet file.

    Args:
        path_or_dir: a run directory (its dataset stage folder is used), a dataset
            folder holding ``<split>.jsonl`` or ``<split>.parquet`` (JSONL first),
            or one such file.
        split: ``"train"``, ``"heldout"`` or ``"preference"``.

    Returns:
        The rows as dicts, in file order, each holding the split's required columns.

    Raises:
        ValueError: an unknown split, a file that is neither .jsonl nor .parquet,
            or a row missing a required column (the message names file and line).
        TypeError: a JSONL line that is not a JSON object.
        FileNotFoundError: nothing at the path, or no file of that split in it.

    Examples:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "train.jsonl").write_text('{"prompt": "Habari?", "answer": "Nzuri."}')
        >>> load_split(folder)
        [{'prompt': 'Habari?', 'answer': 'Nzuri.'}]

    Taught in notebooks/04_instruction_finetuning.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    path = _resolve(Path(path_or_dir), split)
    if path.suffix == ".parquet":
        rows = pq.read_table(path).to_pylist()
        if rows:
            _check_columns(rows[0], split, str(path))
        return rows
    if path.suffix != ".jsonl":
        raise ValueError(f"{path}: expected a .jsonl or .parquet file")
    rows = []
    for lineno, row in iter_jsonl(path):
        if not isinstance(row, dict):
            raise TypeError(f"{path}:{lineno}: expected a JSON object, got {type(row).__name__}")
        _check_columns(row, split, f"{path}:{lineno}")
        rows.append(row)
    return rows
