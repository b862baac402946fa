"""Pure builders: a :class:`ProjectSpec` as toloka-kit objects (project, training, pool).

Nothing here talks to a network: every function returns plain toloka-kit
objects that tests inspect offline and that ``structure(unstructure(x))``
round-trips. ``toloka.py`` is the thin client layer that sends them.

What the builders encode, and why:

* the task interface is a Template Builder config generated from the spec's
  input fields and questions, so Toloka shows exactly what the room and the
  notebook preview show;
* instructions (with good and bad examples) go out in English and, through
  Toloka's localization, in the target language;
* the pool admits only workers whose profile lists the target language, who
  passed the training; ``auto_accept_solutions=False`` because Part II's
  verdicts decide acceptance; quality-control rules restrict fast responders
  and serial skippers, score validators by majority-vote agreement (a skill),
  and re-open a task when one of its assignments is rejected (re-collection).

Taught in notebooks/02_collecting_answers.
"""
from __future__ import annotations

import datetime as dt

from toloka.client import Pool, Project, Skill, Task, Training, actions, collectors, conditions
from toloka.client import filter as tfilter
from toloka.client.pool.mixer_config import MixerConfig
from toloka.client.project import field_spec as fs
from toloka.client.project import template_builder as tb
from toloka.client.project.localization import AdditionalLanguage, LocalizationConfig
from toloka.client.project.task_spec import TaskSpec
from toloka.client.project.view_spec import TemplateBuilderViewSpec
from toloka.client.quality_control import QualityControl

from ..records import Assignment
from .backend import pseudonymise
from .design import ProjectSpec, QuestionSpec
from .instructions import instructions_html

TASK_ID_FIELD = "task_id"  # our stable id, carried as a hidden input so re-runs find tasks
CHOICE_KINDS = ("binary", "likert5", "choice")


def pool_private_name(spec: ProjectSpec) -> str:
    """The main pool's private name, used to find it again on a re-run."""
    return f"{spec.private_name}/main"


def training_private_name(spec: ProjectSpec) -> str:
    """The training pool's private name, used to find it again on a re-run."""
    return f"{spec.private_name}/training"


def skill_name(spec: ProjectSpec) -> str:
    """The agreement skill's name (majority-vote score on choice questions)."""
    return f"{spec.private_name}/agreement"


def has_choices(spec: ProjectSpec) -> bool:
    """Whether workers pick from options (so answers can be checked against a majority)."""
    return any(q.kind in CHOICE_KINDS for q in spec.output_fields)


def _label(spec: ProjectSpec, mapping: dict, lang: str | None) -> str:
    return spec.text(mapping, lang or spec.lang)


def _option_spec(q: QuestionSpec) -> fs.FieldSpec:
    values = q.values
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return fs.IntegerSpec(required=q.required, allowed_values=list(values))
    return fs.StringSpec(required=q.required, allowed_values=[str(v) for v in values])


def input_spec(spec: ProjectSpec) -> dict:
    """Toloka input fields: the spec's fields plus our hidden stable task id."""
    out = {f.name: fs.StringSpec(required=f.required) for f in spec.input_fields}
    out[TASK_ID_FIELD] = fs.StringSpec(required=True, hidden=True)
    return out


def output_spec(spec: ProjectSpec) -> dict:
    """Toloka output fields, one per question; choices restricted to the allowed values."""
    out = {}
    for q in spec.output_fields:
        if q.kind == "text":
            out[q.name] = fs.StringSpec(required=q.required, min_length=q.min_length or None)
        else:
            out[q.name] = _option_spec(q)
    return out


def _field_view(spec: ProjectSpec, field, lang: str | None):
    view = tb.TextViewV1(tb.InputData(field.name), label=_label(spec, field.label, lang))
    if field.name == "prompt_en":  # opt-in: the worker answers the target-language prompt
        view = tb.CollapseViewV1(tb.TextViewV1(tb.InputData(field.name)),
                                 label=_label(spec, field.label, lang))
    if field.required:
        return view
    present = tb.NotConditionV1(tb.EmptyConditionV1(tb.InputData(field.name)))
    return tb.IfHelperV1(present, view)


