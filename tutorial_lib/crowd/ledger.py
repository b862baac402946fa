"""The money ledger of a run: every launch, extra request, verdict and reset, append-only.

It lives in the run's ``crowd/`` folder (``crowd/ledger.jsonl``), next to the
backend's own state, and ``--force`` never wipes it. Collection reads it before
spending anything, so a rerun, a forced stage, a restarted notebook or a
process that crashed mid-launch reuses what was already launched instead of
paying for the same task and round twice. ``cost.json`` is its sum.

Events (one JSON object per line; ``event`` says which):

* ``project``: ``kind``, ``project_id``, ``private_name``, ``backend``.
* ``launch``: tasks added to a project: ``kind``, ``project_id``, ``round``,
  ``task_ids``, ``overlap``, ``cost_usd``, ``backend``, ``operation_ids`` (and
  ``extra`` when known tasks were raised to a higher ``overlap``).
* ``more``: more assignments on known tasks (extra votes, re-collection):
  as ``launch`` plus ``step`` (dynamic-overlap step, ``None`` for a plain
  request) and ``base`` (assignments per task in the sink when asked).
* ``complete``: a dynamic-overlap loop finished for ``task_ids`` in ``round``.
* ``verdict``: a verdict applied on the backend (a :class:`~tutorial_lib.records.Decision`).
* ``reset``: the simulated crowd's state was thrown away (``backend: simulated``);
  its earlier events no longer count. Paid backends are never reset.

``kind`` is the crowd project kind (``answers``, ``validation``, ``ranking``).
Ledgers written before it was renamed call it ``stage`` (and a verdict's id
``answer_id``); :meth:`Ledger.events` reads them under today's names.

Written before the backend call it describes: a crash in between leaves a
request recorded but not sent (charged, never paid twice) rather than sent twice.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from ..jsonl import append_jsonl, read_jsonl
from ..provenance import utc_now
from ..records import Decision, from_dict, renamed_keys, to_dict

LEDGER_FILE = "ledger.jsonl"
OLD_KEYS = {"stage": "kind", "answer_id": "assignment_id"}  # older ledgers' key -> today's


class Ledger:
    """Append-only JSONL of what a run launched, paid and decided on its crowd backend.

    Args:
        path: the ledger file (a run keeps it at ``crowd/ledger.jsonl``).
        backend: the backend name stamped on new events; queries see only this
            backend's events (a simulated rehearsal never counts against Toloka money).

    Examples:
        >>> import tempfile, pathlib
        >>> ledger = Ledger(pathlib.Path(tempfile.mkdtemp()) / "ledger.jsonl", backend="simulated")
        >>> _ = ledger.record("launch", kind="answers", project_id="p1", round=0,
        ...                   task_ids=["a", "b"], overlap=2, cost_usd=1.3)
        >>> ledger.launched("p1"), ledger.spent_usd()
        ({'a': 2, 'b': 2}, 1.3)
    """

    def __init__(self, path: str | os.PathLike, backend: str | None = None):
        self.path = Path(path)
        self.backend = backend

    def __repr__(self) -> str:
        return f"Ledger({str(self.path)!r}, backend={self.backend!r})"

    # --- reading -----------------------------------------------------------------------
    def events(self, event: str | None = None) -> list[dict]:
        """This backend's events since its last reset, optionally of one ``event`` only.

        Args:
            event: ``launch``, ``more``, ``project``, ... (``None``: all).

        Returns:
            The events, oldest first, with older ledgers' keys read as today's.
        """
        rows = (
            [renamed_keys(r, OLD_KEYS) for r in read_jsonl(self.path)] if self.path.exists() else []
        )
        mine = [r for r in rows if self.backend is None or r.get("backend") == self.backend]
        last_reset = max((i for i, r in enumerate(mine) if r.get("event") == "reset"), default=-1)
        return [r for r in mine[last_reset + 1 :] if event is None or r.get("event") == event]

    def spent_usd(self, kinds: tuple[str, ...] | None = None) -> float:
        """What launches and extra requests charged, in USD: the run's crowd bill so far.

        Args:
            kinds: project kinds to count (e.g. ``("answers", "validation")``);
                ``None`` counts every kind.

        Returns:
            The sum of ``cost_usd`` over ``launch`` and ``more`` events, added exactly
            (as decimals) so cents do not drift.
        """
        total = sum(
            (
                Decimal(str(r.get("cost_usd", 0)))
                for r in self.events()
                if r.get("event") in ("launch", "more")
                and (kinds is None or r.get("kind") in kinds)
            ),
            Decimal(0),
        )
        return float(total)

    def launched(self, project_id: str) -> dict[str, int]:
        """What a project already launched, so a rerun adds only what is missing.

        Args:
            project_id: the backend's project id.

        Returns:
            Task id -> the highest overlap launched for it.
        """
        out: dict[str, int] = {}
        for r in self.events("launch"):
            if r.get("project_id") == project_id:
                for task_id in r["task_ids"]:
                    out[task_id] = max(out.get(task_id, 0), int(r["overlap"]))
        return out

    def requested(self, project_id: str, round: int | None, step: int | None) -> set[str]:
        """Task ids already given more assignments in this project, round and step.

        Args:
            project_id: the backend's project id.
            round: the collection round (``None`` outside rounds).
            step: the dynamic-overlap step (``None`` for a plain request).

        Returns:
            The task ids, so the same request is never paid twice.
        """
        return {
            t
            for r in self.events("more")
            if r.get("project_id") == project_id
            and r.get("round") == round
            and r.get("step") == step
            for t in r["task_ids"]
        }

    def steps_done(self, project_id: str, round: int | None, task_ids: set[str]) -> int:
        """Where a dynamic-overlap loop resumes after a restart.

        Args:
            project_id: the backend's project id.
            round: the collection round.
            task_ids: the loop's tasks; a step counts when it asked for more on any of them.

        Returns:
            The next step number: one past the highest step recorded, 0 when none was.
        """
        steps = [
            r["step"]
            for r in self.events("more")
            if r.get("project_id") == project_id
            and r.get("round") == round
            and r.get("step") is not None
            and task_ids & set(r["task_ids"])
        ]
        return max(steps) + 1 if steps else 0

    def completed(self, kind: str, round: int | None) -> set[str]:
        """Task ids whose dynamic-overlap loop already finished in ``round``.

        Args:
            kind: the project kind (``answers``, ``validation``, ``ranking``).
            round: the collection round.

        Returns:
            The task ids of every ``complete`` event of that kind and round.
        """
        return {
            t
            for r in self.events("complete")
            if r.get("kind") == kind and r.get("round") == round
            for t in r["task_ids"]
        }

    def projects(self, kind: str) -> list[str]:
        """Project ids recorded for project ``kind``, oldest first.

        Args:
            kind: the project kind (``answers``, ``validation``, ``ranking``).

        Returns:
            The ids, as :meth:`record_project` wrote them.
        """
        return [r["project_id"] for r in self.events("project") if r.get("kind") == kind]

    def verdicts(self) -> dict[str, Decision]:
        """Verdicts already applied on the backend, so none is sent twice.

        Returns:
            The answer's assignment id -> its :class:`~tutorial_lib.records.Decision`;
            when an id was decided twice, the first verdict wins (the platform kept it).
        """
        out: dict[str, Decision] = {}
        for r in self.events("verdict"):
            body = {k: v for k, v in r.items() if k not in ("event", "backend", "at")}
            out.setdefault(body["assignment_id"], from_dict(Decision, body, str(self.path)))
        return out

    # --- writing -----------------------------------------------------------------------
    def record(self, event: str, **fields) -> dict:
        """Append one event, stamped with the backend and the time (UTC).

        Args:
            event: the event name (``project``, ``launch``, ``more``, ``complete``,
                ``verdict``, ``reset``; see the module docstring).
            **fields: the event's fields; they must be JSON-serialisable.

        Returns:
            The row as written.
        """
        row = {"event": event, "backend": self.backend, "at": utc_now(), **fields}
        append_jsonl(self.path, [row])
        return row

    def record_project(self, kind: str, project_id: str, private_name: str) -> None:
        """Remember which project holds a kind's work (once per project).

        Args:
            kind: the project kind.
            project_id: the backend's project id.
            private_name: the name a rerun finds the project by.
        """
        if project_id not in self.projects(kind):
            self.record("project", kind=kind, project_id=project_id, private_name=private_name)

    def record_verdict(self, decision: Decision) -> None:
        """Record a verdict right after it was applied on the backend.

        Args:
            decision: the verdict; its ``assignment_id`` is the key :meth:`verdicts` reads.
        """
        self.record("verdict", **to_dict(decision))


def run_ledger(crowd_dir: str | os.PathLike, backend: str) -> Ledger:
    """The ledger of a run whose crowd state lives in ``crowd_dir``.

    Args:
        crowd_dir: the run's ``crowd/`` folder.
        backend: the backend name (``simulated``, ``toloka``, ``room``); the ledger
            counts only this backend's events.

    Returns:
        The :class:`Ledger` at ``crowd_dir/ledger.jsonl``.
    """
    return Ledger(Path(crowd_dir) / LEDGER_FILE, backend=backend)


def sink_ledger(sink: str | os.PathLike, backend: str | None = None) -> Ledger:
    """A ledger beside a sink, for collection outside a run directory (notebooks, tests).

    Args:
        sink: the JSONL file collection writes assignments to.
        backend: the backend name; ``None`` reads every backend's events.

    Returns:
        The :class:`Ledger` at ``.<sink name>.ledger.jsonl`` in the sink's folder.

    Examples:
        >>> sink_ledger("work/answers.jsonl").path.as_posix()
        'work/.answers.jsonl.ledger.jsonl'
    """
    sink = Path(sink)
    return Ledger(sink.with_name(f".{sink.name}.ledger.jsonl"), backend=backend)
