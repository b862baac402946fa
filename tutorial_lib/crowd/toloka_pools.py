"""Pure builders for what is paid on Toloka: pools, training, golden tasks, quality control.

Nothing here talks to a network; every function returns toloka-kit objects
that ``structure(unstructure(x))`` round-trips, so ``crowd plan`` can show
them before anything is created. ``toloka.py`` sends them.

What the pools encode, and why:

* **one pool per run and project**: a pool's ``private_name`` carries the run
  id, so a pilot and the real run never share pools (projects and training
  are shared; training is unpaid);
* **passable training**: Toloka lets a trainee through only when every
  training answer matches a known solution exactly, so training tasks are
  multiple-choice (Part I's quiz about the instructions, Part II's binary
  judgements); free text is never a known solution;
* **a review window that fits**: Part I is accepted or rejected by the kit
  after Part II; its ``auto_accept_period_day`` comes from the planned Part II
  duration (:func:`review_window_days`, clamped to Toloka's 1-21 days). Part II
  and ranking pools auto-accept, so raters are paid promptly; golden tasks
  restrict raters who miss them;
* **no automatic overlap**: no ``AssignmentsAssessment -> ChangeOverlap`` rule;
  the kit raises overlap itself, priced, only where an answer is still missing;
* majority-vote scoring only where a majority exists (overlap >= 3).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass

from toloka.client import Pool, Skill, Task, Training, actions, collectors, conditions
from toloka.client import filter as tfilter
from toloka.client.pool.mixer_config import MixerConfig
from toloka.client.quality_control import QualityControl
from toloka.client.task_distribution_function import TaskDistributionFunction

from .design import ProjectSpec
from .pricing import reward_per_assignment
from .toloka_build import (
    QUIZ_CHOICE,
    QUIZ_FIELD,
    TASK_ID_FIELD,
    has_choices,
    quiz_option_field,
)

# Toloka's review period is 1 to 21 days: CVAT's Toloka integration guide, "Days for manual
# review by requester" (github.com/cvat-ai/cvat, site/content/en/docs/integration/toloka.md,
# commit d1321957, read 2026-11-30).
MIN_REVIEW_DAYS, MAX_REVIEW_DAYS = 1, 21
GOLDEN_MIN_ACCURACY = 60  # percent of golden tasks right below which a rater is restricted


@dataclass(frozen=True)
class PoolSettings:
    """What one run decides about a pool: who pays what, for how long, with which checks.

    ``golden_every`` > 0 puts a golden (control) task into every N-th task
    suite a rater gets; ``review_days`` is Part I's review window.
    """

    run_id: str
    hourly_pay_usd: float = 12.0
    overlap: int = 1
    review_days: int = 7
    golden_every: int = 0
    expire_days: int = 30


def pool_private_name(spec: ProjectSpec, run_id: str) -> str:
    """The run's pool for ``spec``: found again by this name on a re-run, never another run's."""
    return f"{spec.private_name}/{run_id}/main"


def training_private_name(spec: ProjectSpec) -> str:
    """The project's training pool (shared by runs: training is not paid)."""
    return f"{spec.private_name}/training"


def skill_name(spec: ProjectSpec) -> str:
    """The agreement skill's name (majority-vote score on choice questions)."""
    return f"{spec.private_name}/agreement"


def golden_every(spec: ProjectSpec, control_share: float) -> int:
    """Every how many task suites a golden task rides along (0: none).

    Only choice projects with control items get golden tasks; ``control_share``
    0.1 means one suite in ten carries one.
    """
    if not spec.control_items or not has_choices(spec) or control_share <= 0:
        return 0
    return max(2, round(1.0 / control_share))


def suite_reward(spec: ProjectSpec, settings: PoolSettings) -> float:
    """Reward per task suite: one real task plus its share of golden tasks, at the hourly pay.

    Toloka pays per suite, so the golden tasks' time is paid on average through
    a ``1 + 1/golden_every`` longer suite; rounded up to the cent.
    """
    seconds = spec.seconds_per_task
    if spec.kind != "answers" and settings.golden_every:
        seconds *= 1.0 + 1.0 / settings.golden_every
    return reward_per_assignment(seconds, settings.hourly_pay_usd)


def review_window_days(part2_seconds: float) -> int:
    """Part I's ``auto_accept_period_day``: the planned Part II time plus a day, in 1-21.

    Args:
        part2_seconds: How long validation, its dynamic-overlap rounds and the
            re-collection rounds are planned to take.

    Returns:
        Whole days; a plan longer than Toloka's 21 days is clamped (the kit then
        finalises verdicts before the deadline instead, see ``review_deadline``).
    """
    days = math.ceil(max(part2_seconds, 0.0) / 86400.0) + 1
    return int(min(max(days, MIN_REVIEW_DAYS), MAX_REVIEW_DAYS))