def _question_view(spec: ProjectSpec, q: QuestionSpec, lang: str | None):
    label = _label(spec, q.label, lang)
    checks = [tb.RequiredConditionV1()] if q.required else []
    if q.kind == "text":
        if q.min_length:
            checks.append(tb.SchemaConditionV1(schema={"type": "string",
                                                       "minLength": q.min_length}))
        validation = tb.AllConditionV1(checks) if len(checks) > 1 else (checks or [None])[0]
        return tb.TextareaFieldV1(tb.OutputData(q.name), label=label, rows=6.0,
                                  validation=validation)
    options = [tb.GroupFieldOption(value, _label(spec, text, lang)) for value, text in q.options]
    return tb.RadioGroupFieldV1(tb.OutputData(q.name), options, label=label,
                                validation=checks[0] if checks else None)


def view_config(spec: ProjectSpec, lang: str | None = None) -> tb.TemplateBuilder:
    """The task interface as a Template Builder config: fields to read, questions to answer.

    Taught in notebooks/02_collecting_answers.
    """
    items = [_field_view(spec, f, lang) for f in spec.input_fields]
    items += [_question_view(spec, q, lang) for q in spec.output_fields]
    layout_cls = tb.TolokaPluginV1.TolokaPluginLayout
    layout = layout_cls(kind=layout_cls.Kind.SCROLL, task_width=720.0)
    return tb.TemplateBuilder(view=tb.ListViewV1(items), plugins=[tb.TolokaPluginV1(layout)])


def build_project(spec: ProjectSpec) -> Project:
    """The Toloka project: interface, field specs, instructions in English and the target language.

    Taught in notebooks/02_collecting_answers.
    """
    translation = AdditionalLanguage.FieldTranslation
    extra_langs = []
    if spec.lang != "en":
        extra_langs.append(AdditionalLanguage(
            language=spec.lang.upper(),
            public_name=translation(value=spec.text(spec.title, spec.lang)),
            public_description=translation(value=spec.text(spec.description, spec.lang)),
            public_instructions=translation(value=instructions_html(spec, spec.lang)),
        ))
    return Project(
        public_name=spec.text(spec.title, "en"),
        public_description=spec.text(spec.description, "en"),
        public_instructions=instructions_html(spec, "en"),
        private_comment=spec.private_name,
        task_spec=TaskSpec(input_spec=input_spec(spec), output_spec=output_spec(spec),
                           view_spec=TemplateBuilderViewSpec(config=view_config(spec))),
        localization_config=LocalizationConfig(default_language="EN",
                                               additional_languages=extra_langs),
    )


def build_skill(spec: ProjectSpec) -> Skill:
    """The skill holding each worker's agreement with the majority on this project."""
    return Skill(name=skill_name(spec), hidden=True,
                 private_comment=f"Majority-vote agreement on {spec.private_name}")


def passing_score(spec: ProjectSpec) -> int:
    """Training pass mark in percent. Free text cannot be graded by exact match, so a
    free-text training teaches through feedback (the model answer) and passes everyone."""
    return round(spec.exam_pass_score * 100) if has_choices(spec) else 0


def build_training(spec: ProjectSpec, project_id: str) -> Training:
    """The training pool: the spec's training and exam items, with feedback, in one suite.

    Taught in notebooks/02_collecting_answers.
    """
    n_items = len(spec.training_items) + len(spec.exam_items)
    return Training(
        project_id=project_id, private_name=training_private_name(spec),
        may_contain_adult_content=False, inherited_instructions=True,
        assignment_max_duration_seconds=max(600, int(spec.seconds_per_task * 3 * max(n_items, 1))),
        mix_tasks_in_creation_order=True, shuffle_tasks_in_task_suite=False,
        training_tasks_in_task_suite_count=max(n_items, 1), task_suites_required_to_pass=1,
        retry_training_after_days=1,
    )


def build_training_tasks(spec: ProjectSpec, training_id: str) -> list[Task]:
    """Training and exam items as Toloka training tasks with known solutions and hints.

    Taught in notebooks/02_collecting_answers.
    """
    tasks = []
    groups = [("train", spec.training_items), ("exam", spec.exam_items)]
    names = {f.name for f in spec.input_fields}
    for prefix, items in groups:
        for i, item in enumerate(items):
            inputs = {k: str(v) for k, v in item.item.items() if k in names and v not in ("", None)}
            inputs[TASK_ID_FIELD] = f"{prefix}-{i}"
            hint = " / ".join(dict.fromkeys(
                t for t in (spec.text(item.feedback, spec.lang), spec.text(item.feedback, "en"))
                if t))
            tasks.append(Task(
                pool_id=training_id, input_values=inputs, infinite_overlap=True,
                known_solutions=[Task.KnownSolution(output_values=dict(item.expected),
                                                    correctness_weight=1)],
                message_on_unknown_solution=hint or None,
            ))
    return tasks


