"""Read crowd result files (crowd-kit or Toloka export layout, CSV or TSV) into one frame.

Two layouts are understood:

- crowd-kit: ``task, worker, label`` (or ``task, worker, text``; pairwise
  ``worker, left, right, label``);
- Toloka's export: ``INPUT:*`` columns (the task is their value),
  ``OUTPUT:*`` (the answer) and ``ASSIGNMENT:worker_id``.

Parsing goes through the kit's one tabular reader
(:func:`tutorial_lib.data.readers.read_table`), so quoted fields may hold line
breaks (as CrowdSpeech's transcriptions do), every value is kept as text (an
answer reading "NA" or "007" is not turned into a missing value or a number),
and errors name the file and the line where the row starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..data.readers import RawRow, read_table
from ..errors import TutorialLibError
from ..records import RecordError

TOLOKA_WORKER = "ASSIGNMENT:worker_id"


class CrowdFileError(TutorialLibError, ValueError):
    """A crowd file that cannot be read as asked; the message names file, line and columns."""


@dataclass
class ColumnMap:
    """Which file columns hold the task, the worker and the answer."""

    task: str | list[str]
    worker: str
    answer: str


def _read_rows(path: Path, sep: str | None) -> tuple[list[str], list[RawRow]]:
    """Header and rows through the kit's one tabular reader (:func:`~tutorial_lib.data.readers.read_table`)."""
    if sep:
        sep = "\t" if sep in ("\\t", "tab", "TAB") else sep
    try:
        table = read_table(path, sep)
    except RecordError as err:
        raise CrowdFileError(str(err)) from None
    if not table.columns:
        raise CrowdFileError(f"{path}: empty file (no header line)")
    if not table.rows:
        raise CrowdFileError(f"{path}: header only, no answers")
    return table.columns, table.rows


def pick_columns(
    header: list[str],
    path: Path,
    answer_kind: str,
    task_col: str | None = None,
    worker_col: str | None = None,
    label_col: str | None = None,
) -> ColumnMap:
    """Decide which columns to use; overrides first, then crowd-kit, then Toloka names."""
    found = ", ".join(header)

    def need(name: str, flag: str) -> str:
        if name not in header:
            raise CrowdFileError(f"{path}: no column {name!r} ({flag}); columns found: {found}")
        return name

    inputs = [h for h in header if h.startswith("INPUT:")]
    outputs = [h for h in header if h.startswith("OUTPUT:")]
    if task_col:
        task: str | list[str] = need(task_col, "--task-col")
    elif "task" in header:
        task = "task"
    elif inputs:
        task = inputs
    else:
        raise CrowdFileError(
            f"{path}: no task column ('task' or INPUT:*); columns found: {found}; "
            "name one with --task-col"
        )
    if worker_col:
        worker = need(worker_col, "--worker-col")
    else:
        worker = next((c for c in ("worker", TOLOKA_WORKER) if c in header), "")
        if not worker:
            raise CrowdFileError(
                f"{path}: no worker column ('worker' or {TOLOKA_WORKER}); "
                f"columns found: {found}; name one with --worker-col"
            )
    if label_col:
        answer = need(label_col, "--label-col")
    elif answer_kind in header:
        answer = answer_kind
    elif len(outputs) == 1:
        answer = outputs[0]
    else:
        what = (
            f"several OUTPUT columns ({', '.join(outputs)})"
            if outputs
            else f"no '{answer_kind}' column"
        )
        raise CrowdFileError(f"{path}: {what}; columns found: {found}; pick one with --label-col")
    return ColumnMap(task, worker, answer)


def read_crowd_file(
    path: str | os.PathLike,
    answer_kind: str = "label",
    *,
    task_col: str | None = None,
    worker_col: str | None = None,
    label_col: str | None = None,
    sep: str | None = None,
) -> pd.DataFrame:
    """A ``task, worker, <answer_kind>`` frame (all text) from a crowd-kit or Toloka file.

    ``answer_kind`` is ``label`` or ``text``. Several ``INPUT:*`` columns
    make one task key (values joined by `` | ``).
    """
    path = Path(path)
    if not path.exists():
        raise CrowdFileError(f"{path}: no such file")
    header, rows = _read_rows(path, sep)
    cols = pick_columns(header, path, answer_kind, task_col, worker_col, label_col)
    task_cols = cols.task if isinstance(cols.task, list) else [cols.task]
    records = []
    for raw in rows:
        row, where = raw.data, raw.where
        task = " | ".join(row[c] for c in task_cols)
        worker, answer = row[cols.worker], row[cols.answer]
        for name, value in (("task", task), ("worker", worker)):
            if not value.strip():
                raise CrowdFileError(f"{where}: empty {name} value")
        if answer_kind == "label" and not answer.strip():
            raise CrowdFileError(f"{where}: empty label in column {cols.answer!r}")
        records.append((task, worker, answer))
    return pd.DataFrame(records, columns=["task", "worker", answer_kind])


def read_pairwise_file(path: str | os.PathLike, *, sep: str | None = None) -> pd.DataFrame:
    """A ``worker, left, right, label`` frame (label = the winning item) from CSV/TSV."""
    path = Path(path)
    if not path.exists():
        raise CrowdFileError(f"{path}: no such file")
    header, rows = _read_rows(path, sep)
    missing = [c for c in ("worker", "left", "right", "label") if c not in header]
    if missing:
        raise CrowdFileError(
            f"{path}: pairwise votes need column(s) {', '.join(missing)}; "
            f"columns found: {', '.join(header)}"
        )
    out = []
    for raw in rows:
        rec = {c: raw.data[c] for c in ("worker", "left", "right", "label")}
        if rec["label"] not in (rec["left"], rec["right"]):
            raise CrowdFileError(f"{raw.where}: label {rec['label']!r} is neither left nor right")
        out.append(rec)
    return pd.DataFrame(out, columns=["worker", "left", "right", "label"])


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """A cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) gets a
    leading ``'`` so it shows as text (OWASP CSV injection); numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``frame`` as CSV with every formula-like text cell neutralised."""
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object:
            safe[col] = safe[col].map(neutralise_formula)
    safe.columns = [neutralise_formula(str(c)) for c in safe.columns]
    safe.to_csv(path, index=False)
    return Path(path)