def build_skill(spec: ProjectSpec) -> Skill:
    """The skill holding each rater's agreement with the majority on this project."""
    return Skill(
        name=skill_name(spec),
        hidden=True,
        private_comment=f"Majority-vote agreement on {spec.private_name}",
    )


def passing_score(spec: ProjectSpec) -> int:
    """Training pass mark in percent (Toloka also makes trainees correct every mistake)."""
    return round(spec.exam_pass_score * 100)


def has_training(spec: ProjectSpec) -> bool:
    """Whether the spec has items Toloka can grade exactly (quiz, or choice questions)."""
    return bool(spec.quiz_items) or (
        has_choices(spec) and bool(spec.training_items or spec.exam_items)
    )


def build_training(spec: ProjectSpec, project_id: str) -> Training:
    """The training pool: every gradable item in one suite, with a hint on each mistake."""
    n_items = len(build_training_tasks(spec, "0"))
    return Training(
        project_id=project_id,
        private_name=training_private_name(spec),
        may_contain_adult_content=False,
        inherited_instructions=True,
        assignment_max_duration_seconds=max(600, int(spec.seconds_per_task * 3 * max(n_items, 1))),
        mix_tasks_in_creation_order=True,
        shuffle_tasks_in_task_suite=False,
        training_tasks_in_task_suite_count=max(n_items, 1),
        task_suites_required_to_pass=1,
        retry_training_after_days=1,
    )


def _hint(spec: ProjectSpec, feedback: dict) -> str | None:
    texts = (spec.text(feedback, spec.lang), spec.text(feedback, "en")) if feedback else ()
    return " / ".join(dict.fromkeys(t for t in texts if t)) or None


def _quiz_tasks(spec: ProjectSpec, pool_id: str) -> list[Task]:
    tasks = []
    for i, q in enumerate(spec.quiz_items):
        inputs = {k: str(v) for k, v in q.item.items() if v not in ("", None)}
        inputs[QUIZ_FIELD] = spec.text(q.question, spec.lang)
        inputs.update({quiz_option_field(v): spec.text(label, spec.lang) for v, label in q.options})
        inputs[TASK_ID_FIELD] = f"quiz-{i}"
        tasks.append(
            Task(
                pool_id=pool_id,
                input_values=inputs,
                infinite_overlap=True,
                known_solutions=[
                    Task.KnownSolution(output_values={QUIZ_CHOICE: q.answer}, correctness_weight=1)
                ],
                message_on_unknown_solution=_hint(spec, q.feedback),
            )
        )
    return tasks


def _item_inputs(item: dict, names: set[str], task_id: str) -> dict[str, str]:
    """A design item's input values as Toloka wants them (strings, empty ones left out)."""
    inputs = {k: str(v) for k, v in item.items() if k in names and v not in ("", None)}
    inputs[TASK_ID_FIELD] = task_id
    return inputs


def build_training_tasks(spec: ProjectSpec, training_id: str) -> list[Task]:
    """Training tasks whose known solutions Toloka can match exactly.

    Part I (free text) trains with its quiz; choice projects with their
    training and exam items. Free-text model answers are never uploaded.
    """
    if spec.quiz_items:
        return _quiz_tasks(spec, training_id)
    if not has_choices(spec):
        return []
    tasks, names = [], {f.name for f in spec.input_fields}
    for prefix, items in (("train", spec.training_items), ("exam", spec.exam_items)):
        for i, item in enumerate(items):
            inputs = _item_inputs(item.item, names, f"{prefix}-{i}")
            tasks.append(
                Task(
                    pool_id=training_id,
                    input_values=inputs,
                    infinite_overlap=True,
                    known_solutions=[
                        Task.KnownSolution(output_values=dict(item.expected), correctness_weight=1)
                    ],
                    message_on_unknown_solution=_hint(spec, item.feedback),
                )
            )
    return tasks


def _golden_solutions(spec: ProjectSpec, expected: dict) -> list[Task.KnownSolution]:
    """Known solutions judging the first question alone: every combination of the others."""
    main, *others = spec.output_fields
    choices = [[None] + list(q.values) for q in others]
    out = []
    for combo in itertools.product(*choices):
        values = {main.name: expected[main.name]}
        values.update({q.name: v for q, v in zip(others, combo) if v is not None})
        out.append(Task.KnownSolution(output_values=values, correctness_weight=1))
    return out


