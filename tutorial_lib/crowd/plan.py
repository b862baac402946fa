"""What a Toloka run will create and spend, computed offline before anything is paid.

``tutorial-lib crowd plan`` writes this as ``plan.json``: every Toloka object
the run would create (toloka-kit's ``unstructure`` output, each tagged with its
``kind``), the cost of the launches by kind, the ceiling that dynamic
overlap and re-collection could reach, and the time window (Part I's review
period, the pools' expiry). No network, no token. The backend builds its
pools from the same :func:`toloka_settings`, so what the plan shows is what
is sent.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..config import CrowdConfig, QualityConfig
from ..records import Prompt
from .design import answer_project, validation_project
from .design_spec import ProjectSpec
from .pricing import CostEstimate, estimate_cost

# Rounds of one more vote allowed per vote an answer may get beyond the start (answers
# reopen as skills are re-fitted); quality.overlap stops there, the plan counts them.
REOPEN_FACTOR = 4
# How long one wait for Tolokers is planned to take when crowd.wait_timeout_s is unset.
ASSUMED_WAIT_S = 86400.0
PLACEHOLDER = "<{kind} {what}>"  # ids Toloka assigns on creation


def project_spec_for(kind: str, crowd: CrowdConfig, lang: str) -> ProjectSpec:
    """The task design for ``kind`` ("answers" or "validation"), timed as the config says.

    The plan and the Toloka backend both price from this spec, so the
    planned reward is the reward sent.

    Args:
        kind: ``"answers"`` for Part I; anything else gives the Part II
            validation project.
        crowd: The ``crowd`` config section (seconds per answer/vote, scale).
        lang: The target language of the texts.

    Returns:
        The project's spec with ``seconds_per_task`` from the config.
    """
    if kind == "answers":
        return dataclasses.replace(
            answer_project(lang=lang), seconds_per_task=crowd.seconds_per_answer
        )
    return dataclasses.replace(
        validation_project(scale=crowd.scale, lang=lang), seconds_per_task=crowd.seconds_per_vote
    )


def validation_rounds(crowd: CrowdConfig) -> int:
    """Sequential Part II rounds at most: the start plus dynamic overlap's extra votes.

    Args:
        crowd: The ``crowd`` config section.

    Returns:
        1 without dynamic overlap, else
        ``1 + REOPEN_FACTOR * (validation_max_overlap - validation_overlap)``.

    Examples:
        >>> validation_rounds(CrowdConfig(dynamic_overlap=False))
        1
        >>> validation_rounds(CrowdConfig(validation_overlap=3, validation_max_overlap=5))
        9
    """
    if not crowd.dynamic_overlap:
        return 1
    return 1 + REOPEN_FACTOR * (crowd.validation_max_overlap - crowd.validation_overlap)


def part2_seconds(crowd: CrowdConfig, quality: QualityConfig) -> float:
    """Planned time from Part I's answers to the last verdict: every Part II round and,
    per re-collection round, one more answer wait and its validation rounds.

    Toloka accepts Part I work by itself when its review period runs out, so
    the review window must cover this time.

    Args:
        crowd: The ``crowd`` config section; each wait lasts ``wait_timeout_s``,
            or :data:`ASSUMED_WAIT_S` (a day) when it is unset.
        quality: The ``quality`` config section (``max_rounds`` of re-collection).

    Returns:
        Seconds.

    Examples:
        >>> crowd = CrowdConfig(dynamic_overlap=False, wait_timeout_s=3600)
        >>> part2_seconds(crowd, QualityConfig(max_rounds=1)) / 3600  # 2 vote waits + 1 answer wait
        3.0
    """
    wait = float(crowd.wait_timeout_s or ASSUMED_WAIT_S)
    waits = validation_rounds(crowd) * (1 + quality.max_rounds) + quality.max_rounds
    return waits * wait


def toloka_settings(kind: str, crowd: CrowdConfig, quality: QualityConfig, lang: str, run_id: str):
    """The pool settings a run uses on Toloka (review window from the planned Part II time).

    Args:
        kind: ``"answers"`` or ``"validation"``.
        crowd: The ``crowd`` config section (pay, overlaps, control share).
        quality: The ``quality`` section (its rounds set the planned Part II time).
        lang: The run's target language (``prompts.lang``).
        run_id: The run's id on Toloka (pool names carry it).

    Returns:
        A ``toloka_pools.PoolSettings``: pay, overlap, review days and how
        often a golden task rides in a suite.
    """
    from .toloka_pools import PoolSettings, golden_every, review_window_days

    spec = project_spec_for(kind, crowd, lang)
    overlap = crowd.answer_overlap if kind == "answers" else crowd.validation_overlap
    return PoolSettings(
        run_id=run_id,
        hourly_pay_usd=crowd.hourly_pay_usd,
        overlap=overlap,
        review_days=review_window_days(part2_seconds(crowd, quality)),
        golden_every=golden_every(spec, crowd.control_share),
    )


def launch_cost(
    spec: ProjectSpec, settings, n_tasks: int, overlap: int, platform_fee: float
) -> CostEstimate:
    """What Toloka bills for ``n_tasks`` x ``overlap`` suites at the pool's suite reward.

    Golden tasks ride along inside suites (their time is in the reward), so no
    separate control assignments are billed.

    Args:
        spec: The project, from :func:`project_spec_for`.
        settings: Its pool settings, from :func:`toloka_settings`.
        n_tasks: Tasks launched.
        overlap: Assignments per task.
        platform_fee: Toloka's fee as a fraction of rewards (``crowd.platform_fee``).

    Returns:
        The estimate (rewards, fee, total in USD, assignments).
    """
    from .toloka_pools import suite_reward

    reward = suite_reward(spec, settings)
    # the time that pays exactly ``reward``: estimate_cost then bills what Toloka bills
    seconds = (
        round(reward * 3600.0 / settings.hourly_pay_usd, 6)
        if settings.hourly_pay_usd
        else spec.seconds_per_task
    )
    return estimate_cost(n_tasks, overlap, seconds, settings.hourly_pay_usd, 0.0, platform_fee)


def _tagged(kind: str, objects) -> list[dict]:
    from toloka.client import unstructure

    return [{"kind": kind, **unstructure(obj)} for obj in objects]


def _answer_tasks(crowd: CrowdConfig, lang: str, prompts: list[Prompt]) -> list:
    """Part I's tasks with the inputs the backend uploads (``toloka_work.task_inputs``)."""
    from toloka.client import Task

    from .tasks import answer_task
    from .toloka_work import task_inputs

    spec, pool = (
        project_spec_for("answers", crowd, lang),
        PLACEHOLDER.format(kind="answers", what="pool"),
    )
    return [
        Task(
            pool_id=pool,
            overlap=crowd.answer_overlap,
            input_values=task_inputs(spec, answer_task(p), p.id),
        )
        for p in prompts
    ]


