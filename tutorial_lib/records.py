"""The shared schemas every stage reads and writes, and the row <-> record conversion.

Records are plain dataclasses so that tests, notebooks and every crowd backend
speak one language. Building one is strict: a bad row raises :class:`RecordError`
naming what is wrong (and, through :func:`from_dict`, where), never a silent
skip, because a dropped row is a worker's lost work. Text is NFC-normalised on
the way in so that the same Swahili word typed on two keyboards compares equal.
Reading and writing JSONL files of these records is :mod:`tutorial_lib.jsonl`.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import TutorialLibError

CATEGORIES = (
    "open_qa",
    "closed_qa",
    "brainstorming",
    "classification",
    "summarization",
    "creative_writing",
    "information_extraction",
    "general_qa",
)
KINDS = ("answers", "validation", "ranking")  # crowd project kinds (not pipeline stages)
BACKENDS = ("simulated", "toloka", "room", "widget")
STATUSES = ("submitted", "accepted", "rejected", "skipped", "expired")
VERDICTS = ("accept", "reject")
TRANSLATION_ORIGINS = ("human", "source", "machine")


class RecordError(TutorialLibError, ValueError):
    """A row that does not fit its schema; the message names file and line."""


def nfc(text: str) -> str:
    """Unicode NFC normal form, so equal-looking text compares equal.

    Two keyboards can type "é" as one code point or as "e" plus a combining
    accent; duplicate checks and overlap scores must not see two words.

    Args:
        text: any string.

    Returns:
        ``text`` with every composable sequence composed.

    Examples:
        >>> nfc("cafe\u0301") == "caf\u00e9", len(nfc("cafe\u0301"))
        (True, 4)
    """
    return unicodedata.normalize("NFC", text)


def _require_text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise RecordError(f"field '{name}' must be a string, got {type(value).__name__}")
    if not value.strip():
        raise RecordError(f"field '{name}' is empty or whitespace")
    return nfc(value)


def _require_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    choices = tuple(choices)
    if value not in choices:
        raise RecordError(f"field '{name}' is {value!r}; expected one of {', '.join(choices)}")
    return value


@dataclass
class Prompt:
    """One instruction prompt: English original, target-language text, references.

    ``translation_origin`` says who wrote ``prompt``: ``human`` (a translator),
    ``source`` (the data set was written in the language), or ``machine``
    (``translation_model`` names the model), so people can review MT output.
    """

    id: str
    category: str
    prompt: str
    prompt_en: str = ""
    references: list[str] = field(default_factory=list)
    lang: str = "sw"
    translation_origin: str = "human"
    translation_model: str = ""
    source: str = "seed"
    context: str = ""

    def __post_init__(self) -> None:
        self.id = _require_text(self.id, "id")
        self.category = _require_choice(self.category, "category", CATEGORIES)
        self.prompt = _require_text(self.prompt, "prompt")
        self.prompt_en = nfc(self.prompt_en or "")
        self.context = nfc(self.context or "")
        if not isinstance(self.references, list):
            raise RecordError("field 'references' must be a list of strings")
        self.references = [
            _require_text(r, f"references[{i}]") for i, r in enumerate(self.references)
        ]
        self.lang = _require_text(self.lang, "lang")
        self.translation_origin = _require_choice(
            self.translation_origin, "translation_origin", TRANSLATION_ORIGINS
        )


@dataclass
class Assignment:
    """One unit of crowd work from any backend: a written answer or a vote.

    ``kind`` is the crowd project it belongs to (``answers``, ``validation``,
    ``ranking``; files written before it was renamed call it ``stage``, and
    still load). ``task_id`` is the prompt id for ``answers``, the answered
    assignment's id for ``validation``, and a comparison id for ``ranking``. ``worker_id`` is
    always pseudonymised before it is stored. ``label`` holds the vote
    (1/0 helpful, or 1–5), ``answer`` the written text; ``extra`` carries
    optional questions (harmless, truthful) and platform fields.
    """

    assignment_id: str
    task_id: str
    worker_id: str
    kind: str
    backend: str
    submitted_at: str
    duration_s: float
    status: str = "submitted"
    answer: str | None = None
    label: int | None = None
    round: int = 0
    comment: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.assignment_id = _require_text(self.assignment_id, "assignment_id")
        self.task_id = _require_text(self.task_id, "task_id")
        self.worker_id = _require_text(self.worker_id, "worker_id")
        self.kind = _require_choice(self.kind, "kind", KINDS)
        self.backend = _require_choice(self.backend, "backend", BACKENDS)
        self.status = _require_choice(self.status, "status", STATUSES)
        if self.answer is not None:
            # Answers are kept exactly as written (NFC only): an empty answer is
            # still a worker's submission that quality control must see.
            self.answer = nfc(str(self.answer))
        if self.duration_s is None or float(self.duration_s) < 0:
            raise RecordError(f"field 'duration_s' must be >= 0, got {self.duration_s!r}")
        self.duration_s = float(self.duration_s)


@dataclass
class QCResult:
    """Quality-control verdict on one Part I answer before validation.

    ``reasons`` holds reason codes (``wrong_language``, ``too_short``,
    ``too_long``, ``copied_prompt``, ``near_duplicate``, ``fast_submission``,
    ``failed_control``, ``banned_worker``); an empty list means it passed.
    Flagged answers are kept with their reasons, never deleted. ``assignment_id``
    is the answer's (older files call it ``answer_id``, and still load).
    """

    assignment_id: str
    prompt_id: str
    worker_id: str
    passed: bool
    reasons: list[str] = field(default_factory=list)
    lang: str = ""
    lang_confidence: float = 0.0
    details: dict = field(default_factory=dict)


@dataclass
class Decision:
    """Post-acceptance verdict on one Part I answer, from Part II votes and QC.

    ``assignment_id`` is the answer's (older files call it ``answer_id``, and still load).
    """

    assignment_id: str
    prompt_id: str
    worker_id: str
    verdict: str
    score: float
    confidence: float
    votes: int
    reasons: list[str] = field(default_factory=list)
    round: int = 0
    comment: str = ""

    def __post_init__(self) -> None:
        self.verdict = _require_choice(self.verdict, "verdict", VERDICTS)


@dataclass
class RunManifest:
    """What a stage did: config, versions, seed, timings and row counts."""

    stage: str
    preset: str
    seed: int
    config: dict
    versions: dict
    started_at: str
    finished_at: str
    duration_s: float
    rows: dict
    outputs: list[str]
    notes: list[str] = field(default_factory=list)


R = TypeVar("R")
# Record class -> {field name in older files: today's name}; read both, write today's.
OLD_FIELD_NAMES = {
    "Assignment": {"stage": "kind"},
    "QCResult": {"answer_id": "assignment_id"},
    "Decision": {"answer_id": "assignment_id"},
}


def to_dict(record: Any) -> dict:
    """A record as a JSON-ready dict (the inverse of :func:`from_dict`).

    Args:
        record: any record dataclass (``Prompt``, ``Assignment``, ``Decision``...).

    Returns:
        Its fields by name, nested dataclasses and lists copied as plain values.

    Examples:
        >>> to_dict(Prompt(id="p1", category="open_qa", prompt="Habari?"))["prompt"]
        'Habari?'
    """
    return dataclasses.asdict(record)


def renamed_keys(row: dict, renames: dict[str, str]) -> dict:
    """``row`` with older key names replaced by today's, so files written before a rename load.

    A key is renamed only when today's name is not already there (a row with
    both keeps both, and the unknown one is reported as such).

    Args:
        row: one JSON object as read.
        renames: old key -> today's key.

    Returns:
        ``row`` itself when nothing needs renaming, else a renamed copy (same order).

    Examples:
        >>> renamed_keys({"answer_id": "a-1", "verdict": "accept"}, {"answer_id": "assignment_id"})
        {'assignment_id': 'a-1', 'verdict': 'accept'}
    """
    if not any(old in row and new not in row for old, new in renames.items()):
        return row
    return {renames.get(k, k) if renames.get(k) not in row else k: v for k, v in row.items()}


def from_dict(cls: type[R], row: dict, where: str = "") -> R:
    """Build ``cls`` from a dict; unknown or missing fields are errors naming ``where``.

    Field names older files used (:data:`OLD_FIELD_NAMES`) are read as today's.
    An unknown field is refused rather than dropped: it is usually a typo or a
    column mapped to the wrong name, and dropping it would lose what it holds.

    Args:
        cls: the record dataclass to build.
        row: one parsed JSON object.
        where: what the message names, e.g. ``"answers.jsonl:12"``; empty for nothing.

    Returns:
        The validated ``cls`` instance.

    Raises:
        RecordError: ``row`` is not a dict, misses a required field, has an unknown
            one, or a value fails the record's checks (the message starts with ``where``).

    Examples:
        >>> from_dict(Decision, {"answer_id": "a1", "prompt_id": "p1", "worker_id": "w1",
        ...     "verdict": "accept", "score": 0.9, "confidence": 0.95, "votes": 3}).assignment_id
        'a1'
        >>> from_dict(Prompt, {"id": "p1", "category": "open_qa"}, "seed.jsonl:4")
        Traceback (most recent call last):
        ...
        tutorial_lib.records.RecordError: seed.jsonl:4: missing field(s) prompt
    """
    prefix = f"{where}: " if where else ""
    if not isinstance(row, dict):
        raise RecordError(f"{prefix}expected a JSON object, got {type(row).__name__}")
    row = renamed_keys(row, OLD_FIELD_NAMES.get(cls.__name__, {}))
    names = {f.name for f in dataclasses.fields(cls)}
    required = {
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    missing = sorted(required - row.keys())
    if missing:
        raise RecordError(f"{prefix}missing field(s) {', '.join(missing)}")
    unknown = sorted(row.keys() - names)
    if unknown:
        raise RecordError(f"{prefix}unknown field(s) {', '.join(unknown)}")
    try:
        return cls(**row)
    except RecordError as err:
        raise RecordError(f"{prefix}{err}") from None
    except (TypeError, ValueError) as err:
        raise RecordError(f"{prefix}{err}") from None
