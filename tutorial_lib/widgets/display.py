"""Showing crowd records in a notebook: escaped tables, and saving an attendee's work once.

Crowd- and model-written text is untrusted: every cell is HTML-escaped. An
attendee's submission is stored like any crowd assignment, and submitting the
same task again replaces the row instead of adding one, so re-running a cell
creates nothing twice.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

from pathlib import Path

from ..jsonl import append_jsonl, read_jsonl, write_jsonl
from ..records import Assignment


def _truncate(value, max_chars: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def html_table(
    rows: list[dict], columns: list[str] | None = None, max_chars: int = 300, note: str = ""
) -> str:
    """An HTML table of ``rows`` with every cell escaped and long text cut with an ellipsis.

    Rendered from ``templates/table.html.j2`` with the kit's one escaping rule
    (:func:`tutorial_lib.render.nl2br`).

    Args:
        rows: one dict per row.
        columns: the columns to show, in order (default: the first row's keys).
        max_chars: longer cells are cut to this many characters, ending in "…".
        note: a line shown under the table (escaped too).

    Returns:
        The table as an HTML string.

    Examples:
        >>> page = html_table([{"answer": "<b>Ndiyo</b>\\nkabisa"}])
        >>> "&lt;b&gt;Ndiyo&lt;/b&gt;<br>kabisa</td>" in page and "<b>" not in page
        True
    """
    from ..render import render

    columns = columns or (list(rows[0]) if rows else [])
    cells = [[_truncate(r.get(c), max_chars) for c in columns] for r in rows]
    return render("table.html.j2", columns=columns, rows=cells, note=note)


def show_table(rows: list, columns: list[str] | None = None, limit: int = 10, max_chars: int = 300):
    """Display records (dataclasses or dicts) as an escaped table; returns an IPython ``HTML``.

    Args:
        rows: records (dataclasses or dicts).
        columns: the columns to show (default: all of the first row's).
        limit: show at most this many rows, and say how many there were.
        max_chars: longer cells are cut with an ellipsis.

    Returns:
        An ``IPython.display.HTML`` object; end a cell with it to show the table.

    Taught in notebooks/02_collecting_answers.
    """
    from dataclasses import asdict, is_dataclass

    from IPython.display import HTML

    dicts = [asdict(r) if is_dataclass(r) else dict(r) for r in rows[:limit]]
    note = f"{limit} of {len(rows)} rows shown" if len(rows) > limit else ""
    return HTML(html_table(dicts, columns, max_chars, note=note))


def save_assignment(sink: str | Path, record: Assignment) -> bool:
    """Store an attendee's assignment once: append it, or replace the row with its id.

    Re-running a notebook cell (or clicking submit twice) must not create a
    second assignment for the same task and worker, so a record whose
    ``assignment_id`` is already in ``sink`` replaces that row in place.

    Args:
        sink: the JSONL file of assignments; created on the first save.
        record: the assignment to store.

    Returns:
        True when a row with the same ``assignment_id`` was replaced, False when
        ``record`` was appended as a new row.

    Examples:
        >>> import tempfile
        >>> from tutorial_lib.records import Assignment
        >>> sink = Path(tempfile.mkdtemp()) / "answers.jsonl"
        >>> a = Assignment(assignment_id="a1", task_id="t1", worker_id="w", kind="answers",
        ...                backend="widget", submitted_at="", duration_s=1.0, answer="Ndiyo")
        >>> save_assignment(sink, a), save_assignment(sink, a)
        (False, True)
        >>> len(read_jsonl(sink, Assignment))
        1
    """
    sink = Path(sink)
    rows = read_jsonl(sink, Assignment) if sink.exists() else []
    ids = [r.assignment_id for r in rows]
    if record.assignment_id not in ids:
        append_jsonl(sink, [record])
        return False
    rows[ids.index(record.assignment_id)] = record
    write_jsonl(sink, rows)
    return True


def show_figure(fig, dpi: int = 100):
    """A figure as a PNG display object, shown exactly once on any matplotlib backend.

    Figures made through pyplot are also shown by Jupyter's inline backend at
    the end of the cell (a duplicate), and not at all under Agg; this closes
    the pyplot handle and returns the picture itself.

    Args:
        fig: a matplotlib ``Figure``; it is closed, so draw nothing more on it.
        dpi: resolution of the PNG in dots per inch.

    Returns:
        An ``IPython.display.Image`` holding the PNG; end a cell with it to show it.

    Taught in notebooks/05_hands_on_mt5.
    """
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return Image(data=buf.getvalue(), format="png")