def build_golden_tasks(spec: ProjectSpec, pool_id: str) -> list[Task]:
    """The design's control items as golden tasks in the run's pool (judged on one field)."""
    main = spec.output_fields[0].name
    names = {f.name for f in spec.input_fields}
    tasks = []
    for i, item in enumerate(spec.control_items):
        if main not in item.expected:
            continue
        inputs = _item_inputs(item.item, names, f"golden-{i}")
        tasks.append(
            Task(
                pool_id=pool_id,
                input_values=inputs,
                infinite_overlap=True,
                known_solutions=_golden_solutions(spec, item.expected),
                message_on_unknown_solution=_hint(spec, item.feedback),
            )
        )
    return tasks


def _restrict(comment: str, days: int = 1) -> actions.RestrictionV2:
    return actions.RestrictionV2(
        scope="PROJECT", duration=days, duration_unit="DAYS", private_comment=comment
    )


def _add_quality_rules(
    pool: Pool, spec: ProjectSpec, settings: PoolSettings, skill_id: str | None
) -> None:
    qc = pool.quality_control
    fast = max(5, int(spec.seconds_per_task * 0.2))
    qc.add_action(
        collector=collectors.AssignmentSubmitTime(
            history_size=5, fast_submit_threshold_seconds=fast
        ),
        conditions=[conditions.FastSubmittedCount > 2],
        action=_restrict(f"3+ of last 5 submitted in under {fast}s"),
    )
    qc.add_action(
        collector=collectors.SkippedInRowAssignments(),
        conditions=[conditions.SkippedInRowCount > 4],
        action=_restrict("skipped 5 tasks in a row"),
    )
    if settings.golden_every:
        qc.add_action(
            collector=collectors.GoldenSet(history_size=10),
            conditions=[
                conditions.GoldenSetAnswersCount >= 3,
                conditions.GoldenSetCorrectAnswersRate < GOLDEN_MIN_ACCURACY,
            ],
            action=_restrict(f"under {GOLDEN_MIN_ACCURACY}% right on control tasks", 7),
        )
    if skill_id and has_choices(spec) and settings.overlap >= 3:
        majority = settings.overlap // 2 + 1
        qc.add_action(
            collector=collectors.MajorityVote(answer_threshold=majority, history_size=20),
            conditions=[conditions.TotalAnswersCount > 4],
            action=actions.SetSkillFromOutputField(
                skill_id=skill_id, from_field="correct_answers_rate"
            ),
        )


def _mixer(settings: PoolSettings) -> tuple[MixerConfig, int]:
    if not settings.golden_every:
        return MixerConfig(real_tasks_count=1, golden_tasks_count=0, training_tasks_count=0), 0
    every = TaskDistributionFunction(
        scope="POOL",
        distribution="UNIFORM",
        window_days=365,
        intervals=[
            TaskDistributionFunction.Interval(
                from_=1, to=1_000_000, frequency=settings.golden_every
            )
        ],
    )
    return MixerConfig(
        real_tasks_count=1,
        golden_tasks_count=1,
        training_tasks_count=0,
        min_real_tasks_count=1,
        min_golden_tasks_count=0,
        golden_task_distribution_function=every,
    ), 1


def build_pool(
    spec: ProjectSpec,
    project_id: str,
    settings: PoolSettings,
    *,
    training_id: str | None = None,
    skill_id: str | None = None,
    lang: str | None = None,
    now: dt.datetime | None = None,
) -> Pool:
    """The run's pool: language filter, training, review window, golden tasks, QC rules."""
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    language = (lang or spec.lang).upper()
    # Written in Toloka's normal form (an AND of ORs) so that it round-trips unchanged.
    clauses = [tfilter.FilterOr([tfilter.Languages.in_(language)])]
    if skill_id and has_choices(spec):  # unknown raters may start; low agreement may not
        clauses.append(
            tfilter.FilterOr([tfilter.Skill(skill_id) >= 50.0, tfilter.Skill(skill_id) == None])
        )
    mixer, _ = _mixer(settings)
    pool = Pool(
        project_id=project_id,
        private_name=pool_private_name(spec, settings.run_id),
        private_comment=f"{spec.private_name} run {settings.run_id}",
        may_contain_adult_content=False,
        reward_per_assignment=suite_reward(spec, settings),
        assignment_max_duration_seconds=max(300, int(spec.seconds_per_task * 5)),
        will_expire=now + dt.timedelta(days=settings.expire_days),
        auto_accept_solutions=spec.kind != "answers",
        auto_accept_period_day=int(settings.review_days),
        defaults=Pool.Defaults(
            default_overlap_for_new_tasks=settings.overlap,
            default_overlap_for_new_task_suites=settings.overlap,
        ),
        mixer_config=mixer,
        filter=tfilter.FilterAnd(clauses),
    )
    if training_id:
        pool.quality_control.training_requirement = QualityControl.TrainingRequirement(
            training_pool_id=training_id, training_passing_skill_value=passing_score(spec)
        )
    _add_quality_rules(pool, spec, settings, skill_id)
    return pool
