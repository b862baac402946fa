"""A crowd project's JSONL sink: what is already collected, waiting for work, appending only what is new.

The sink is the collected record of a crowd project kind; appending only
assignment ids it lacks is what lets an interrupted collection resume without
counting anything twice.

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from tqdm.auto import tqdm

from ..jsonl import append_jsonl, read_jsonl
from ..records import Assignment
from .backend import BackendError, CrowdBackend

logger = logging.getLogger(__name__)

__all__ = ["append_new", "read_sink", "wait_for_work"]


def read_sink(sink: str | os.PathLike, kind: str | None = None) -> list[Assignment]:
    """Assignments already in ``sink``, optionally of one project kind.

    Args:
        sink: the JSONL file (may not exist yet).
        kind: keep only this kind (``None``: all).

    Returns:
        The assignments, in file order; none when the file does not exist yet.

    Examples:
        >>> read_sink("no/such/sink.jsonl")
        []
    """
    sink = Path(sink)
    rows = read_jsonl(sink, Assignment) if sink.exists() else []
    return [a for a in rows if kind is None or a.kind == kind]


def wait_for_work(
    backend: CrowdBackend, project_id: str, timeout_s: float | None, poll_s: float, desc: str
) -> bool:
    """Poll until every assignment is in or ``timeout_s`` passes, with a progress bar.

    Args:
        backend: the crowd backend (its ``clock`` is a test's emulated clock or the wall clock).
        project_id: the project to watch.
        timeout_s: give up waiting after this long (``None``: wait until complete).
        poll_s: seconds between progress polls.
        desc: the progress bar's label.

    Returns:
        True when every assignment is in; False on timeout (a rerun continues).
    """
    clock = backend.clock  # a test's emulated clock, or the wall clock
    start, prog = clock.monotonic(), backend.progress(project_id)
    with tqdm(total=prog.total, desc=desc, disable=prog.done) as bar:
        while True:
            bar.total, bar.n = prog.total, prog.submitted
            bar.refresh()
            if prog.done:
                return True
            if timeout_s is not None and clock.monotonic() - start >= timeout_s:
                logger.warning(
                    "%s: %d of %d assignments in after %.0f s; fetching what is there, "
                    "re-run to continue",
                    desc,
                    prog.submitted,
                    prog.total,
                    timeout_s,
                )
                return False
            clock.sleep(poll_s)
            prog = backend.progress(project_id)


def append_new(
    backend: CrowdBackend,
    project_id: str,
    sink: Path,
    kind: str,
    round: int | None,
    only: set[str] | None = None,
) -> list[Assignment]:
    """Fetch the project's assignments and append those the sink lacks.

    Args:
        backend: the crowd backend holding the project.
        project_id: the project to fetch.
        sink: the JSONL file of this kind's assignments.
        kind: the project kind every fetched assignment must have.
        round: stamped on the new assignments when given.
        only: keep only assignments of these task ids (``None``: all).

    Returns:
        The assignments appended now.

    Raises:
        BackendError: the project returned another kind's assignments (a mixed-up sink).
    """
    seen = {a.assignment_id for a in read_sink(sink)}
    new = [
        a
        for a in backend.fetch(project_id)
        if a.assignment_id not in seen and (only is None or a.task_id in only)
    ]
    wrong = [a.assignment_id for a in new if a.kind != kind]
    if wrong:
        raise BackendError(
            f"project {project_id} returned {len(wrong)} non-{kind} "
            f"assignment(s), e.g. {wrong[0]}; is the sink {sink} mixed up?"
        )
    for a in new:
        a.round = a.round if round is None else round
    append_jsonl(sink, new)
    logger.info("%s: %d new assignment(s) appended to %s", kind, len(new), sink)
    return new
