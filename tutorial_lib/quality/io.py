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


def _need(header: list[str], path: Path, name: str, flag: str) -> str:
    """``name`` when the header has it, else an error naming the flag and the columns found."""
    if name not in header:
        raise CrowdFileError(
            f"{path}: no column {name!r} ({flag}); columns found: {', '.join(header)}"
        )
    return name


def _task_column(header: list[str], path: Path, task_col: str | None) -> str | list[str]:
    """The override, else ``task``, else every ``INPUT:*`` column (Toloka's task key)."""
    if task_col:
        return _need(header, path, task_col, "--task-col")
    if "task" in header:
        return "task"
    inputs = [h for h in header if h.startswith("INPUT:")]
    if inputs:
        return inputs
    raise CrowdFileError(
        f"{path}: no task column ('task' or INPUT:*); columns found: {', '.join(header)}; "
        "name one with --task-col"
    )


def _answer_column(header: list[str], path: Path, answer_kind: str, label_col: str | None) -> str:
    """The override, else the column named ``answer_kind``, else the one ``OUTPUT:*`` column."""
    if label_col:
        return _need(header, path, label_col, "--label-col")
    if answer_kind in header:
        return answer_kind
    outputs = [h for h in header if h.startswith("OUTPUT:")]
    if len(outputs) == 1:
        return outputs[0]
    what = (
        f"several OUTPUT columns ({', '.join(outputs)})"
        if outputs
        else f"no '{answer_kind}' column"
    )
    raise CrowdFileError(
        f"{path}: {what}; columns found: {', '.join(header)}; pick one with --label-col"
    )


def pick_columns(
    header: list[str],
    path: Path,
    answer_kind: str,
    task_col: str | None = None,
    worker_col: str | None = None,
    label_col: str | None = None,
) -> ColumnMap:
    """Decide which columns to use; overrides first, then crowd-kit, then Toloka names.

    Args:
        header: the file's column names.
        path: the file, for messages.
        answer_kind: ``"label"`` or ``"text"``: the crowd-kit column holding the answer.
        task_col: the column naming the task (``--task-col``); default ``task``,
            else every ``INPUT:*`` column together.
        worker_col: the column naming the worker (``--worker-col``); default
            ``worker``, else Toloka's ``ASSIGNMENT:worker_id``.
        label_col: the column holding the answer (``--label-col``); default the
            ``answer_kind`` column, else the only ``OUTPUT:*`` column.

    Returns:
        The columns to read; ``task`` is a list when several ``INPUT:*`` columns key a task.

    Raises:
        CrowdFileError: a named column is missing, or no column fits a role
            (or several ``OUTPUT:*`` do); the message lists the columns found
            and the flag that picks one.

    Examples:
        >>> cols = pick_columns(["INPUT:prompt", "OUTPUT:result", "ASSIGNMENT:worker_id"],
        ...                     Path("export.tsv"), "label")
        >>> cols.task, cols.worker, cols.answer
        (['INPUT:prompt'], 'ASSIGNMENT:worker_id', 'OUTPUT:result')
    """
    task = _task_column(header, path, task_col)
    if worker_col:
        worker = _need(header, path, worker_col, "--worker-col")
    else:
        worker = next((c for c in ("worker", TOLOKA_WORKER) if c in header), "")
        if not worker:
            raise CrowdFileError(
                f"{path}: no worker column ('worker' or {TOLOKA_WORKER}); "
                f"columns found: {', '.join(header)}; name one with --worker-col"
            )
    return ColumnMap(task, worker, _answer_column(header, path, answer_kind, label_col))


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

    Args:
        path: a CSV or TSV file in crowd-kit or Toloka export layout.
        answer_kind: ``"label"`` (a class; empty cells are errors) or ``"text"``
            (free text; empty answers are kept, they are what a worker sent).
        task_col: the task column, when not the default (see :func:`pick_columns`).
        worker_col: the worker column, when not the default.
        label_col: the answer column, when not the default.
        sep: the field separator (``"tab"`` or ``"\\t"`` for a tab); None: by
            extension, else sniffed.

    Returns:
        One row per answer, every value a string. Several ``INPUT:*`` columns
        make one task key, their values joined by `` | ``.

    Raises:
        CrowdFileError: no such file, an empty file, no usable columns, or an
            empty task, worker or label (the message names file and line).

    Examples:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "votes.csv"
        >>> _ = path.write_text("task,worker,label\\nt1,w1,NA\\nt1,w2,007\\n")
        >>> read_crowd_file(path)["label"].tolist()  # text stays text
        ['NA', '007']
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
    """A ``worker, left, right, label`` frame (label = the winning item) from CSV/TSV.

    Args:
        path: a CSV or TSV file with ``worker``, ``left``, ``right`` and ``label`` columns.
        sep: the field separator; None: by extension, else sniffed.

    Returns:
        One row per vote, every value a string; other columns are dropped.

    Raises:
        CrowdFileError: no such file, an empty file, a missing column, or a
            winner that is neither the left nor the right item (names the line).
    """
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
    leading ``'`` so it shows as text (OWASP CSV injection); numbers are left as they are.

    Crowd text is untrusted: ``=HYPERLINK(...)`` typed as an answer must not
    run when a teacher opens the result in a spreadsheet.

    Args:
        value: one cell; only strings are changed.

    Returns:
        The value, with ``'`` prepended when it starts like a formula (or with a tab or CR).

    Examples:
        >>> neutralise_formula("=1+1"), neutralise_formula("-5"), neutralise_formula(-5)
        ("'=1+1", "'-5", -5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``frame`` as CSV with every formula-like text cell neutralised.

    Args:
        frame: the table to write; text columns and column names are
            neutralised (:func:`neutralise_formula`), numbers are left as they are.
        path: the CSV file to write (replaced if it exists); the folder must exist.

    Returns:
        ``path`` as a ``Path``.
    """
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object:
            safe[col] = safe[col].map(neutralise_formula)
    safe.columns = [neutralise_formula(str(c)) for c in safe.columns]
    safe.to_csv(path, index=False)
    return Path(path)