def _restrict(comment: str, days: int = 1) -> actions.RestrictionV2:
    return actions.RestrictionV2(scope="PROJECT", duration=days, duration_unit="DAYS",
                                 private_comment=comment)


def _add_quality_rules(pool: Pool, spec: ProjectSpec, skill_id: str | None) -> None:
    qc = pool.quality_control
    fast = max(5, int(spec.seconds_per_task * 0.2))
    qc.add_action(collector=collectors.AssignmentSubmitTime(history_size=5,
                                                            fast_submit_threshold_seconds=fast),
                  conditions=[conditions.FastSubmittedCount > 2],
                  action=_restrict(f"3+ of last 5 submitted in under {fast}s"))
    qc.add_action(collector=collectors.SkippedInRowAssignments(),
                  conditions=[conditions.SkippedInRowCount > 4],
                  action=_restrict("skipped 5 tasks in a row"))
    qc.add_action(collector=collectors.AssignmentsAssessment(),
                  conditions=[conditions.AssessmentEvent == conditions.AssessmentEvent.REJECT],
                  action=actions.ChangeOverlap(delta=1, open_pool=True))
    if skill_id and has_choices(spec):
        qc.add_action(collector=collectors.MajorityVote(answer_threshold=2, history_size=20),
                      conditions=[conditions.TotalAnswersCount > 4],
                      action=actions.SetSkillFromOutputField(
                          skill_id=skill_id, from_field="correct_answers_rate"))
        qc.add_action(collector=collectors.MajorityVote(answer_threshold=2, history_size=20),
                      conditions=[conditions.TotalAnswersCount > 9,
                                  conditions.CorrectAnswersRate < 50],
                      action=_restrict("agrees with the majority less than half the time", 7))


def build_pool(spec: ProjectSpec, project_id: str, reward: float, overlap: int = 1, *,
               training_id: str | None = None, skill_id: str | None = None,
               lang: str | None = None, expire_days: int = 30,
               now: dt.datetime | None = None) -> Pool:
    """The main pool: language filter, training requirement, manual acceptance, QC rules.

    Taught in notebooks/02_collecting_answers.
    """
    now = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    language = (lang or spec.lang).upper()
    # Written in Toloka's normal form (an AND of ORs) so that it round-trips unchanged.
    clauses = [tfilter.FilterOr([tfilter.Languages.in_(language)])]
    if skill_id and has_choices(spec):  # unknown workers may start; low agreement may not
        clauses.append(tfilter.FilterOr([tfilter.Skill(skill_id) >= 50.0,
                                         tfilter.Skill(skill_id) == None]))
    who = tfilter.FilterAnd(clauses)
    pool = Pool(
        project_id=project_id, private_name=pool_private_name(spec),
        private_comment=spec.private_name, may_contain_adult_content=False,
        reward_per_assignment=float(reward),
        assignment_max_duration_seconds=max(300, int(spec.seconds_per_task * 5)),
        will_expire=now + dt.timedelta(days=expire_days),
        auto_accept_solutions=False, auto_accept_period_day=7,
        defaults=Pool.Defaults(default_overlap_for_new_tasks=overlap,
                               default_overlap_for_new_task_suites=overlap),
        mixer_config=MixerConfig(real_tasks_count=1, golden_tasks_count=0,
                                 training_tasks_count=0),
        filter=who,
    )
    if training_id:
        pool.quality_control.training_requirement = QualityControl.TrainingRequirement(
            training_pool_id=training_id, training_passing_skill_value=passing_score(spec))
    _add_quality_rules(pool, spec, skill_id)
    return pool


# -- reading results back ------------------------------------------------------
def status_name(value) -> str:
    """A toloka-kit enum (or plain string) as its API name, e.g. ``"SUBMITTED"``."""
    return str(getattr(value, "value", value))


def assignment_record(spec: ProjectSpec, assignment, assignment_id: str, task_id: str,
                      values: dict, round: int, salt: str) -> Assignment:
    """One Toloka solution as the kit's record: first question -> answer or label, the
    other questions -> ``extra``; the Toloker's id pseudonymised with ``salt``.

    Taught in notebooks/02_collecting_answers.
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
        assignment_id=assignment_id, task_id=task_id, worker_id=pseudonymise(a.user_id, salt),
        stage=spec.kind, backend="toloka", submitted_at=a.submitted.isoformat(),
        duration_s=max(duration, 0.0), status=status_name(a.status).lower(), answer=answer,
        label=label, round=round, comment=a.public_comment or "", extra=extra)
