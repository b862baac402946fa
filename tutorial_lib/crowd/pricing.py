"""Fair pay and the bill: reward per assignment, a cost estimate, and the pay settings.

Pay is set from the time a task takes and a target hourly wage (default $12/h)
and rounded UP to the cent, so rounding never pushes workers below the target.
The estimate counts overlap, control (golden) tasks and the platform fee, and
is shown before anything is launched; :func:`check_budget` refuses to launch
past a budget with a message that says what to change.

The run's one running budget, which prices every launch with these functions
and subtracts what it charged, is :class:`~tutorial_lib.crowd.budget.Budget`.

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from ..errors import TutorialLibError

CENT = Decimal("0.01")


class BudgetExceeded(TutorialLibError):
    """A launch that would cost more than the budget; the message says what to change."""


def _up_to_cent(value: float | Decimal) -> Decimal:
    # str() first: Decimal(0.1) would carry binary noise that rounds up a whole cent.
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_CEILING)


def reward_per_assignment(seconds_per_task: float, hourly_pay_usd: float = 12.0) -> float:
    """Reward in USD for one assignment: hourly pay pro rata, rounded up to the cent.

    Rounding up (never to nearest) keeps the effective hourly pay at or above the target.

    Args:
        seconds_per_task: how long one assignment takes a worker, in seconds (> 0).
        hourly_pay_usd: the target pay per hour of work, in USD (>= 0).

    Returns:
        The reward in USD, a whole number of cents.

    Raises:
        ValueError: if ``seconds_per_task`` is not positive or ``hourly_pay_usd`` is negative.

    Examples:
        >>> reward_per_assignment(90)  # 90 s at $12/h = $0.30
        0.3
        >>> reward_per_assignment(100)  # $0.3333... rounds up, not down
        0.34
    """
    if not seconds_per_task or seconds_per_task <= 0:
        raise ValueError(f"seconds_per_task must be > 0, got {seconds_per_task!r}")
    if hourly_pay_usd < 0:
        raise ValueError(f"hourly_pay_usd must be >= 0, got {hourly_pay_usd!r}")
    exact = Decimal(str(hourly_pay_usd)) * Decimal(str(seconds_per_task)) / Decimal(3600)
    return float(exact.quantize(CENT, rounding=ROUND_CEILING))


@dataclass
class CostEstimate:
    """What a launch will cost, and what it pays per hour of work."""

    n_tasks: int
    overlap: int
    seconds_per_task: float
    hourly_pay_usd: float
    control_share: float
    platform_fee: float
    reward_usd: float
    assignments: int
    control_assignments: int
    worker_pay_usd: float
    fee_usd: float
    total_usd: float
    effective_hourly_usd: float
    worker_hours: float

    def summary(self) -> str:
        """A few lines to show before launch: the work, the pay per hour and the bill.

        Returns:
            Three lines: assignments (real + control), reward and hourly pay, total cost.
        """
        real = self.assignments - self.control_assignments
        work = (
            f"{self.n_tasks} tasks x overlap {self.overlap} = {real} assignments"
            f" + {self.control_assignments} control ({self.control_share:.0%})"
            f" = {self.assignments} assignments"
        )
        pay = (
            f"reward ${self.reward_usd:.2f} per assignment (~{self.seconds_per_task:.0f} s"
            f" each) = ${self.effective_hourly_usd:.2f}/h (target ${self.hourly_pay_usd:.2f}/h)"
        )
        bill = (
            f"worker pay ${self.worker_pay_usd:.2f} + platform fee ${self.fee_usd:.2f}"
            f" ({self.platform_fee:.0%}) = total ${self.total_usd:.2f}"
            f" for ~{self.worker_hours:.1f} worker-hours"
        )
        return f"{work}\n{pay}\n{bill}"


def estimate_cost(
    n_tasks: int,
    overlap: int,
    seconds_per_task: float,
    hourly_pay_usd: float = 12.0,
    control_share: float = 0.1,
    platform_fee: float = 0.3,
) -> CostEstimate:
    """What a launch costs before it happens: worker pay, control tasks and the platform fee.

    Args:
        n_tasks: tasks to launch (>= 0).
        overlap: assignments (distinct workers) per task (>= 1).
        seconds_per_task: how long one assignment takes, in seconds (> 0).
        hourly_pay_usd: target pay per hour of work, in USD.
        control_share: the share of ALL assignments spent on control tasks, in [0, 1).
        platform_fee: the platform's fee as a fraction of worker pay (0.3 = 30 %).

    Returns:
        A :class:`CostEstimate`: counts, reward, total USD, hourly pay, worker-hours.

    Raises:
        ValueError: if a count, time, share or fee is out of the range above (named).

    Examples:
        >>> print(estimate_cost(100, overlap=3, seconds_per_task=60).summary())
        100 tasks x overlap 3 = 300 assignments + 34 control (10%) = 334 assignments
        reward $0.20 per assignment (~60 s each) = $12.00/h (target $12.00/h)
        worker pay $66.80 + platform fee $20.04 (30%) = total $86.84 for ~5.6 worker-hours

    Taught in notebooks/01_crowdsourcing_basics.
    """
    if n_tasks < 0 or overlap < 1:
        raise ValueError(f"need n_tasks >= 0 and overlap >= 1, got {n_tasks}, {overlap}")
    if not 0.0 <= control_share < 1.0:
        raise ValueError(f"control_share must be in [0, 1), got {control_share!r}")
    if platform_fee < 0:
        raise ValueError(f"platform_fee must be >= 0, got {platform_fee!r}")
    reward = reward_per_assignment(seconds_per_task, hourly_pay_usd)
    real = n_tasks * overlap
    # Control tasks are a share of everything workers do, so they add on top of the real work.
    total_assignments = math.ceil(round(real / (1.0 - control_share), 9)) if real else 0
    pay = Decimal(str(reward)) * total_assignments
    fee = _up_to_cent(pay * Decimal(str(platform_fee)))
    return CostEstimate(
        n_tasks=n_tasks,
        overlap=overlap,
        seconds_per_task=float(seconds_per_task),
        hourly_pay_usd=float(hourly_pay_usd),
        control_share=float(control_share),
        platform_fee=float(platform_fee),
        reward_usd=reward,
        assignments=total_assignments,
        control_assignments=total_assignments - real,
        worker_pay_usd=float(pay),
        fee_usd=float(fee),
        total_usd=float(pay + fee),
        effective_hourly_usd=round(reward * 3600.0 / seconds_per_task, 2),
        worker_hours=round(total_assignments * seconds_per_task / 3600.0, 2),
    )


def _tasks_within(estimate: CostEstimate, budget_usd: float) -> int:
    """How many tasks the same settings could afford."""
    per_task = estimate.total_usd / estimate.n_tasks if estimate.n_tasks else 0.0
    n = int(budget_usd // per_task) if per_task else 0
    while (
        n > 0
        and estimate_cost(
            n,
            estimate.overlap,
            estimate.seconds_per_task,
            estimate.hourly_pay_usd,
            estimate.control_share,
            estimate.platform_fee,
        ).total_usd
        > budget_usd
    ):
        n -= 1
    return n


def check_budget(estimate: CostEstimate, budget_usd: float | None) -> CostEstimate:
    """Refuse a launch that costs more than the budget, saying how many tasks would fit.

    Args:
        estimate: the launch's :func:`estimate_cost`.
        budget_usd: the most it may cost, in USD; ``None`` means no limit.

    Returns:
        ``estimate`` itself when it fits, so the call can wrap the estimate.

    Raises:
        BudgetExceeded: if the estimate's total exceeds ``budget_usd``; the message says
            by how much, how many tasks the budget covers and which settings to change
            (never the hourly pay).

    Examples:
        >>> check_budget(estimate_cost(100, 3, 60), budget_usd=50.0)
        Traceback (most recent call last):
        ...
        tutorial_lib.crowd.pricing.BudgetExceeded: estimated cost $86.84 exceeds the budget ...

    Taught in notebooks/01_crowdsourcing_basics.
    """
    if budget_usd is None or estimate.total_usd <= budget_usd + 1e-9:
        return estimate
    fits = _tasks_within(estimate, budget_usd)
    raise BudgetExceeded(
        f"estimated cost ${estimate.total_usd:.2f} exceeds the budget ${budget_usd:.2f} "
        f"by ${estimate.total_usd - budget_usd:.2f} ({estimate.n_tasks} tasks x overlap "
        f"{estimate.overlap} + {estimate.control_assignments} control assignments at "
        f"${estimate.reward_usd:.2f}, {estimate.platform_fee:.0%} fee). This budget covers "
        f"{fits} tasks at these settings: lower the overlap or the number of prompts "
        f"(prompts.limit), or raise crowd.budget_usd. Pay per hour is not lowered for you."
    )


@dataclass
class Pricing:
    """Pay settings used to price each launch before it happens."""

    hourly_pay_usd: float = 12.0
    control_share: float = 0.1
    platform_fee: float = 0.3

    @classmethod
    def from_config(cls, cfg) -> Pricing:
        """The pay settings of a ``CrowdConfig``.

        Args:
            cfg: the config's crowd section (``hourly_pay_usd``, ``control_share``,
                ``platform_fee``).

        Returns:
            A :class:`Pricing` with those three values.
        """
        return cls(cfg.hourly_pay_usd, cfg.control_share, cfg.platform_fee)
