"""Read a room's Potato annotations back as the kit's common assignment records.

Potato keeps each person's work in ``annotation_output/<user>/user_state.json``
(labels per item) and ``annotation_history.jsonl`` (timestamps). Potato
2.12.1 also stores annotations for items that were never assigned to that
person, or that do not exist, and attention checks and gold items sit among
the real ones. :func:`export` keeps only real items in the person's queue,
and counts and logs every row it drops, with the reason, so nothing vanishes
silently. Worker nicknames are pseudonymised with the run's secret salt.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from pathlib import Path

from ..jsonl import iter_jsonl, read_jsonl, write_jsonl
from ..records import Assignment, RecordError
from .backend import pseudonymise
from .room_config import RoomError, find_rooms, read_room
from .secrets import workdir_salt

logger = logging.getLogger(__name__)

DECISIONS_FILE = "decisions.jsonl"


def _history(user_dir: Path) -> dict[str, list[dt.datetime]]:
    """Timestamps of every action per item, from Potato's annotation history."""
    out: dict[str, list[dt.datetime]] = {}
    path = user_dir / "annotation_history.jsonl"
    if not path.exists():
        return out
    for lineno, row in iter_jsonl(path):
        try:
            out.setdefault(str(row["instance_id"]), []).append(
                dt.datetime.fromisoformat(row["timestamp"])
            )
        except (ValueError, KeyError, TypeError) as err:
            raise RecordError(f"{path}:{lineno}: unreadable history row ({err})") from None
    return out


def _values(labels: list) -> dict[str, object]:
    """``{schema: value}`` from Potato's ``[[{"schema", "name"}, value], ...]`` pairs."""
    out = {}
    for pair in labels or []:
        try:
            key, value = pair
            schema, name = key["schema"], key["name"]
        except (TypeError, ValueError, KeyError):
            continue
        out[schema] = (name, value)
    return out


def _parse(spec, values: dict) -> tuple[str | None, int | None, dict] | None:
    """(answer, label, extra) for the spec's questions; None when the main one is unanswered."""
    main, *others = spec.output_fields

    def choice(q):
        name, value = values[q.name]
        return int(name) if str(name).lstrip("-").isdigit() else int(value)

    if main.name not in values:
        return None
    if main.kind == "text":
        answer, label = str(values[main.name][1]), None
    else:
        answer, label = None, choice(main)
    extra = {
        q.name: choice(q) if q.kind != "text" else str(values[q.name][1])
        for q in others
        if q.name in values
    }
    return answer, label, extra


def _durations(history: dict[str, list[dt.datetime]]) -> dict[str, tuple[dt.datetime, float]]:
    """Per item: when it was last saved, and the time since the person's previous item."""
    order = sorted(history, key=lambda i: max(history[i]))
    out, previous = {}, None
    for iid in order:
        first, last = min(history[iid]), max(history[iid])
        start = previous if previous is not None and previous < first else first
        out[iid] = (last, max((last - start).total_seconds(), 0.0))
        previous = last
    return out


def _room_records(folder: Path, salt: str, dropped: Counter) -> list[Assignment]:
    meta = read_room(folder)
    spec, kind, rnd = meta["spec"], meta["kind"], meta["round"]
    items, checks = set(meta["item_ids"]), set(meta["attention_ids"]) | set(meta["gold_ids"])
    out = []
    for state_path in sorted((folder / "annotation_output").glob("*/user_state.json")):
        state = json.loads(state_path.read_text(encoding="utf-8"))
        user = str(state.get("user_id") or state_path.parent.name)
        assigned = {str(i) for i in state.get("instance_id_ordering", [])}
        timing = _durations(_history(state_path.parent))
        for page in (state.get("phase_to_page_to_label_to_value") or {}).values():
            dropped["posted outside the annotation phase"] += sum(1 for v in page.values() if v)
        for iid, labels in (state.get("instance_id_to_label_to_value") or {}).items():
            iid = str(iid)
            reason = (
                "attention check or gold item"
                if iid in checks
                else "no such item"
                if iid not in items
                else "item never assigned to this person"
                if iid not in assigned
                else None
            )
            parsed = None if reason else _parse(spec, _values(labels))
            if reason is None and parsed is None:
                reason = "main question unanswered"
            if reason:
                dropped[reason] += 1
                continue
            answer, label, extra = parsed
            worker = pseudonymise(user, salt)
            when, duration = timing.get(
                iid, (dt.datetime.fromtimestamp(state_path.stat().st_mtime), 0.0)
            )
            out.append(
                Assignment(
                    assignment_id=f"room:{kind}:{rnd}:{iid}:{worker}",
                    task_id=iid,
                    worker_id=worker,
                    kind=kind,
                    backend="room",
                    submitted_at=when.isoformat(),
                    duration_s=duration,
                    answer=answer,
                    label=label,
                    round=rnd,
                    extra=extra,
                )
            )
    return out


