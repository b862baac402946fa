"""What every aggregator checks before fitting: columns, empty cells, label spellings, repeats.

Crowd files are written by people and platforms: a label may be ``1`` in one
row and ``1.0`` or `` 1`` in the next, a worker may submit twice, a column may
be missing. These checks run once, before any crowd-kit model sees the data,
and turn each problem into one clear line (an error) or a note (a warning the
estimator logs and keeps in ``warnings_``). Nothing a worker gave is dropped
without a note.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import TutorialLibError

LABEL_COLUMNS = ("task", "worker", "label")


class AggregationError(TutorialLibError, ValueError):
    """Input that an aggregation method cannot use; the message says what is missing."""


def require_columns(data: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    """Check that ``data`` is a non-empty frame with ``columns`` and no empty cell in them.

    Args:
        data: the crowd rows.
        columns: the columns the method reads.
        what: the method's name, for the message.

    Raises:
        AggregationError: not a DataFrame, a missing column (the message lists
            what was found), no rows, or an empty cell (its 0-based row).

    Examples:
        >>> try:
        ...     require_columns(pd.DataFrame({"task": ["t1"]}), ("task", "label"), "mv")
        ... except AggregationError as err:
        ...     print(err)
        mv needs column(s) label; found task
    """
    if not isinstance(data, pd.DataFrame):
        raise AggregationError(f"{what} needs a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise AggregationError(
            f"{what} needs column(s) {', '.join(missing)}; found {', '.join(map(str, data.columns))}"
        )
    if data.empty:
        raise AggregationError(f"{what}: no rows to aggregate")
    nulls = [c for c in columns if data[c].isna().any()]
    if nulls:
        row = int(np.flatnonzero(data[nulls[0]].isna().to_numpy())[0])
        raise AggregationError(f"{what}: column {nulls[0]!r} is empty in row {row} (0-based)")


def normal_label(value: Any) -> Any:
    """One spelling per class: labels that read as numbers compare as numbers.

    Args:
        value: a label as read from a file or a record.

    Returns:
        An ``int`` for whole numbers, a ``float`` for other finite numbers,
        else the stripped text.

    Examples:
        >>> [normal_label(v) for v in ("1", " 1", "01", "1.0", 1.0, "0.5", " yes ")]
        [1, 1, 1, 1, 1, 0.5, 'yes']
    """
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if not np.isfinite(number):
        return text
    return int(number) if number.is_integer() else number


def clean_votes(frame: pd.DataFrame, what: str) -> tuple[pd.DataFrame, list[str]]:
    """Normalise labels and count a worker's repeated vote on a task once.

    Labels are stripped, and labels that read as numbers compare as numbers; a
    mix of numeric and non-numeric labels is refused, since no rule can say
    whether ``"1"`` and ``"yes"`` are one class.

    Args:
        frame: ``task, worker, label`` rows.
        what: the method's name, for messages.

    Returns:
        The cleaned rows (0-based index) and the notes saying what changed.

    Raises:
        AggregationError: numeric and non-numeric labels in one file.

    Examples:
        >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1"], "worker": ["a", "a", "b"],
        ...                       "label": ["1", "1.0", "0"]})
        >>> cleaned, notes = clean_votes(votes, "mv")
        >>> cleaned.label.tolist(), len(notes)
        ([1, 0], 2)
    """
    notes = []
    labels = frame["label"].map(normal_label)
    kinds = {isinstance(v, str) for v in labels}
    if kinds == {True, False}:
        text = sorted({v for v in labels if isinstance(v, str)})[:3]
        raise AggregationError(
            f"{what}: labels mix numbers and words (e.g. {', '.join(text)}); use one kind of label"
        )
    spellings = pd.DataFrame({"raw": frame["label"].astype(str), "norm": labels.astype(str)})
    merged = spellings.drop_duplicates().groupby("norm").size()
    if (merged > 1).any():  # "1", "1.0", " 1", "01": one class, compared as numbers
        examples = spellings.drop_duplicates()
        examples = examples[examples["norm"].isin(merged[merged > 1].index)]["raw"].tolist()[:4]
        notes.append(
            f"labels written differently but equal as numbers were merged "
            f"({', '.join(map(repr, examples))})"
        )
        frame = frame.assign(label=labels)
    repeated = frame.duplicated(["task", "worker"], keep="first")
    if repeated.any():
        notes.append(
            f"{int(repeated.sum())} repeated vote(s) (same worker, same task) counted "
            "once: the first one is kept"
        )
        frame = frame[~repeated]
    return frame.reset_index(drop=True), notes


def too_thin(frame: pd.DataFrame) -> str | None:
    """Why no model can learn worker skills from ``frame``, or None when it can.

    Args:
        frame: cleaned ``task, worker, label`` rows.

    Returns:
        ``"one worker gave every vote"``, ``"every task has a single vote"`` or None.
    """
    if frame["worker"].nunique() < 2:
        return "one worker gave every vote"
    if frame.groupby("task").size().max() < 2:
        return "every task has a single vote"
    return None
