"""The kit's three crowd projects (Part I answers, Part II votes, ranking), built from texts.

Each builder returns a :class:`~tutorial_lib.crowd.design_spec.ProjectSpec`,
defined once and rendered everywhere: by the simulated crowd, Toloka, the room
(Potato) and the notebook preview (:func:`render_html`). Every
language-specific string comes from ``design_texts`` (``data/crowd_texts/``),
so a new language is one YAML file, not a hunt through code.

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

from . import design_texts
from .design_spec import (
    SCALES,
    DesignError,
    Example,
    InputField,
    ProjectSpec,
    QuestionSpec,
    QuizItem,
    TrainingItem,
)

# The worker's-eye preview lives with the other worker-facing HTML (instructions.py);
# re-exported so `from tutorial_lib.crowd.design import render_html` keeps working.
from .instructions import render_html  # noqa: F401 (re-exported)


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
