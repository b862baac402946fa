"""The room crowd: a presenter's Potato server, behind the common crowd lifecycle.

For a live tutorial (or a pilot before Prolific): attendees open a URL, type a
nickname, and answer Part I prompts or judge Part II answers. Public pieces:
:func:`write_room` (Potato project from the task design), :func:`serve`
(start Potato through the XSS-fixing wrapper), :func:`export` (annotations
back as records), and :class:`RoomBackend`, which drives them like any other
backend. A room pays nobody, so accept/reject decisions are recorded in
``decisions.jsonl``; re-collection serves the chosen items again as a new
round.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from pathlib import Path

from ..atomic import atomic_write_json
from ..jsonl import append_jsonl, read_jsonl
from ..records import Assignment
from .backend import CrowdBackend, Progress, check_comment, check_tasks
from .design_spec import ProjectSpec
from .room_config import RoomError, find_rooms, read_room, room_dir, write_room
from .room_export import DECISIONS_FILE, export, load_decisions, over_collected
from .room_join import join_text, show_join  # noqa: F401
from .room_server import require_potato, room_url, serve, stop, wait_ready  # noqa: F401
from .secrets import workdir_salt

logger = logging.getLogger(__name__)


class RoomBackend(CrowdBackend):
    """Rooms under one ``workdir``; the project id is its kind (``answers``, ``validation``).

    :meth:`open` starts Potato on ``host:port`` and :meth:`close` stops it;
    with ``autostart=False`` the presenter serves it with ``tutorial-lib room serve``.
    ``assignment`` goes to :func:`write_room` (``reclaim_after_s``,
    ``per_person``, ``all_required``). Served on ``0.0.0.0``, :meth:`open`
    shows the LAN URL and a QR code to scan.
    """

    name = "room"

    def __init__(
        self,
        workdir: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        training: bool = False,
        autostart: bool = True,
        salt: str | None = None,
        **assignment,
    ):
        self.workdir = Path(workdir)
        self.assignment = assignment
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.host, self.port, self.training, self.autostart = host, int(port), training, autostart
        self.salt = salt or workdir_salt(self.workdir)
        self._servers: dict[str, object] = {}

    def __repr__(self) -> str:
        return f"RoomBackend(workdir={str(self.workdir)!r}, url={room_url(self.host, self.port)!r})"

    # -- state ----------------------------------------------------------------
    def _spec_file(self, kind: str) -> Path:
        return self.workdir / f"{kind}.spec.json"

    def _saved_spec(self, kind: str) -> ProjectSpec:
        path = self._spec_file(kind)
        if not path.exists():
            raise RoomError(f"no {kind!r} room in {self.workdir}; call create_project(spec)")
        return ProjectSpec.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def _rounds(self, kind: str) -> list[dict]:
        return sorted(
            (read_room(f) for f in find_rooms(self.workdir) if read_room(f)["kind"] == kind),
            key=lambda m: m["round"],
        )

    def _items(self, kind: str, round: int = 0) -> dict[str, dict]:
        path = room_dir(self.workdir, kind, round) / "data" / "items.jsonl"
        if not path.exists():
            return {}
        rows = read_jsonl(path)
        return {str(r["id"]): {k: v for k, v in r.items() if k not in ("id", "text")} for r in rows}

    # -- lifecycle ------------------------------------------------------------
    def create_project(self, spec: ProjectSpec) -> str:
        """Remember the design for ``spec.kind``; an existing room of that kind is reused.

        The spec is saved as ``<workdir>/<kind>.spec.json`` so a later process
        (``room serve``, a rerun of the stage) builds the same room.

        Args:
            spec: The task design; ``spec.kind`` names the room and
                ``spec.private_name`` tells two designs apart.

        Returns:
            The project id, which for a room is ``spec.kind``.

        Raises:
            RoomError: if the workdir already holds a room of this kind for a
                different design (another ``private_name``).
        """
        path = self._spec_file(spec.kind)
        if path.exists() and self._saved_spec(spec.kind).private_name != spec.private_name:
            raise RoomError(
                f"{self.workdir} already has a {spec.kind} room for "
                f"{self._saved_spec(spec.kind).private_name}; use another workdir"
            )
        atomic_write_json(path, spec.to_dict())
        return spec.kind

    def add_tasks(self, project_id: str, tasks: list[dict], overlap: int) -> int:
        """Add items to the first round (known task ids are kept as they are).

        Rewrites round 0's Potato project with the known items plus the new
        ones; a running server keeps serving the old list until reopened.

        Args:
            project_id: The room kind returned by :meth:`create_project`.
            tasks: Task dicts, each with a unique ``task_id`` (see
                :class:`~tutorial_lib.crowd.backend.CrowdBackend` for the keys
                of each kind).
            overlap: People wanted per item in this round.

        Returns:
            How many tasks were new (0 when every id was known already).

        Raises:
            RoomError: if :meth:`create_project` was not called for this kind.
            BackendError: if a task lacks a ``task_id`` or repeats one.
        """
        check_tasks(tasks)
        spec, known = self._saved_spec(project_id), self._items(project_id)
        new = [t for t in tasks if str(t["task_id"]) not in known]
        if not new:
            return 0
        merged = [{"task_id": k, **v} for k, v in known.items()] + new
        write_room(
            project_id,
            merged,
            self.workdir,
            spec,
            self.port,
            self.host,
            training=self.training,
            overlap=overlap,
            **self.assignment,
        )
        if project_id in self._servers:
            logger.warning(
                "room %s is running: restart it (close, open) to serve the new items", project_id
            )
        return len(new)

    def open(self, project_id: str) -> None:
        """Start the latest round's server when ``autostart``; otherwise say how to.

        Idempotent: a server this backend started and that still runs is kept.
        On ``0.0.0.0`` it also shows the LAN join URL and QR code.

        Args:
            project_id: The room kind to serve.

        Raises:
            RoomError: if the room has no items yet, or Potato did not come up
                (the half-started server is stopped first).
        """
        rounds = self._rounds(project_id)
        if not rounds:
            raise RoomError(f"the {project_id} room has no items yet; call add_tasks first")
        latest = room_dir(self.workdir, project_id, rounds[-1]["round"])
        config = latest / "config.yaml"
        if not self.autostart:
            logger.info("serve the room with: tutorial-lib room serve (config %s)", config)
            return
        if project_id in self._servers and self._servers[project_id].poll() is None:
            return
        proc = serve(config, self.host, self.port)
        self._servers[project_id] = proc
        try:
            url = wait_ready(proc, config, self.host, self.port)
        except RoomError:
            self.close(project_id)
            raise
        logger.info("room %s open at %s", project_id, url)
        if self.host in ("", "0.0.0.0"):
            show_join(url)

    def close(self, project_id: str) -> None:
        """Stop the room's server if this backend started it (a no-op otherwise).

        Args:
            project_id: The room kind whose server to stop.
        """
        stop(self._servers.pop(project_id, None))

    def progress(self, project_id: str) -> Progress:
        """Answers in against items x overlap.

        An item counts at most its overlap, so extra answers on one item never
        make the room look done while another still waits; over-collected
        items are logged (they stay in :meth:`fetch`).

        Args:
            project_id: The room kind, summed over all its rounds.

        Returns:
            ``Progress(total=items x overlap per round, submitted=capped count)``.
        """
        rounds = self._rounds(project_id)
        total = sum(len(m["item_ids"]) * m["overlap"] for m in rounds)
        records = self.fetch(project_id)
        over = over_collected(self.workdir, records) if records else {}
        if over:
            logger.warning(
                "room %s: %d item(s) over their overlap: %s",
                project_id,
                len(over),
                ", ".join(f"{k} ({n})" for k, n in list(over.items())[:5]),
            )
        overlap = {m["round"]: m["overlap"] for m in rounds}
        counts = Counter((r.round, r.task_id) for r in records)
        return Progress(
            total=total,
            submitted=sum(min(n, overlap.get(rnd, n)) for (rnd, _), n in counts.items()),
        )

    def fetch(self, project_id: str) -> list[Assignment]:
        """All exported answers of this kind (attention/gold and stray rows dropped).

        Args:
            project_id: The room kind (``answers``, ``validation``, ...).

        Returns:
            Assignments of every round, worker ids pseudonymised with this
            backend's salt, statuses from ``decisions.jsonl``; empty when no
            room was written yet.
        """
        if not find_rooms(self.workdir):
            return []
        return [r for r in export(self.workdir, salt=self.salt) if r.kind == project_id]

    # -- decisions ------------------------------------------------------------
    def _decide(self, assignment_id: str, status: str, comment: str) -> None:
        current = load_decisions(self.workdir).get(assignment_id)
        if current and current["status"] == status:
            return  # recorded already: deciding twice changes nothing
        append_jsonl(
            self.workdir / DECISIONS_FILE,
            [
                {
                    "assignment_id": assignment_id,
                    "status": status,
                    "comment": comment,
                    "decided_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                }
            ],
        )

    def accept(self, assignment_id: str, comment: str = "") -> None:
        """Record an acceptance in ``decisions.jsonl`` (a room pays nobody).

        Args:
            assignment_id: The answer's id, as in :meth:`fetch`.
            comment: Optional note kept with the decision.
        """
        self._decide(assignment_id, "accepted", comment)

    def reject(self, assignment_id: str, comment: str) -> None:
        """Record a rejection and its reason in ``decisions.jsonl``.

        Args:
            assignment_id: The answer's id, as in :meth:`fetch`.
            comment: Why, in words the attendee would understand; required.

        Raises:
            BackendError: if ``comment`` is empty.
        """
        self._decide(assignment_id, "rejected", check_comment(comment))

    def raise_overlap(self, project_id: str, task_ids: list[str], extra: int = 1) -> None:
        """Serve ``task_ids`` again as a new round with ``extra`` people each.

        Idempotent: the same set of tasks already waiting in an unfinished
        round is not queued a second time. The new round has no gold or
        attention items; a running server is restarted to serve it.

        Args:
            project_id: The room kind.
            task_ids: Items to serve again; each must already be in the room.
            extra: More people wanted per item (the new round's overlap).

        Raises:
            RoomError: if a task id is not in the room.
        """
        wanted = sorted(map(str, task_ids))
        known = self._items(project_id)
        unknown = [t for t in wanted if t not in known]
        if unknown:
            raise RoomError(f"{project_id} room has no task(s) {', '.join(unknown[:5])}")
        rounds = self._rounds(project_id)
        done = {(r.round, r.task_id) for r in self.fetch(project_id)}
        for meta in rounds[1:]:
            pending = sum(1 for t in meta["item_ids"] if (meta["round"], t) not in done)
            if sorted(meta["item_ids"]) == wanted and pending:
                return
        rnd = rounds[-1]["round"] + 1
        items = [{"task_id": t, **known[t]} for t in wanted]
        write_room(
            project_id,
            items,
            self.workdir,
            self._saved_spec(project_id),
            self.port,
            self.host,
            gold=False,
            attention_checks=False,
            overlap=extra,
            round=rnd,
            **self.assignment,
        )
        logger.info(
            "room %s round %d: %d task(s) re-served to %d more people each",
            project_id,
            rnd,
            len(items),
            extra,
        )
        if project_id in self._servers:
            self.close(project_id)
            self.open(project_id)
