"""A room crowd's Potato project, written from the task design (pure file writing).

``write_room`` turns a :class:`ProjectSpec` and its task dicts into a Potato
project folder: ``config.yaml``, the item data, optional attention checks and
gold items (the spec's exam and control items, for questions with options),
an optional training phase, and ``room.json`` (our own metadata, read back by
:func:`room_export.export`). Login is a plain nickname (no passwords): a room
starts at once.

Layout under the room's ``workdir``: ``<kind>/`` for the first round,
``<kind>-round<k>/`` for re-collection rounds (``kind``: the project kind).

Every item carries ``text``, an HTML rendering of its fields with everything
escaped (Potato renders ``text`` as HTML), and the raw fields exactly as
written; those reach the browser inside a JSON ``<script>``, which
``potato_safe`` escapes.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import yaml

from ..atomic import atomic_write_json, atomic_write_text
from ..jsonl import write_jsonl
from ..records import renamed_keys
from .backend import BackendError, check_tasks
from .design_spec import ProjectSpec, TrainingItem
from .instructions import bilingual_instructions, item_html, label_with_english

logger = logging.getLogger(__name__)

ROOM_FILE = "room.json"
CHOICE_KINDS = ("binary", "likert5", "choice")
ATTENTION_PREFIX = "attention-"
GOLD_PREFIX = "gold-"


class RoomError(BackendError):
    """A room that cannot be written, served or read; the message says what to change."""


def room_dir(workdir: str | Path, kind: str, round: int = 0) -> Path:
    """The Potato project folder for project ``kind`` and re-collection ``round``.

    Args:
        workdir: The room's working folder (the backend's ``workdir``).
        kind: The project kind (``answers``, ``validation``, ...).
        round: 0 for the first round, k >= 1 for the k-th re-collection.

    Returns:
        ``workdir/<kind>`` for round 0, else ``workdir/<kind>-round<k>``.

    Examples:
        >>> room_dir("rooms", "answers", 2).as_posix()
        'rooms/answers-round2'
    """
    return Path(workdir) / (kind if round == 0 else f"{kind}-round{round}")


def _scheme(spec: ProjectSpec, q, required: bool) -> dict:
    scheme = {"name": q.name, "description": label_with_english(spec, q.label)}
    if q.kind == "text":
        scheme.update(annotation_type="text", multiline=True, rows=6)
        if q.min_length:
            scheme["min_chars"] = int(q.min_length)
        return scheme
    labels = [
        {"name": str(value), "displayed_label": label_with_english(spec, text)}
        for value, text in q.options
    ]
    scheme.update(
        annotation_type="radio",
        labels=labels,
        humanize_labels=False,
        label_requirement={"required": bool(q.required and required)},
    )
    return scheme


def _row(spec: ProjectSpec, task_id: str, item: dict) -> dict:
    """One Potato data row: escaped display HTML plus the raw input fields, unchanged."""
    raw = {f.name: item[f.name] for f in spec.input_fields if item.get(f.name) not in (None, "")}
    missing = [f.name for f in spec.input_fields if f.required and f.name not in raw]
    if missing:
        raise RoomError(
            f"task {task_id!r} lacks {', '.join(missing)}, which "
            f"{spec.private_name} shows to workers"
        )
    return {"id": task_id, "text": item_html(spec, raw), **raw}


def _checked_items(spec: ProjectSpec, given, default: list, prefix: str) -> list[TrainingItem]:
    """Known-answer items for checks: ``None`` means the spec's, ``False`` none."""
    if given is False:
        return []
    items = (
        default
        if given is None
        else [t if isinstance(t, TrainingItem) else TrainingItem(**t) for t in given]
    )
    graded = {q.name for q in spec.output_fields if q.kind in CHOICE_KINDS}
    usable = [t for t in items if graded & set(t.expected)]
    if given is not None and len(usable) < len(items):
        raise RoomError(
            f"{prefix}items need an expected answer to a question with options "
            f"({', '.join(sorted(graded)) or 'none in this project'})"
        )
    return usable


def _expected(spec: ProjectSpec, item: TrainingItem) -> dict:
    graded = {q.name for q in spec.output_fields if q.kind in CHOICE_KINDS}
    return {k: str(v) for k, v in item.expected.items() if k in graded}


