"""Training data for seq2seq fine-tuning: reading the splits, the instruction format, tokenising.

The curated dataset is read from wherever the user has it (a run directory, a
JSONL/Parquet/JSON file, or rows in memory) and checked strictly: an empty
split or a missing column stops with the file and the columns that *were*
found. Every row is kept; answers longer than ``max_target_length`` are
truncated for training and *counted*, so the user sees what the model never
learnt to say. Padding and batching live in ``batching.py``.

Taught in notebooks/04_instruction_finetuning.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import TutorialLibError
from ..instruction import model_input
from ..jsonl import iter_jsonl
from ..records import RecordError
from ..rundir import STAGE_DIRS

logger = logging.getLogger(__name__)

STAGE_FOLDER = STAGE_DIRS["dataset"]  # a run directory's dataset folder
SUFFIXES = (".jsonl", ".parquet", ".json")
LENGTH_COLUMNS = ("source_length", "target_length")


class DataError(TutorialLibError, ValueError):
    """Training data that cannot be used; the message names the file (and row) and why."""


def split_path(source: str | Path, split: str) -> Path:
    """The file holding ``split`` for a run directory, a ``05_dataset`` folder or a file.

    A folder is searched for ``{split}.jsonl``, ``.parquet`` then ``.json``, first
    in its dataset stage folder, then in the folder itself.

    Args:
        source: a run directory, a dataset folder, or the split's file itself
            (returned as it is).
        split: ``"train"`` or ``"heldout"``.

    Returns:
        The path of the split's file.

    Raises:
        FileNotFoundError: if ``source`` does not exist, or is a folder without
            the split (the message says to run the dataset stage first).
    """
    path = Path(source)
    if path.is_file():
        return path
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: no such file or folder (expected a run directory or a "
            f".jsonl/.parquet/.json file)"
        )
    for folder in (path / STAGE_FOLDER, path):
        for suffix in SUFFIXES:
            if (folder / f"{split}{suffix}").exists():
                return folder / f"{split}{suffix}"
    raise FileNotFoundError(
        f"{path} is a folder without {STAGE_FOLDER}/{split}.jsonl; run the dataset stage first "
        f"(tutorial-lib run --stage dataset --out {path}) or pass the {split} file itself"
    )


def _read_file(path: Path) -> list[tuple[str, dict]]:
    """Rows of a file as ``(where, row)``, where = ``file:line`` or ``file row N``."""
    if path.suffix == ".jsonl":
        return [(f"{path}:{line}", row) for line, row in iter_jsonl(path)]
    if path.suffix == ".parquet":
        import pandas as pd

        frame = pd.read_parquet(path)
        return [
            (f"{path} row {i + 1}", _plain(row)) for i, row in enumerate(frame.to_dict("records"))
        ]
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise DataError(f"{path}:{err.lineno}: invalid JSON ({err.msg})") from None
        if not isinstance(data, list):
            raise DataError(f"{path}: expected a JSON array of objects, got {type(data).__name__}")
        return [(f"{path} item {i + 1}", row) for i, row in enumerate(data)]
    raise DataError(f"{path}: unsupported file type {path.suffix!r}; use .jsonl, .parquet or .json")


def _plain(row: dict) -> dict:
    """Parquet gives numpy arrays for list columns; turn them back into lists."""
    return {
        k: (v.tolist() if hasattr(v, "tolist") and not isinstance(v, str) else v)
        for k, v in row.items()
    }


def read_split(
    source: str | Path | Sequence[dict], split: str
) -> tuple[list[tuple[str, dict]], str]:
    """Rows of one split with where each came from, and a name for the source.

    Args:
        source: a run directory (its curated ``05_dataset/{split}.jsonl``), a
            ``.jsonl``/``.parquet``/``.json`` file, or an iterable of dicts.
        split: ``"train"`` or ``"heldout"``; it picks the file in a folder.

    Returns:
        ``(rows, name)``: ``rows`` are ``(where, row)`` pairs, ``where`` being
        ``file:line``, ``file row N`` or ``split rows[i]`` for error messages;
        ``name`` names the file or says the rows were in memory.

    Raises:
        DataError: if ``source`` is none of those kinds, or a file is unreadable
            (invalid JSON, not an array, an unsupported suffix).
        FileNotFoundError: via :func:`split_path`, when no file holds the split.

    Examples:
        >>> read_split([{"prompt": "Habari?", "answer": "Nzuri."}], "train")
        ([('train rows[0]', {'prompt': 'Habari?', 'answer': 'Nzuri.'})], 'train rows (in memory)')
    """
    if isinstance(source, (str, Path)):
        path = split_path(source, split)
        return _read_file(path), str(path)
    if isinstance(source, Iterable) and not isinstance(source, (bytes, dict)):
        rows = list(source)
        return [
            (f"{split} rows[{i}]", row) for i, row in enumerate(rows)
        ], f"{split} rows (in memory)"
    raise DataError(
        f"{split} data must be a run directory, a file or a list of dicts, "
        f"got {type(source).__name__}"
    )


def _target(row: dict, split: str) -> Any:
    if split == "train" or "references" not in row:
        return row.get("answer")
    refs = row["references"]
    return refs[0] if isinstance(refs, list) and refs else None


def to_pairs(rows: list[tuple[str, dict]], split: str, source_name: str) -> list[tuple[str, str]]:
    """``(model input, target)`` per row, each row checked; nothing is dropped silently.

    Training uses ``answer``; held-out rows use ``references[0]`` (else
    ``answer``). The model input joins ``prompt`` and an optional ``context``.

    Args:
        rows: ``(where, row)`` pairs from :func:`read_split`.
        split: ``"train"`` or ``"heldout"``; it picks the target column.
        source_name: the source's name, for the empty-split message.

    Returns:
        One ``(model input, target)`` per row, the target stripped of outer spaces.

    Raises:
        DataError: if the split is empty, a row is not an object, lacks
            ``prompt`` or its target column, or either is empty or not text; the
            message names the row's place and the columns found.

    Examples:
        >>> to_pairs([("x.jsonl:1", {"prompt": "Habari?", "answer": " Nzuri. "})], "train", "x")
        [('Habari?', 'Nzuri.')]
        >>> to_pairs([("x.jsonl:1", {"prompt": "Habari?"})], "train", "x")
        Traceback (most recent call last):
        tutorial_lib.finetune.data.DataError: x.jsonl:1: train rows need columns ...
    """
    if not rows:
        raise DataError(f"the {split} split is empty: {source_name} has no rows")
    target_col = "answer" if split == "train" else "references (or answer)"
    pairs = []
    for where, row in rows:
        if not isinstance(row, dict):
            raise DataError(
                f"{where}: expected an object with prompt and {target_col}, "
                f"got {type(row).__name__}"
            )
        has_target = "answer" in row or (split != "train" and "references" in row)
        if "prompt" not in row or not has_target:
            raise DataError(
                f"{where}: {split} rows need columns 'prompt' and {target_col!r}; "
                f"found columns {sorted(row)}"
            )
        source, target = row["prompt"], _target(row, split)
        for name, value in (("prompt", source), (target_col, target)):
            if not isinstance(value, str) or not value.strip():
                raise DataError(f"{where}: {name} is empty or not text ({value!r:.60})")
        pairs.append((model_input(row["prompt"], row.get("context")), target.strip()))
    return pairs


def load_pairs(source, split: str) -> tuple[list[tuple[str, str]], str]:
    """Read and check one split: :func:`read_split` then :func:`to_pairs`.

    Args:
        source: a run directory, a split file, or rows in memory.
        split: ``"train"`` or ``"heldout"``.

    Returns:
        ``(pairs, name)``: the ``(model input, target)`` pairs and the source's name.

    Raises:
        DataError: if a JSONL line cannot be read (the reader's error, re-raised
            as a data error) or the rows fail :func:`to_pairs`'s checks.
    """
    try:
        rows, name = read_split(source, split)
    except RecordError as err:
        raise DataError(str(err)) from None
    return to_pairs(rows, split, name), name


@dataclass
class EncodedSplit:
    """A tokenised split and what tokenising it did."""

    dataset: Any  # datasets.Dataset with input_ids, attention_mask, labels, length
    n_rows: int
    n_truncated_sources: int
    n_truncated_targets: int
    real_tokens: int


def warn_truncated(n_sources: int, n_targets: int, n_rows: int, split: str) -> None:
    """Log one warning per truncated side, shared by both model families' encoders.

    Args:
        n_sources: prompts cut to ``finetune.max_source_length``.
        n_targets: answers cut to ``finetune.max_target_length``.
        n_rows: rows in the split, for "N of M".
        split: the split's name.
    """
    for count, what, limit in (
        (n_targets, "answers", "max_target_length"),
        (n_sources, "prompts", "max_source_length"),
    ):
        if count:
            logger.warning(
                "%d of %d %s %s were longer than finetune.%s tokens and were truncated "
                "(raise it to keep them whole)",
                count,
                n_rows,
                split,
                what,
                limit,
            )


def _clip(ids: list[int], limit: int, eos: int | None) -> list[int]:
    if len(ids) <= limit:
        return ids
    return ids[: limit - 1] + [eos] if eos is not None else ids[:limit]


def encode_pairs(
    tokenizer,
    pairs: list[tuple[str, str]],
    max_source_length: int,
    max_target_length: int,
    split: str = "train",
) -> EncodedSplit:
    """Tokenise without padding, truncate to the limits (keeping ``</s>``) and count truncations.

    Args:
        tokenizer: the seq2seq model's tokenizer (it appends ``</s>``).
        pairs: ``(model input, target)`` texts.
        max_source_length: the most tokens kept of an input, ``</s>`` last.
        max_target_length: the most tokens kept of a target, ``</s>`` last.
        split: the split's name, for the truncation warning.

    Returns:
        An :class:`EncodedSplit`: the ``datasets.Dataset`` (``input_ids``,
        ``attention_mask``, ``labels`` and the length columns the sampler
        reads), the row count, how many inputs and targets were cut, and the
        real (unpadded) token count of both sides.
    """
    import datasets

    sources = tokenizer([s for s, _ in pairs])["input_ids"]
    targets = tokenizer(text_target=[t for _, t in pairs])["input_ids"]
    eos = tokenizer.eos_token_id
    n_src = sum(len(ids) > max_source_length for ids in sources)
    n_tgt = sum(len(ids) > max_target_length for ids in targets)
    sources = [_clip(ids, max_source_length, eos) for ids in sources]
    targets = [_clip(ids, max_target_length, eos) for ids in targets]
    warn_truncated(n_src, n_tgt, len(pairs), split)
    dataset = datasets.Dataset.from_dict(
        {
            "input_ids": sources,
            "attention_mask": [[1] * len(s) for s in sources],
            "labels": targets,
            LENGTH_COLUMNS[0]: [len(s) for s in sources],
            LENGTH_COLUMNS[1]: [len(t) for t in targets],
        }
    )
    real = sum(map(len, sources)) + sum(map(len, targets))
    return EncodedSplit(dataset, len(pairs), n_src, n_tgt, real)