def _objects(
    crowd: CrowdConfig,
    quality: QualityConfig,
    lang: str,
    prompts: list[Prompt],
    run_id: str,
    now: dt.datetime,
) -> dict:
    from .toloka_build import build_project, has_choices
    from .toloka_graded import (
        build_golden_tasks,
        build_training,
        build_training_tasks,
        has_training,
    )
    from .toloka_pools import build_pool

    out = {
        key: []
        for key in ("projects", "trainings", "pools", "training_tasks", "golden_tasks", "tasks")
    }
    for kind in ("answers", "validation"):
        spec, ids = project_spec_for(kind, crowd, lang), {}
        for what in ("project", "training", "pool", "skill"):
            ids[what] = PLACEHOLDER.format(kind=kind, what=what)
        settings = toloka_settings(kind, crowd, quality, lang, run_id)
        out["projects"] += _tagged(kind, [build_project(spec)])
        training_id = ids["training"] if has_training(spec) else None
        if training_id:
            out["trainings"] += _tagged(kind, [build_training(spec, ids["project"])])
            out["training_tasks"] += _tagged(kind, build_training_tasks(spec, training_id))
        out["pools"] += _tagged(
            kind,
            [
                build_pool(
                    spec,
                    ids["project"],
                    settings,
                    training_id=training_id,
                    skill_id=ids["skill"] if has_choices(spec) else None,
                    now=now,
                )
            ],
        )
        if settings.golden_every:
            out["golden_tasks"] += _tagged(kind, build_golden_tasks(spec, ids["pool"]))
    out["tasks"] = _tagged("answers", _answer_tasks(crowd, lang, prompts))
    return out