def _checks(spec: ProjectSpec, folder: Path, attention: list, gold: list) -> dict:
    config = {}
    if attention:
        rows = [
            {**_row(spec, f"{ATTENTION_PREFIX}{i}", t.item), "expected_answer": _expected(spec, t)}
            for i, t in enumerate(attention)
        ]
        write_jsonl(folder / "data" / "attention.jsonl", rows)
        config["attention_checks"] = {
            "enabled": True,
            "items_file": "data/attention.jsonl",
            "frequency": 5,
            "failure_handling": {"warn_threshold": 1, "block_threshold": 3},
        }
    if gold:
        rows = [
            {
                **_row(spec, f"{GOLD_PREFIX}{i}", t.item),
                "gold_label": _expected(spec, t),
                "explanation": label_with_english(spec, t.feedback) if t.feedback else "",
            }
            for i, t in enumerate(gold)
        ]
        write_jsonl(folder / "data" / "gold.jsonl", rows)
        config["gold_standards"] = {
            "enabled": True,
            "items_file": "data/gold.jsonl",
            "mode": "mixed",
            "frequency": 7,
        }
    return config


def _training(spec: ProjectSpec, folder: Path) -> dict:
    items = _checked_items(spec, None, spec.training_items, "training ")
    if not items:
        raise RoomError(
            f"{spec.private_name} has no training items with options to grade "
            f"(free-text answers cannot be graded automatically); serve it "
            f"without --training and show the worked examples in the instructions"
        )
    rows = [
        {
            **_row(spec, f"training-{i}", t.item),
            "correct_answers": _expected(spec, t),
            "explanation": label_with_english(spec, t.feedback) if t.feedback else "",
        }
        for i, t in enumerate(items)
    ]
    path = folder / "data" / "training.json"
    atomic_write_json(path, {"training_instances": rows}, indent=1)
    return {"training": {"enabled": True, "data_file": "data/training.json", "allow_retry": True}}


def _assignment(overlap: int, reclaim_after_s: float, per_person: int | None) -> dict:
    """Potato's own settings for spreading items: least-annotated first, holds reclaimed.

    ``room_assign`` (in the server) tightens what Potato leaves open: no
    relaxed second pass, reclaim by inactivity, check items kept in place.
    """
    if reclaim_after_s <= 0:
        raise RoomError(f"reclaim_after_s must be > 0 seconds, got {reclaim_after_s}")
    settings = {
        "num_annotators_per_item": int(overlap),
        "assignment_strategy": "least_annotated",
        "instance_reclaim": {"enabled": True, "timeout_hours": float(reclaim_after_s) / 3600.0},
    }
    if per_person is not None:
        if per_person < 1:
            raise RoomError(f"per_person must be >= 1, got {per_person}")
        settings["max_annotations_per_user"] = int(per_person)
    return settings


def potato_config(
    spec: ProjectSpec,
    overlap: int,
    port: int,
    host: str,
    reclaim_after_s: float = 600.0,
    per_person: int | None = None,
    all_required: bool = False,
) -> dict:
    """The Potato settings for one room: items, questions, instructions, nickname login.

    Args:
        spec: the task design.
        overlap: people per item; each item gets exactly this many answers.
        port: TCP port.
        host: bind address.
        reclaim_after_s: an item held by someone who sent nothing for this
            long goes back to the pool.
        per_person: most items one person gets (Potato's
            ``max_annotations_per_user``); None: no limit.
        all_required: every question must be answered; by default only the
            first (helpfulness in Part II) is, to keep a live room moving.

    Returns:
        The settings dict ``write_room`` dumps as ``config.yaml``.

    Raises:
        RoomError: if ``overlap`` < 1 (or, via the assignment settings,
            ``reclaim_after_s`` <= 0 or ``per_person`` < 1).
    """
    if overlap < 1:
        raise RoomError(f"overlap must be >= 1, got {overlap}")
    main = spec.output_fields[0].name
    return {
        "annotation_task_name": label_with_english(spec, spec.title),
        "task_dir": ".",
        "output_annotation_dir": "annotation_output",
        "data_files": ["data/items.jsonl"],
        "item_properties": {"id_key": "id", "text_key": "text"},
        "annotation_schemes": [
            _scheme(spec, q, all_required or q.name == main) for q in spec.output_fields
        ],
        "annotation_instructions": bilingual_instructions(spec),
        "user_config": {"allow_all_users": True},
        "require_password": False,
        # Clicks, focus, scrolls and keys of attendees: not used by the kit, and
        # each one was a request; item timing is still recorded.
        "interaction_tracking": {"enabled": False},
        **_assignment(overlap, reclaim_after_s, per_person),
        "port": int(port),
        "host": host,
        "site_dir": "default",
    }


