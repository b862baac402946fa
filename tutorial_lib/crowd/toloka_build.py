"""Pure builders: a :class:`ProjectSpec` as toloka-kit objects (project, training, pool).

Nothing here talks to a network: every function returns plain toloka-kit
objects that tests inspect offline and that ``structure(unstructure(x))``
round-trips. ``toloka.py`` is the thin client layer that sends them.

What the project encodes, and why:

* the task interface is a Template Builder config generated from the spec's
  input fields and questions, so Toloka shows exactly what the room and the
  notebook preview show;
* a spec with quiz items (Part I) also carries a multiple-choice quiz in the
  same interface, shown only on training tasks: Toloka trains through exact
  matches, and free text cannot be matched;
* on a choice project only the first question (helpfulness) is required; the
  others stay optional, so a control task can be judged on that field alone;
* instructions (with good and bad examples) go out in English and, through
  Toloka's localization, in the target language.

Pools and quality control live in ``toloka_pools.py``, training and golden
tasks in ``toloka_graded.py``.
"""

from __future__ import annotations

from toloka.client import Project
from toloka.client.project import field_spec as fs
from toloka.client.project import template_builder as tb
from toloka.client.project.localization import AdditionalLanguage, LocalizationConfig
from toloka.client.project.task_spec import TaskSpec
from toloka.client.project.view_spec import TemplateBuilderViewSpec

from ..records import Assignment
from .backend import pseudonymise
from .design_spec import ProjectSpec, QuestionSpec
from .instructions import instructions_html

TASK_ID_FIELD = "task_id"  # our stable id, carried as a hidden input so re-runs find tasks
CHOICE_KINDS = ("binary", "likert5", "choice")
QUIZ_FIELD = "quiz"  # input: the quiz question; present only on training tasks
QUIZ_CHOICE = "quiz_choice"  # output: the option the trainee picked


def quiz_option_field(value: str) -> str:
    """The input field holding the label of one quiz option, so a training task can show it.

    Args:
        value: the option's value (``a``, ``b``, ...).

    Returns:
        The field name, e.g. ``quiz_a``.

    Examples:
        >>> quiz_option_field("a")
        'quiz_a'
    """
    return f"{QUIZ_FIELD}_{value}"


def quiz_values(spec: ProjectSpec) -> list[str]:
    """Every option value any quiz question uses: one input field and one output value each.

    Args:
        spec: the project spec; only its ``quiz_items`` are read.

    Returns:
        The values in first-seen order, without repeats (empty without a quiz).

    Examples:
        >>> from tutorial_lib.crowd.design import answer_project, validation_project
        >>> quiz_values(answer_project()), quiz_values(validation_project())
        (['a', 'b', 'c'], [])
    """
    return list(dict.fromkeys(v for q in spec.quiz_items for v, _ in q.options))


def required_on_toloka(spec: ProjectSpec, q: QuestionSpec) -> bool:
    """Whether Toloka itself refuses a solution without an answer to question ``q``.

    Only the first question is required, so a control task can be judged on that
    field alone; a quiz makes even that optional server-side (training tasks carry
    no answer), while the interface still asks for it.

    Args:
        spec: the project spec.
        q: one of ``spec.output_fields``.

    Returns:
        ``True`` only for a required first question of a spec without a quiz.

    Examples:
        >>> from tutorial_lib.crowd.design import validation_project
        >>> spec = validation_project()
        >>> [(q.name, required_on_toloka(spec, q)) for q in spec.output_fields]
        [('helpful', True), ('harmless', False), ('truthful', False)]
    """
    if spec.quiz_items:
        return False
    return q.required and q is spec.output_fields[0]


def has_choices(spec: ProjectSpec) -> bool:
    """Whether workers pick from options (so answers can be checked against a majority).

    Args:
        spec: the project spec.

    Returns:
        ``True`` when any question is binary, Likert or multiple choice.

    Examples:
        >>> from tutorial_lib.crowd.design import answer_project, validation_project
        >>> has_choices(answer_project()), has_choices(validation_project())
        (False, True)
    """
    return any(q.kind in CHOICE_KINDS for q in spec.output_fields)


def _label(spec: ProjectSpec, mapping: dict, lang: str | None) -> str:
    return spec.text(mapping, lang or spec.lang)


def _option_spec(q: QuestionSpec, required: bool) -> fs.FieldSpec:
    values = q.values
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return fs.IntegerSpec(required=required, allowed_values=list(values))
    return fs.StringSpec(required=required, allowed_values=[str(v) for v in values])