def cost_of(estimate: CostEstimate | None) -> float:
    """An estimate's total in USD (0 when nothing is launched).

    Args:
        estimate: A launch's estimate, or ``None`` for a launch that does not happen.

    Returns:
        ``estimate.total_usd``, or 0.0.

    Examples:
        >>> cost_of(None)
        0.0
    """
    return estimate.total_usd if estimate else 0.0


def _costs(
    crowd: CrowdConfig, quality: QualityConfig, lang: str, n_prompts: int, run_id: str
) -> tuple[dict, dict]:
    specs = {k: project_spec_for(k, crowd, lang) for k in ("answers", "validation")}
    sets = {k: toloka_settings(k, crowd, quality, lang, run_id) for k in specs}
    n_answers = n_prompts * crowd.answer_overlap
    fee = crowd.platform_fee
    plan = {
        "answers": launch_cost(
            specs["answers"], sets["answers"], n_prompts, crowd.answer_overlap, fee
        ),
        "validation": launch_cost(
            specs["validation"],
            sets["validation"],
            max(n_answers, 0),
            crowd.validation_overlap,
            fee,
        )
        if n_answers
        else None,
    }
    top = crowd.validation_max_overlap if crowd.dynamic_overlap else crowd.validation_overlap
    extra_answers = n_prompts * quality.max_rounds  # one more answer per prompt and round
    ceiling = [cost_of(plan["answers"])]
    if extra_answers:
        ceiling.append(
            launch_cost(specs["answers"], sets["answers"], extra_answers, 1, fee).total_usd
        )
    if n_answers + extra_answers:
        ceiling.append(
            launch_cost(
                specs["validation"], sets["validation"], n_answers + extra_answers, top, fee
            ).total_usd
        )
    cost = {k: cost_of(v) for k, v in plan.items()}
    cost["total"] = round(sum(cost.values()), 2)
    return cost, {
        "ceiling_usd": round(sum(ceiling), 2),
        "reward_per_suite_usd": {k: v.reward_usd for k, v in plan.items() if v},
        "assignments": {k: v.assignments for k, v in plan.items() if v},
    }


def build_plan(
    crowd: CrowdConfig,
    quality: QualityConfig,
    prompts: list[Prompt],
    run_id: str,
    *,
    lang: str,
    now: dt.datetime | None = None,
) -> dict:
    """Everything ``crowd plan`` shows: objects, cost by kind and in total, time window.

    Args:
        crowd: The ``crowd`` config section (pay, overlaps, budget, waits).
        quality: The ``quality`` section (re-collection rounds).
        prompts: The prompts Part I would ask about.
        run_id: The run's id on Toloka (pool names carry it).
        lang: The run's target language (``prompts.lang``).
        now: The planned launch time (default: now, UTC).

    Returns:
        A JSON-ready dict; ``cost_usd`` prices the launches (answers at
        ``answer_overlap``, validation at its start overlap); ``ceiling_usd`` adds
        every extra vote dynamic overlap may buy and every re-collection round.

    Taught in notebooks/02_collecting_answers.
    """
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    cost, extra = _costs(crowd, quality, lang, len(prompts), run_id)
    settings = toloka_settings("answers", crowd, quality, lang, run_id)
    part2 = part2_seconds(crowd, quality)
    return {
        "run_id": run_id,
        "prompts": len(prompts),
        **_objects(crowd, quality, lang, prompts, run_id, now),
        "cost_usd": cost,
        **extra,
        "budget_usd": crowd.budget_usd,
        "time_window": {
            "launch": now.isoformat(),
            "wait_timeout_s": crowd.wait_timeout_s,
            "assumed_wait_s": None if crowd.wait_timeout_s else ASSUMED_WAIT_S,
            "validation_rounds_max": validation_rounds(crowd),
            "recollection_rounds_max": quality.max_rounds,
            "planned_part2_hours": round(part2 / 3600.0, 1),
            "review_days": settings.review_days,
            "pools_expire": (now + dt.timedelta(days=settings.expire_days)).isoformat(),
        },
    }