def write_room(
    kind: str,
    items: list[dict],
    workdir: str | Path,
    spec: ProjectSpec,
    port: int = 8000,
    host: str = "127.0.0.1",
    training: bool = False,
    gold=None,
    attention_checks=None,
    overlap: int = 3,
    round: int = 0,
    **assignment,
) -> Path:
    """Write the Potato project of project ``kind``; re-writing a room keeps its annotations.

    Args:
        kind: the project kind; must be ``spec.kind``.
        items: the task dicts (each with a unique ``task_id``).
        workdir: the room's working folder (the room lives in :func:`room_dir`).
        spec: the project.
        port: the port Potato serves on.
        host: the address Potato binds.
        training: add Potato's training phase (off by default, so a live room starts at once).
        gold: ``None`` takes the spec's control items (only for questions with options;
            a free-text room has none), ``False`` turns them off, a list gives your
            own ``TrainingItem``s.
        attention_checks: as ``gold``, from the spec's exam items.
        overlap: annotations per item.
        round: the re-collection round (its own folder).
        **assignment: ``reclaim_after_s``, ``per_person`` and ``all_required``
            (see :func:`potato_config`).

    Returns:
        The room's ``config.yaml``.

    Raises:
        RoomError: ``kind`` is not the spec's kind, or an item or check is malformed.
    """
    if kind != spec.kind:
        raise RoomError(f"kind {kind!r} does not match the spec's {spec.kind!r}")
    ids = check_tasks(items, where=f"{kind} items")
    folder = room_dir(workdir, kind, round)
    folder.mkdir(parents=True, exist_ok=True)
    rows = [_row(spec, task_id, item) for task_id, item in zip(ids, items)]
    write_jsonl(folder / "data" / "items.jsonl", rows)
    attention = _checked_items(spec, attention_checks, spec.exam_items, "attention-check ")
    gold_items = _checked_items(spec, gold, spec.control_items, "gold ")
    config = potato_config(spec, overlap, port, host, **assignment)
    config.update(_checks(spec, folder, attention, gold_items))
    if training:
        config.update(_training(spec, folder))
    path = folder / "config.yaml"
    atomic_write_text(path, yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    meta = _room_meta(spec, round, overlap, ids, len(attention), len(gold_items), training)
    meta.update(assignment=assignment, spec=spec.to_dict())
    atomic_write_json(folder / ROOM_FILE, meta, indent=1)
    logger.info("%s", room_summary(meta))
    return path


def _room_meta(
    spec: ProjectSpec,
    round: int,
    overlap: int,
    item_ids: list[str],
    n_attention: int,
    n_gold: int,
    training: bool,
) -> dict:
    """What ``room.json`` records about a room besides its spec and assignment settings.

    Examples:
        >>> from tutorial_lib.crowd.design import validation_project
        >>> meta = _room_meta(validation_project(), 0, 3, ["a-1"], 2, 1, False)
        >>> meta["kind"], meta["attention_ids"], meta["gold_ids"]
        ('validation', ['attention-0', 'attention-1'], ['gold-0'])
    """
    return {
        "kind": spec.kind,
        "round": round,
        "overlap": int(overlap),
        "item_ids": item_ids,
        "attention_ids": [f"{ATTENTION_PREFIX}{i}" for i in range(n_attention)],
        "gold_ids": [f"{GOLD_PREFIX}{i}" for i in range(n_gold)],
        "training": bool(training),
    }


def room_summary(meta: dict) -> str:
    """One line saying what a room holds, from its ``room.json`` metadata.

    Args:
        meta: as :func:`write_room` records it (or :func:`read_room` returns it).

    Returns:
        A line for the log.

    Examples:
        >>> from tutorial_lib.crowd.design import validation_project
        >>> room_summary(_room_meta(validation_project(), 0, 3, ["a-1", "a-2"], 2, 1, True))
        'room validation (round 0): 2 items, overlap 3, 2 attention checks, 1 gold items, training on'
    """
    return (
        f"room {meta['kind']} (round {meta['round']}): {len(meta['item_ids'])} items, "
        f"overlap {meta['overlap']}, {len(meta['attention_ids'])} attention checks, "
        f"{len(meta['gold_ids'])} gold items" + (", training on" if meta["training"] else "")
    )


def read_room(folder: str | Path) -> dict:
    """A room folder's metadata (``room.json``), with the spec rebuilt.

    Args:
        folder: the room's folder (see :func:`room_dir`).

    Returns:
        The metadata :func:`write_room` recorded; a room written before the
        project kind was renamed (``stage`` in its ``room.json``) reads as ``kind``.

    Raises:
        RoomError: the folder holds no room.
    """
    path = Path(folder) / ROOM_FILE
    if not path.exists():
        raise RoomError(f"{path}: no room here (write one with write_room or `room serve`)")
    meta = renamed_keys(json.loads(path.read_text(encoding="utf-8")), {"stage": "kind"})
    meta["spec"] = ProjectSpec.from_dict(meta["spec"])
    return meta


def find_rooms(workdir: str | Path) -> list[Path]:
    """Every room folder under ``workdir`` (all kinds and rounds), in a stable order.

    Args:
        workdir: The room's working folder; only its direct subfolders that
            hold a ``room.json`` count.

    Returns:
        The folders, sorted by path (so round 0 of a kind precedes its rounds).
    """
    return sorted(p.parent for p in Path(workdir).glob(f"*/{ROOM_FILE}"))
