"""What a crowd task design is: plain data that every backend renders its own way.

A :class:`ProjectSpec` holds what the worker reads (instructions, examples,
question labels, in the target language and English), what they see (input
fields), what they produce (output questions), how they are trained and
examined, and how long a task takes (for pricing). Backends translate it: the
simulated crowd reads ``kind`` and the questions, Toloka builds a Template
Builder config from it, the room builds a Potato config, and
:func:`~tutorial_lib.crowd.instructions.render_html` shows a worker's-eye
preview. The kit's three projects are built in :mod:`tutorial_lib.crowd.design`,
which notebooks/01_crowdsourcing_basics teaches.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import NamedTuple

from ..errors import TutorialLibError
from ..records import KINDS

QUESTION_KINDS = ("text", "binary", "likert5", "choice")
SCALES = ("binary", "likert5")


class DesignError(TutorialLibError, ValueError):
    """A project spec that a backend could not render; the message names the field."""


class InputField(NamedTuple):
    """One item field shown to the worker: ``(name, type, label)``; label is lang -> text."""

    name: str
    type: str  # "string" | "integer" | "url"
    label: dict
    required: bool = True


@dataclass
class QuestionSpec:
    """One question the worker answers. ``options`` is a list of ``(value, {lang: label})``."""

    name: str
    kind: str
    label: dict
    required: bool = True
    options: list = field(default_factory=list)
    min_length: int = 0

    def __post_init__(self) -> None:
        if self.kind not in QUESTION_KINDS:
            raise DesignError(f"question {self.name!r}: kind {self.kind!r} not in {QUESTION_KINDS}")
        if self.kind != "text" and not self.options:
            raise DesignError(f"question {self.name!r} ({self.kind}) needs options")
        self.options = [(value, dict(label)) for value, label in self.options]

    @property
    def values(self) -> list:
        """The values a worker may choose (empty for free text)."""
        return [value for value, _ in self.options]


@dataclass
class Example:
    """A worked example in the instructions: an item, an output, and why it is good or bad."""

    item: dict
    output: dict
    good: bool
    explanation: dict


@dataclass
class TrainingItem:
    """A training, exam or control item: the expected output and feedback for mistakes.

    For free-text questions ``expected`` holds a model answer shown as
    feedback; it is not compared word for word (see :func:`grade_response`).
    """

    item: dict
    expected: dict
    feedback: dict = field(default_factory=dict)


@dataclass
class QuizItem:
    """A multiple-choice question on the instructions with one right option (``options``:
    ``(value, {lang: label})``). Toloka trains by exact match, so Part I trains with these."""

    item: dict
    question: dict
    options: list
    answer: str
    feedback: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.options = [(str(value), dict(label)) for value, label in self.options]
        if self.answer not in dict(self.options):
            raise DesignError(f"quiz {self.question.get('en', '')!r}: {self.answer!r} is no option")


@dataclass
class ProjectSpec:
    """Everything a backend needs to run one crowd project (pure data, JSON-ready).

    Texts are ``{lang: text}`` tables with at least ``"en"``; nested items may
    be given as dicts and are turned into their classes, then the whole spec
    is checked (:class:`DesignError` names the field at fault).

    Attributes:
        kind: The project kind (``answers``, ``validation``, ``ranking``).
        private_name: The name backends find an existing project by; a
            changed design needs a new one.
        title: Shown in the task list.
        description: One line under the title.
        instructions: The full instructions.
        input_fields: :class:`InputField` s: what the worker reads per item.
        output_fields: :class:`QuestionSpec` s: what the worker answers.
        examples: Worked :class:`Example` s in the instructions.
        training_items: Practice items with feedback.
        exam_items: Items of the entry exam; passing needs ``exam_pass_score``.
        exam_pass_score: Share of exam items to get right, in [0, 1].
        control_items: Gold items mixed into real work.
        quiz_items: Multiple-choice questions on the instructions.
        seconds_per_task: Expected time per task, which sets the pay.
        scale: ``binary`` or ``likert5`` for Part II votes, else ``None``.
        lang: The target language.
        ui: Interface strings by language (buttons, headings).
    """

    kind: str
    private_name: str
    title: dict
    description: dict
    instructions: dict
    input_fields: list
    output_fields: list
    examples: list = field(default_factory=list)
    training_items: list = field(default_factory=list)
    exam_items: list = field(default_factory=list)
    exam_pass_score: float = 0.8
    control_items: list = field(default_factory=list)
    quiz_items: list = field(default_factory=list)
    seconds_per_task: float = 60.0
    scale: str | None = None
    lang: str = "sw"
    ui: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.input_fields = [InputField(*f) for f in self.input_fields]
        self.output_fields = [
            q if isinstance(q, QuestionSpec) else QuestionSpec(**q) for q in self.output_fields
        ]
        self.examples = [e if isinstance(e, Example) else Example(**e) for e in self.examples]
        for name in ("training_items", "exam_items", "control_items"):
            setattr(
                self,
                name,
                [
                    t if isinstance(t, TrainingItem) else TrainingItem(**t)
                    for t in getattr(self, name)
                ],
            )
        self.quiz_items = [q if isinstance(q, QuizItem) else QuizItem(**q) for q in self.quiz_items]
        self._validate()

    def _validate(self) -> None:
        where = f"project {self.private_name!r}"
        if self.kind not in KINDS:
            raise DesignError(f"{where}: kind {self.kind!r} not in {KINDS}")
        if not self.private_name.strip():
            raise DesignError(f"{where}: private_name is empty")
        for name in ("title", "description", "instructions"):
            if "en" not in getattr(self, name):
                raise DesignError(f"{where}: {name} needs an 'en' text")
        if self.scale is not None and self.scale not in SCALES:
            raise DesignError(f"{where}: scale {self.scale!r} not in {SCALES}")
        if not 0.0 <= self.exam_pass_score <= 1.0:
            raise DesignError(f"{where}: exam_pass_score must be in [0, 1]")
        if self.seconds_per_task <= 0:
            raise DesignError(f"{where}: seconds_per_task must be > 0")
        names = [q.name for q in self.output_fields]
        if len(set(names)) != len(names) or not names:
            raise DesignError(f"{where}: output field names must be unique and non-empty: {names}")
        inputs = {f.name for f in self.input_fields}
        for group in ("training_items", "exam_items", "control_items"):
            for i, t in enumerate(getattr(self, group)):
                unknown = set(t.expected) - set(names)
                missing = {f.name for f in self.input_fields if f.required} - set(t.item)
                if unknown or missing or set(t.item) - inputs - {"task_id"}:
                    raise DesignError(
                        f"{where}: {group}[{i}] does not match the fields "
                        f"(unknown outputs {sorted(unknown)}, missing inputs "
                        f"{sorted(missing)})"
                    )

    def text(self, mapping: dict, lang: str) -> str:
        """``mapping[lang]``, falling back to English, so a half-translated spec still renders.

        Args:
            mapping: A ``{lang: text}`` table (a title, label, explanation...).
            lang: The language wanted.

        Returns:
            The text in ``lang``, else English, else any language, else ``""``.

        Examples:
            >>> from tutorial_lib.crowd.design import validation_project
            >>> spec = validation_project()
            >>> spec.text({"sw": "Habari", "en": "Hello"}, "sw"), spec.text({"en": "Hello"}, "sw")
            ('Habari', 'Hello')
        """
        return mapping.get(lang) or mapping.get("en") or next(iter(mapping.values()), "")

    def ui_text(self, key: str, lang: str) -> str:
        """A fixed interface string (button, heading) in ``lang``.

        Args:
            key: The string's key in the ``ui`` table (``submit``, ...).
            lang: The language wanted; English when ``lang`` lacks the key.

        Returns:
            The label; ``key`` itself when no language has it, so a missing
            translation shows up on screen instead of crashing a live room.

        Examples:
            >>> from tutorial_lib.crowd.design import validation_project
            >>> validation_project().ui_text("submit", "sw")
            'Tuma'
        """
        return self.ui.get(lang, {}).get(key) or self.ui.get("en", {}).get(key, key)

    def question(self, name: str) -> QuestionSpec:
        """The output question called ``name``.

        Args:
            name: A question name (``answer``, ``helpful``, ``better``, ...).

        Returns:
            Its :class:`QuestionSpec`.

        Raises:
            KeyError: if the project has no such question.

        Examples:
            >>> from tutorial_lib.crowd.design import validation_project
            >>> validation_project().question("helpful").values
            [1, 0]
        """
        for q in self.output_fields:
            if q.name == name:
                return q
        raise KeyError(f"project {self.private_name!r} has no question {name!r}")

    def to_dict(self) -> dict:
        """A JSON-ready dict (tuples become lists); ``ProjectSpec.from_dict`` reads it back.

        Backends save it next to their state, so a later process rebuilds the
        very design the work was collected with.

        Returns:
            Every field, nested items and questions as dicts; ``json.dumps``
            writes it (input fields and options as lists).
        """
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ProjectSpec:
        """Rebuild a spec from :meth:`to_dict`'s output, after a JSON round trip or not.

        Args:
            data: The dict; input fields may be lists (as JSON gives them back).

        Returns:
            An equal spec, validated again.

        Raises:
            DesignError: if the data no longer describes a valid project.

        Examples:
            >>> import json
            >>> from tutorial_lib.crowd.design import validation_project
            >>> spec = validation_project()
            >>> ProjectSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
            True
        """
        data = dict(data)
        data["input_fields"] = [InputField(*f) for f in data.get("input_fields", [])]
        return cls(**data)


def grade_response(spec: ProjectSpec, item: TrainingItem, output: dict) -> bool:
    """Whether a worker's output on a training/exam item is right.

    Choices must match exactly; free text cannot be matched word for word, so
    it passes when long enough and not a copy of the prompt.

    Args:
        spec: the project.
        item: the training or exam item with its expected output.
        output: what the worker gave, question name -> value.

    Returns:
        True when every expected answer is met.
    """
    for name, expected in item.expected.items():
        given = output.get(name)
        if spec.question(name).kind != "text":
            if given != expected:
                return False
            continue
        text = (given or "").strip()
        if len(text) < spec.question(name).min_length:
            return False
        if text.casefold() == str(item.item.get("prompt", "")).strip().casefold():
            return False
    return True
