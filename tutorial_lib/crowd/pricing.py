"""Fair pay and the bill: reward per assignment, a cost estimate, and a budget guard.

Pay is set from the time a task takes and a target hourly wage (default $12/h)
and rounded UP to the cent, so rounding never pushes workers below the target.
The estimate counts overlap, control (golden) tasks and the platform fee, and
is shown before anything is launched; :func:`check_budget` refuses to launch
past a budget with a message that says what to change.

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

    Taught in notebooks/01_crowdsourcing_basics.
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
        """A few lines to show before launch."""
        real = self.assignments - self.control_assignments
        work = (f"{self.n_tasks} tasks x overlap {self.overlap} = {real} assignments"
                f" + {self.control_assignments} control ({self.control_share:.0%})"
                f" = {self.assignments} assignments")
        pay = (f"reward ${self.reward_usd:.2f} per assignment (~{self.seconds_per_task:.0f} s"
               f" each) = ${self.effective_hourly_usd:.2f}/h (target ${self.hourly_pay_usd:.2f}/h)")
        bill = (f"worker pay ${self.worker_pay_usd:.2f} + platform fee ${self.fee_usd:.2f}"
                f" ({self.platform_fee:.0%}) = total ${self.total_usd:.2f}"
                f" for ~{self.worker_hours:.1f} worker-hours")
        return f"{work}\n{pay}\n{bill}"


def estimate_cost(n_tasks: int, overlap: int, seconds_per_task: float,
                  hourly_pay_usd: float = 12.0, control_share: float = 0.1,
                  platform_fee: float = 0.3) -> CostEstimate:
    """Cost of ``n_tasks`` tasks at ``overlap``, with a ``control_share`` of all assignments
    spent on control tasks and ``platform_fee`` on top of worker pay.

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
        n_tasks=n_tasks, overlap=overlap, seconds_per_task=float(seconds_per_task),
        hourly_pay_usd=float(hourly_pay_usd), control_share=float(control_share),
        platform_fee=float(platform_fee), reward_usd=reward, assignments=total_assignments,
        control_assignments=total_assignments - real, worker_pay_usd=float(pay),
        fee_usd=float(fee), total_usd=float(pay + fee),
        effective_hourly_usd=round(reward * 3600.0 / seconds_per_task, 2),
        worker_hours=round(total_assignments * seconds_per_task / 3600.0, 2),
    )


def _tasks_within(estimate: CostEstimate, budget_usd: float) -> int:
    """How many tasks the same settings could afford."""
    per_task = estimate.total_usd / estimate.n_tasks if estimate.n_tasks else 0.0
    n = int(budget_usd // per_task) if per_task else 0
    while n > 0 and estimate_cost(n, estimate.overlap, estimate.seconds_per_task,
                                  estimate.hourly_pay_usd, estimate.control_share,
                                  estimate.platform_fee).total_usd > budget_usd:
        n -= 1
    return n


def check_budget(estimate: CostEstimate, budget_usd: float | None) -> CostEstimate:
    """Refuse a launch that costs more than ``budget_usd`` (``None`` means no limit).

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
