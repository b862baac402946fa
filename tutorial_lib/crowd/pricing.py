"""Fair pay and the bill: reward per assignment, a cost estimate, and one running budget.

Pay is set from the time a task takes and a target hourly wage (default $12/h)
and rounded UP to the cent, so rounding never pushes workers below the target.
The estimate counts overlap, control (golden) tasks and the platform fee, and
is shown before anything is launched; :func:`check_budget` refuses to launch
past a budget with a message that says what to change.

:class:`Budget` is the one pricing path of a run: it prices every launch from
the crowd config (answers, votes, extra votes, re-collection, ranking), refuses
a launch that would exceed what is left, and subtracts what it charged, so the
limit holds for the whole run and not for each launch alone. A pipeline builds
it from what the run's ledger already charged (``crowd/ledger.jsonl``).

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from ..errors import TutorialLibError

CENT = Decimal("0.01")


class BudgetExceeded(TutorialLibError):
    """A launch that would cost more than the budget; the message says what to change."""


def _up_to_cent(value: float | Decimal) -> Decimal:
    # str() first: Decimal(0.1) would carry binary noise that rounds up a whole cent.
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_CEILING)


def reward_per_assignment(seconds_per_task: float, hourly_pay_usd: float = 12.0) -> float:
    """Reward in USD for one assignment: hourly pay pro rata, rounded up to the cent."""
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


@dataclass
class Pricing:
    """Pay settings used to price each launch before it happens."""

    hourly_pay_usd: float = 12.0
    control_share: float = 0.1
    platform_fee: float = 0.3

    @classmethod
    def from_config(cls, cfg) -> Pricing:
        """The pay settings of a ``CrowdConfig``."""
        return cls(cfg.hourly_pay_usd, cfg.control_share, cfg.platform_fee)


@dataclass
class Budget:
    """One running crowd budget: prices launches from the config and subtracts what it charges.

    Args:
        limit_usd: the most the run may spend (``crowd.budget_usd``); ``None`` means no limit.
        pricing: pay per hour, control share and platform fee.
        seconds_per_task: time per task by project kind (``answers``, ``validation``);
            kinds not listed use the project spec's own time.
        spent_usd: what earlier launches already charged (e.g. ``Ledger.spent_usd()``).

    Examples:
        >>> from tutorial_lib.config import CrowdConfig
        >>> budget = Budget.from_config(CrowdConfig(budget_usd=10.0))
        >>> est = budget.price(10, 2, 120)
        >>> est.total_usd
        11.96
        >>> budget.charge(est, "answers")
        Traceback (most recent call last):
        ...
        tutorial_lib.crowd.pricing.BudgetExceeded: answers: estimated cost $11.96 exceeds ...
        >>> budget.charge(budget.price(2, 2, 120), "answers").total_usd, budget.remaining_usd
        (2.6, 7.4)
    """

    limit_usd: float | None = None
    pricing: Pricing = field(default_factory=Pricing)
    seconds_per_task: dict = field(default_factory=dict)
    spent_usd: float = 0.0

    @classmethod
    def from_config(cls, crowd_cfg, spent_usd: float = 0.0) -> Budget:
        """The budget a ``CrowdConfig`` sets, less ``spent_usd`` already charged in this run."""
        return cls(
            limit_usd=crowd_cfg.budget_usd,
            pricing=Pricing.from_config(crowd_cfg),
            seconds_per_task={
                "answers": crowd_cfg.seconds_per_answer,
                "validation": crowd_cfg.seconds_per_vote,
            },
            spent_usd=float(spent_usd),
        )

    @property
    def remaining_usd(self) -> float | None:
        """What is left to spend (``None`` without a limit)."""
        if self.limit_usd is None:
            return None
        return float(Decimal(str(self.limit_usd)) - Decimal(str(self.spent_usd)))

    def price(self, n_tasks: int, overlap: int, seconds_per_task: float) -> CostEstimate:
        """What ``n_tasks`` at ``overlap`` cost at this budget's pay settings."""
        p = self.pricing
        return estimate_cost(
            n_tasks, overlap, seconds_per_task, p.hourly_pay_usd, p.control_share, p.platform_fee
        )

    def price_for(
        self, kind: str, n_tasks: int, overlap: int, default_seconds: float, tariff=None
    ) -> CostEstimate:
        """Price work of one project ``kind``, timed from the config when it names the kind.

        ``tariff(kind, n_tasks, overlap)`` is a backend's own bill for that work
        (Toloka pays per task suite, golden tasks inside); when it returns an
        estimate, that is what is charged, so the ledger holds what the platform takes.
        """
        billed = tariff(kind, n_tasks, overlap) if tariff is not None else None
        if billed is not None:
            return billed
        return self.price(n_tasks, overlap, self.seconds_per_task.get(kind, default_seconds))

    def check(self, estimate: CostEstimate, what: str = "launch") -> CostEstimate:
        """Refuse ``estimate`` when it costs more than what is left; the message says what to do."""
        try:
            return check_budget(estimate, self.remaining_usd)
        except BudgetExceeded as err:
            spent = (
                (
                    f" (${self.spent_usd:.2f} of crowd.budget_usd=${self.limit_usd:.2f} is "
                    "already spent in this run)"
                )
                if self.spent_usd
                else ""
            )
            raise BudgetExceeded(f"{what}: {err}{spent}") from None

    def charge(self, estimate: CostEstimate, what: str = "launch") -> CostEstimate:
        """Check ``estimate`` against what is left, then subtract it; returns it."""
        self.check(estimate, what)
        self.spent_usd = float(Decimal(str(self.spent_usd)) + Decimal(str(estimate.total_usd)))
        return estimate


def as_budget(
    budget: Budget | None, budget_usd: float | None = None, pricing: Pricing | None = None
) -> Budget:
    """A :class:`Budget` for callers that pass a bare limit and pay settings (older API)."""
    if budget is not None:
        return budget
    return Budget(limit_usd=budget_usd, pricing=pricing or Pricing())