def input_spec(spec: ProjectSpec) -> dict:
    """Toloka input fields: the spec's fields, the quiz's (if any), our hidden task id.

    The hidden ``task_id`` is how a rerun recognises tasks already uploaded.

    Args:
        spec: the project spec.

    Returns:
        Field name -> toloka-kit ``FieldSpec``, in display order.

    Examples:
        >>> from tutorial_lib.crowd.design import answer_project
        >>> list(input_spec(answer_project()))
        ['prompt', 'prompt_en', 'context', 'quiz', 'quiz_a', 'quiz_b', 'quiz_c', 'task_id']
    """
    out = {f.name: fs.StringSpec(required=f.required) for f in spec.input_fields}
    if spec.quiz_items:
        out[QUIZ_FIELD] = fs.StringSpec(required=False)
        out.update({quiz_option_field(v): fs.StringSpec(required=False) for v in quiz_values(spec)})
    out[TASK_ID_FIELD] = fs.StringSpec(required=True, hidden=True)
    return out


def output_spec(spec: ProjectSpec) -> dict:
    """Toloka output fields, one per question; choices restricted to the allowed values.

    Args:
        spec: the project spec.

    Returns:
        Field name -> toloka-kit ``FieldSpec``: text questions keep their minimum
        length, choice questions their allowed values, and a quiz adds ``quiz_choice``.

    Examples:
        >>> from tutorial_lib.crowd.design import validation_project
        >>> list(output_spec(validation_project()))
        ['helpful', 'harmless', 'truthful']
    """
    out = {}
    for q in spec.output_fields:
        required = required_on_toloka(spec, q)
        if q.kind == "text":
            out[q.name] = fs.StringSpec(required=required, min_length=q.min_length or None)
        else:
            out[q.name] = _option_spec(q, required)
    if spec.quiz_items:
        out[QUIZ_CHOICE] = fs.StringSpec(required=False, allowed_values=quiz_values(spec))
    return out


def _field_view(spec: ProjectSpec, field, lang: str | None):
    view = tb.TextViewV1(tb.InputData(field.name), label=_label(spec, field.label, lang))
    if field.name == "prompt_en":  # opt-in: the worker answers the target-language prompt
        view = tb.CollapseViewV1(
            tb.TextViewV1(tb.InputData(field.name)), label=_label(spec, field.label, lang)
        )
    if field.required:
        return view
    present = tb.NotConditionV1(tb.EmptyConditionV1(tb.InputData(field.name)))
    return tb.IfHelperV1(present, view)


def _question_view(spec: ProjectSpec, q: QuestionSpec, lang: str | None):
    label = _label(spec, q.label, lang)
    required = q.required if spec.kind == "answers" else required_on_toloka(spec, q)
    checks = [tb.RequiredConditionV1()] if required else []
    if q.kind == "text":
        if q.min_length:
            checks.append(
                tb.SchemaConditionV1(schema={"type": "string", "minLength": q.min_length})
            )
        validation = tb.AllConditionV1(checks) if len(checks) > 1 else (checks or [None])[0]
        return tb.TextareaFieldV1(
            tb.OutputData(q.name), label=label, rows=6.0, validation=validation
        )
    options = [tb.GroupFieldOption(value, _label(spec, text, lang)) for value, text in q.options]
    return tb.RadioGroupFieldV1(
        tb.OutputData(q.name), options, label=label, validation=checks[0] if checks else None
    )


def view_config(spec: ProjectSpec, lang: str | None = None) -> tb.TemplateBuilder:
    """The task interface as a Template Builder config: fields to read, questions to answer.

    Args:
        spec: the project spec.
        lang: the language of labels and options; ``None`` uses the spec's target
            language.

    Returns:
        A ``TemplateBuilder`` whose view shows the quiz instead of the work on
        training tasks when the spec has one.
    """
    items = [_field_view(spec, f, lang) for f in spec.input_fields]
    items += [_question_view(spec, q, lang) for q in spec.output_fields]
    view = tb.ListViewV1(items)
    if spec.quiz_items:  # training tasks carry a quiz question instead of real work
        view = tb.IfHelperV1(
            tb.EmptyConditionV1(tb.InputData(QUIZ_FIELD)), view, else_=_quiz_view(spec, lang)
        )
    layout_cls = tb.TolokaPluginV1.TolokaPluginLayout
    layout = layout_cls(kind=layout_cls.Kind.SCROLL, task_width=720.0)
    return tb.TemplateBuilder(view=view, plugins=[tb.TolokaPluginV1(layout)])


