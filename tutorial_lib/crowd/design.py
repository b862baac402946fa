"""One task design per crowd project, defined once and rendered everywhere.

A :class:`ProjectSpec` is plain data: what the worker reads (instructions,
examples, question labels, in the target language and English), what they see
(input fields), what they produce (output questions), how they are trained and
examined, and how long a task takes (for pricing). Backends translate it: the
simulated crowd reads ``kind`` and the questions, Toloka builds a Template
Builder config from it, the room builds a Potato config, and
:func:`render_html` shows a worker's-eye preview in the notebook. Keeping every
language-specific string in the spec (loaded by ``design_texts`` from
``data/crowd_texts/``) means a new language is one YAML file, not a hunt through code.

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import NamedTuple

from ..errors import TutorialLibError
from ..records import KINDS
from . import design_texts

# The worker's-eye preview lives with the other worker-facing HTML (instructions.py);
# re-exported so `from tutorial_lib.crowd.design import render_html` keeps working.
from .instructions import render_html  # noqa: F401 (re-exported)

logger = logging.getLogger(__name__)

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
    """Everything a backend needs to run one crowd project (pure data, JSON-ready)."""

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
        """``mapping[lang]``, falling back to English, so a half-translated spec still renders."""
        return mapping.get(lang) or mapping.get("en") or next(iter(mapping.values()), "")

    def ui_text(self, key: str, lang: str) -> str:
        """A fixed interface string (button, heading) in ``lang``."""
        return self.ui.get(lang, {}).get(key) or self.ui.get("en", {}).get(key, key)

    def question(self, name: str) -> QuestionSpec:
        """The output question called ``name``."""
        for q in self.output_fields:
            if q.name == name:
                return q
        raise KeyError(f"project {self.private_name!r} has no question {name!r}")

    def to_dict(self) -> dict:
        """A JSON-ready dict (tuples become lists); ``ProjectSpec.from_dict`` reads it back."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ProjectSpec:
        data = dict(data)
        data["input_fields"] = [InputField(*f) for f in data.get("input_fields", [])]
        return cls(**data)


def _questions(texts: dict, specs: list[tuple]) -> list[QuestionSpec]:
    """Build questions from ``(name, kind, options_key)`` using a language table."""
    out = []
    for name, kind, options_key in specs:
        options = (
            [
                (v, {lang: texts[lang]["options"][options_key][i] for lang in texts})
                for i, v in enumerate(design_texts.OPTION_VALUES[options_key])
            ]
            if options_key
            else []
        )
        label = {lang: texts[lang]["questions"][name] for lang in texts}
        out.append(
            QuestionSpec(
                name=name,
                kind=kind,
                label=label,
                options=options,
                min_length=20 if kind == "text" else 0,
            )
        )
    return out


def _fit_items(data: dict, inputs: set, questions: dict) -> dict:
    """Trim shared worked items to this variant's fields; binary truths become 1/5 on likert5."""

    def fit(entry: dict) -> dict:
        key = "output" if "output" in entry else "expected"
        return {
            **entry,
            "item": {k: v for k, v in entry["item"].items() if k in inputs},
            key: {
                k: (5 if v else 1) if questions[k] == "likert5" else v
                for k, v in entry[key].items()
                if k in questions
            },
        }

    return {group: [fit(entry) for entry in entries] for group, entries in data.items()}


def _project_from_texts(
    kind: str,
    private_name: str,
    lang: str,
    questions: list[tuple],
    inputs: list[tuple[str, bool]],
    **extra,
) -> ProjectSpec:
    """Assemble a spec for ``kind`` from the language tables in ``design_texts``."""
    texts = design_texts.texts_for(kind, lang)
    pick = lambda key: {code: t[key] for code, t in texts.items()}
    fields = [
        InputField(name, "string", {code: t["fields"][name] for code, t in texts.items()}, required)
        for name, required in inputs
    ]
    data, names = design_texts.items_for(kind, lang), {name for name, _ in inputs}
    quiz = data.pop("quiz", [])
    data = _fit_items(data, names, {q[0]: q[1] for q in questions})
    quiz = [{**q, "item": {k: v for k, v in q["item"].items() if k in names}} for q in quiz]
    return ProjectSpec(
        kind=kind,
        private_name=private_name,
        title=pick("title"),
        description=pick("description"),
        instructions=pick("instructions"),
        input_fields=fields,
        output_fields=_questions(texts, questions),
        examples=[Example(**e) for e in data["examples"]],
        training_items=[TrainingItem(**t) for t in data["training"]],
        exam_items=[TrainingItem(**t) for t in data["exam"]],
        control_items=[TrainingItem(**t) for t in data["control"]],
        quiz_items=[QuizItem(**q) for q in quiz],
        lang=lang,
        ui={code: design_texts.UI[code] for code in texts if code in design_texts.UI},
        **extra,
    )


def answer_project(lang: str = "sw", show_english: bool = True) -> ProjectSpec:
    """Part I: the worker reads a prompt in ``lang`` (English optional) and writes one answer.

    Args:
        lang: the target language (its texts come from ``design_texts``).
        show_english: offer the English original of each prompt, folded away.

    Returns:
        The project's spec.

    Taught in notebooks/01_crowdsourcing_basics.
    """
    inputs = [("prompt", True), ("context", False)]
    if show_english:
        inputs.insert(1, ("prompt_en", False))
    name = f"tutorial-answers-{lang}{'' if show_english else '-noen'}-v1"
    return _project_from_texts(
        "answers", name, lang, [("answer", "text", None)], inputs, seconds_per_task=120.0
    )


def validation_project(
    scale: str = "binary", ask_harmless: bool = True, ask_truthful: bool = True, lang: str = "sw"
) -> ProjectSpec:
    """Part II: the worker reads a prompt and an answer and judges its helpfulness.

    Args:
        scale: ``binary`` (1 helpful / 0 not) or ``likert5`` (1-5).
        ask_harmless: also ask whether the answer is harmless (lands in ``extra``).
        ask_truthful: also ask whether the answer is true (lands in ``extra``).
        lang: the target language.

    Returns:
        The project's spec.

    Raises:
        DesignError: ``scale`` is not one of :data:`SCALES`.

    Taught in notebooks/03_answer_validation.
    """
    if scale not in SCALES:
        raise DesignError(f"validation scale {scale!r} not in {SCALES}")
    questions = [("helpful", scale, scale)]
    questions += [("harmless", "binary", "binary")] if ask_harmless else []
    questions += [("truthful", "binary", "binary")] if ask_truthful else []
    flags = ("h" if ask_harmless else "") + ("t" if ask_truthful else "")
    return _project_from_texts(
        "validation",
        f"tutorial-validation-{lang}-{scale}-{flags or 'none'}-v1",
        lang,
        questions,
        [("prompt", True), ("answer", True)],
        seconds_per_task=20.0 + 8.0 * len(flags),
        scale=scale,
    )


def ranking_project(lang: str = "sw") -> ProjectSpec:
    """Side by side: which of two answers is more helpful (label 0 = A, 1 = B).

    Args:
        lang: the target language.

    Returns:
        The project's spec.
    """
    return _project_from_texts(
        "ranking",
        f"tutorial-ranking-{lang}-v1",
        lang,
        [("better", "choice", "ab")],
        [("prompt", True), ("answer_a", True), ("answer_b", True)],
        seconds_per_task=45.0,
    )


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