def over_collected(workdir: str | Path, records: list[Assignment]) -> dict[str, int]:
    """Items that got more answers than their room's overlap: ``{"kind/round/task": count}``.

    Empty when the room held its overlap (the assignment guard's promise).
    Each round is checked against its own overlap.

    Args:
        workdir: The room's working folder (every room under it is read).
        records: Exported assignments, as :func:`export` returns them.

    Returns:
        ``{"<kind>/<round>/<task_id>": answers}`` for the items over their
        overlap, sorted by key.
    """
    overlap = {
        (m["kind"], m["round"]): m["overlap"] for m in (read_room(f) for f in find_rooms(workdir))
    }
    counts = Counter((r.kind, r.round, r.task_id) for r in records)
    return {
        f"{kind}/{rnd}/{task}": n
        for (kind, rnd, task), n in sorted(counts.items())
        if n > overlap.get((kind, rnd), n)
    }


def load_decisions(workdir: str | Path) -> dict[str, dict]:
    """The latest accept/reject per assignment id (a room records them, nobody is paid).

    Args:
        workdir: The room's working folder holding ``decisions.jsonl``.

    Returns:
        ``{assignment_id: {"assignment_id", "status", "comment", "decided_at"}}``,
        a later row for the same id replacing an earlier one; empty when
        nothing was decided yet.
    """
    path = Path(workdir) / DECISIONS_FILE
    if not path.exists():
        return {}
    return {row["assignment_id"]: row for row in read_jsonl(path)}


def export(
    workdir: str | Path, out_jsonl: str | Path | None = None, salt: str | None = None
) -> list[Assignment]:
    """Every real answer in every room under ``workdir`` as records; writes ``out_jsonl``.

    Drops (and logs, with counts per reason) attention checks, gold items,
    items that do not exist or were never assigned to that person, and
    unanswered items. Accept/reject decisions recorded for the room are applied.
    Items answered more often than their overlap are kept and reported
    (see :func:`over_collected`).

    Args:
        workdir: The room's working folder (all kinds and rounds are read).
        out_jsonl: Also write the records here as JSON lines; ``None``: don't.
        salt: Secret for pseudonymising nicknames; ``None`` takes the
            workdir's own salt, so the same person keeps the same id.

    Returns:
        The assignments, room by room, with decided statuses applied.

    Raises:
        RoomError: if ``workdir`` holds no room.
    """
    folders = find_rooms(workdir)
    if not folders:
        raise RoomError(f"{workdir}: no rooms found (serve one with `tutorial-lib room serve`)")
    salt = salt or workdir_salt(workdir)
    dropped: Counter = Counter()
    records = [r for folder in folders for r in _room_records(folder, salt, dropped)]
    decisions = load_decisions(workdir)
    for record in records:
        decision = decisions.get(record.assignment_id)
        if decision:
            record.status, record.comment = decision["status"], decision.get("comment", "")
    for reason, n in sorted(dropped.items()):
        logger.warning("room export dropped %d row(s): %s", n, reason)
    over = over_collected(workdir, records)
    if over:
        logger.warning(
            "room export: %d item(s) got more answers than their overlap "
            "(kept, nothing dropped): %s",
            len(over),
            ", ".join(f"{k} ({n})" for k, n in list(over.items())[:5]),
        )
    logger.info("room export: %d assignments from %d room(s)", len(records), len(folders))
    if out_jsonl is not None:
        write_jsonl(out_jsonl, records)
    return records
