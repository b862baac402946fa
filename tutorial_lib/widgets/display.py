"""Showing crowd records in a notebook: escaped tables, and saving an attendee's work once.

Crowd- and model-written text is untrusted: every cell is HTML-escaped. An
attendee's submission is stored like any crowd assignment, and submitting the
same task again replaces the row instead of adding one, so re-running a cell
creates nothing twice.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..records import Assignment, append_jsonl, read_jsonl, write_jsonl


def html_table(rows: list[dict], columns: list[str] | None = None, max_chars: int = 300) -> str:
    """An HTML table of ``rows`` with every cell escaped and long text cut with an ellipsis."""
    columns = columns or (list(rows[0]) if rows else [])

    def cell(value) -> str:
        text = "" if value is None else str(value)
        text = text if len(text) <= max_chars else text[: max_chars - 1] + "…"
        return html.escape(text).replace("\n", "<br>")

    head = "".join(f"<th style='text-align:left'>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td style='text-align:left;vertical-align:top'>{cell(r.get(c))}</td>" for c in columns
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def show_table(rows: list, columns: list[str] | None = None, limit: int = 10, max_chars: int = 300):
    """Display records (dataclasses or dicts) as an escaped table; returns an IPython ``HTML``.

    Taught in notebooks/02_collecting_answers.
    """
    from dataclasses import asdict, is_dataclass

    from IPython.display import HTML

    dicts = [asdict(r) if is_dataclass(r) else dict(r) for r in rows[:limit]]
    note = f"<p><i>{limit} of {len(rows)} rows shown</i></p>" if len(rows) > limit else ""
    return HTML(html_table(dicts, columns, max_chars) + note)


def save_assignment(sink: str | Path, record: Assignment) -> bool:
    """Append ``record`` to ``sink``, or replace the row with the same id; True when replaced."""
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

    Taught in notebooks/05_hands_on_mt5.
    """
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return Image(data=buf.getvalue(), format="png")