def _quiz_view(spec: ProjectSpec, lang: str | None):
    """The prompt, the quiz question and its options (labels read from the task's inputs)."""
    prompt = next(f for f in spec.input_fields if f.name == "prompt")
    options = [
        tb.GroupFieldOption(v, tb.InputData(quiz_option_field(v))) for v in quiz_values(spec)
    ]
    return tb.ListViewV1(
        [
            tb.TextViewV1(tb.InputData("prompt"), label=_label(spec, prompt.label, lang)),
            tb.TextViewV1(tb.InputData(QUIZ_FIELD)),
            tb.RadioGroupFieldV1(
                tb.OutputData(QUIZ_CHOICE), options, validation=tb.RequiredConditionV1()
            ),
        ]
    )


def build_project(spec: ProjectSpec) -> Project:
    """The Toloka project: interface, field specs, instructions in English and the target language.

    Args:
        spec: the project spec; its ``private_name`` becomes the private comment a
            rerun finds the project by.

    Returns:
        An unsaved toloka-kit ``Project`` (English by default, the target language
        through Toloka's localization).

    Examples:
        >>> from tutorial_lib.crowd.design import answer_project
        >>> project = build_project(answer_project())
        >>> project.private_comment, project.localization_config.additional_languages[0].language
        ('tutorial-answers-sw-v1', 'SW')
    """
    translation = AdditionalLanguage.FieldTranslation
    extra_langs = []
    if spec.lang != "en":
        extra_langs.append(
            AdditionalLanguage(
                language=spec.lang.upper(),
                public_name=translation(value=spec.text(spec.title, spec.lang)),
                public_description=translation(value=spec.text(spec.description, spec.lang)),
                public_instructions=translation(value=instructions_html(spec, spec.lang)),
            )
        )
    return Project(
        public_name=spec.text(spec.title, "en"),
        public_description=spec.text(spec.description, "en"),
        public_instructions=instructions_html(spec, "en"),
        private_comment=spec.private_name,
        task_spec=TaskSpec(
            input_spec=input_spec(spec),
            output_spec=output_spec(spec),
            view_spec=TemplateBuilderViewSpec(config=view_config(spec)),
        ),
        localization_config=LocalizationConfig(
            default_language="EN", additional_languages=extra_langs
        ),
    )


# -- reading results back ------------------------------------------------------
def status_name(value) -> str:
    """A toloka-kit enum (or plain string) as its API name, to compare statuses either way.

    Args:
        value: a toloka-kit status enum, or its name as a string.

    Returns:
        The API name, e.g. ``"SUBMITTED"``.

    Examples:
        >>> from toloka.client import Assignment as TolokaAssignment
        >>> status_name(TolokaAssignment.Status.SUBMITTED), status_name("ARCHIVED")
        ('SUBMITTED', 'ARCHIVED')
    """
    return str(getattr(value, "value", value))


def assignment_record(
    spec: ProjectSpec,
    assignment,
    assignment_id: str,
    task_id: str,
    values: dict,
    round: int,
    salt: str,
) -> Assignment:
    """One Toloka solution as the kit's record, so later stages never see toloka-kit objects.

    The first question becomes ``answer`` (answers) or ``label`` (choices), the other
    questions go to ``extra``.

    Args:
        spec: the project the solution belongs to.
        assignment: the toloka-kit assignment (worker, times, status, comment).
        assignment_id: the kit's id for this solution.
        task_id: the kit's id of the task it answers.
        values: the solution's output values by field name.
        round: the collection round it came in.
        salt: the run's salt; the Toloker's id is pseudonymised with it
            (:func:`~tutorial_lib.crowd.backend.pseudonymise`).

    Returns:
        The :class:`~tutorial_lib.records.Assignment`, ``backend="toloka"``, its status
        in lower case and its duration in seconds (0 when a time is missing).
    """
    main, *others = [q.name for q in spec.output_fields]
    answer = label = None
    if spec.kind == "answers":
        answer = str(values.get(main, ""))
    elif values.get(main) is not None:
        label = int(values[main])
    extra = {k: int(values[k]) for k in others if values.get(k) is not None}
    a = assignment
    duration = (a.submitted - a.created).total_seconds() if a.submitted and a.created else 0.0
    return Assignment(
        assignment_id=assignment_id,
        task_id=task_id,
        worker_id=pseudonymise(a.user_id, salt),
        kind=spec.kind,
        backend="toloka",
        submitted_at=a.submitted.isoformat(),
        duration_s=max(duration, 0.0),
        status=status_name(a.status).lower(),
        answer=answer,
        label=label,
        round=round,
        comment=a.public_comment or "",
        extra=extra,
    )
