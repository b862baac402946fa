"""Pure builders for what is paid on Toloka: this run's pool, its pay and its quality control.

Nothing here talks to a network; every function returns toloka-kit objects
that ``structure(unstructure(x))`` round-trips, so ``crowd plan`` can show
them before anything is created. ``toloka.py`` sends them.

What the pools encode, and why:

* **one pool per run and project**: a pool's ``private_name`` carries the run
  id, so a pilot and the real run never share pools (projects and training
  are shared; training is unpaid);
* **a review window that fits**: Part I is accepted or rejected by the kit
  after Part II; its ``auto_accept_period_day`` comes from the planned Part II
  duration (:func:`review_window_days`, clamped to Toloka's 1-21 days). Part II
  and ranking pools auto-accept, so raters are paid promptly; golden tasks
  restrict raters who miss them;
* **no automatic overlap**: no ``AssignmentsAssessment -> ChangeOverlap`` rule;
  the kit raises overlap itself, priced, only where an answer is still missing;
* majority-vote scoring only where a majority exists (overlap >= 3).

Training and golden tasks (graded against known solutions) live in
``toloka_graded.py``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from toloka.client import Pool, Skill, actions, collectors, conditions
from toloka.client import filter as tfilter
from toloka.client.pool.mixer_config import MixerConfig
from toloka.client.quality_control import QualityControl
from toloka.client.task_distribution_function import TaskDistributionFunction

from .design_spec import ProjectSpec
from .pricing import reward_per_assignment
from .toloka_build import has_choices
from .toloka_graded import passing_score

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
    """The run's pool for ``spec``: found again by this name on a re-run, never another run's.

    Args:
        spec: the project spec.
        run_id: the run's id on Toloka (:func:`~tutorial_lib.crowd.toloka.run_id_for`).

    Returns:
        ``<private name>/<run id>/main``.

    Examples:
        >>> from tutorial_lib.crowd.design import validation_project
        >>> pool_private_name(validation_project(), "run-1")
        'tutorial-validation-sw-binary-ht-v1/run-1/main'
    """
    return f"{spec.private_name}/{run_id}/main"


def skill_name(spec: ProjectSpec) -> str:
    """The agreement skill's name (majority-vote score on choice questions), one per project.

    Args:
        spec: the project spec.

    Returns:
        ``<private name>/agreement``.
    """
    return f"{spec.private_name}/agreement"


def golden_every(spec: ProjectSpec, control_share: float) -> int:
    """Every how many task suites a golden task rides along (0: none).

    Only choice projects with control items get golden tasks: a free-text answer
    has no known solution to grade against.

    Args:
        spec: the project spec.
        control_share: the share of suites that carry a golden task (0.1: one in ten);
            0 or less turns golden tasks off.

    Returns:
        N >= 2 (a golden task in every N-th suite), or 0 for none.

    Examples:
        >>> from tutorial_lib.crowd.design import answer_project, validation_project
        >>> golden_every(validation_project(), 0.1), golden_every(answer_project(), 0.1)
        (10, 0)
    """
    if not spec.control_items or not has_choices(spec) or control_share <= 0:
        return 0
    return max(2, round(1.0 / control_share))


def suite_reward(spec: ProjectSpec, settings: PoolSettings) -> float:
    """Reward per task suite: one real task plus its share of golden tasks, at the hourly pay.

    Toloka pays per suite, so the golden tasks' time is paid on average through
    a ``1 + 1/golden_every`` longer suite; rounded up to the cent.

    Args:
        spec: the project spec (its ``seconds_per_task`` and kind; answer projects
            carry no golden tasks).
        settings: the run's pool settings (hourly pay, ``golden_every``).

    Returns:
        The reward per suite in USD.

    Examples:
        >>> from tutorial_lib.crowd.design import validation_project
        >>> spec = validation_project()  # 36 s per vote
        >>> suite_reward(spec, PoolSettings("run-1"))
        0.12
        >>> suite_reward(spec, PoolSettings("run-1", golden_every=10))  # 1.1 x 36 s
        0.14
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
    """The skill holding each rater's agreement with the majority on this project.

    Hidden from raters; the pool's filter keeps out raters whose agreement fell low.

    Args:
        spec: the project spec (a choice project).

    Returns:
        An unsaved toloka-kit ``Skill`` named :func:`skill_name`.
    """
    return Skill(
        name=skill_name(spec),
        hidden=True,
        private_comment=f"Majority-vote agreement on {spec.private_name}",
    )


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
    """The run's pool: language filter, training, review window, golden tasks, QC rules.

    Args:
        spec: the project spec.
        project_id: Toloka's project id (a placeholder in ``crowd plan``).
        settings: the run's pool settings (run id, pay, overlap, review window,
            golden frequency, expiry).
        training_id: the training a rater must pass first; ``None``: no training.
        skill_id: the agreement skill to filter on and update; ``None``: none.
        lang: the language raters must know; ``None`` uses the spec's.
        now: the time the pool's expiry counts from (default: now, UTC).

    Returns:
        An unsaved toloka-kit ``Pool``; answer pools wait for the kit's verdicts,
        others accept on their own.
    """
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
