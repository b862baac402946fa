"""The run's one crowd budget: prices each launch, refuses what does not fit, keeps the sum.

:class:`Budget` is the one pricing path of a run: it prices every launch from
the crowd config (answers, votes, extra votes, re-collection, ranking), refuses
a launch that would exceed what is left, and subtracts what it charged, so the
limit holds for the whole run and not for each launch alone. A pipeline builds
it from what the run's ledger already charged (``crowd/ledger.jsonl``). The
pay arithmetic it uses lives in :mod:`~tutorial_lib.crowd.pricing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .pricing import BudgetExceeded, CostEstimate, Pricing, check_budget, estimate_cost


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
        """The budget a ``CrowdConfig`` sets, less what this run already charged.

        Args:
            crowd_cfg: the config's crowd section (``budget_usd``, pay settings and the
                seconds per answer and per vote).
            spent_usd: what the run's ledger already charged, in USD, so a rerun
                cannot spend the whole limit again.

        Returns:
            A :class:`Budget` pricing answers and validation by the config's task times.
        """
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
        """What ``n_tasks`` at ``overlap`` cost at this budget's pay settings (nothing charged).

        Args:
            n_tasks: tasks to price.
            overlap: assignments per task.
            seconds_per_task: how long one assignment takes, in seconds (> 0).

        Returns:
            The :class:`CostEstimate`.
        """
        p = self.pricing
        return estimate_cost(
            n_tasks, overlap, seconds_per_task, p.hourly_pay_usd, p.control_share, p.platform_fee
        )

    def price_for(
        self, kind: str, n_tasks: int, overlap: int, default_seconds: float, tariff=None
    ) -> CostEstimate:
        """Price work of one project ``kind``, timed from the config when it names the kind.

        Args:
            kind: the project kind (``answers``, ``validation``, ``ranking``).
            n_tasks: tasks to price.
            overlap: assignments per task.
            default_seconds: seconds per task when the config does not time ``kind``
                (the project spec's own estimate).
            tariff: optional ``tariff(kind, n_tasks, overlap)``, a backend's own bill
                for that work (Toloka pays per task suite, golden tasks inside); when it
                returns an estimate, that is what is charged, so the ledger holds what
                the platform takes.

        Returns:
            The backend's estimate when ``tariff`` gives one, else this budget's price.
        """
        billed = tariff(kind, n_tasks, overlap) if tariff is not None else None
        if billed is not None:
            return billed
        return self.price(n_tasks, overlap, self.seconds_per_task.get(kind, default_seconds))

    def check(self, estimate: CostEstimate, what: str = "launch") -> CostEstimate:
        """Refuse ``estimate`` when it costs more than what is left; the message says what to do.

        Args:
            estimate: the launch's price.
            what: the launch's name, prefixed to the error message.

        Returns:
            ``estimate``, unchanged, when it fits (nothing is charged).

        Raises:
            BudgetExceeded: if it costs more than :attr:`remaining_usd`; the message adds
                what this run already spent.
        """
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
        """Check ``estimate`` against what is left, then subtract it from the budget.

        Args:
            estimate: the launch's price.
            what: the launch's name, for the error message.

        Returns:
            ``estimate``, now charged.

        Raises:
            BudgetExceeded: from :meth:`check`, when it does not fit (nothing is charged).
        """
        self.check(estimate, what)
        self.spent_usd = float(Decimal(str(self.spent_usd)) + Decimal(str(estimate.total_usd)))
        return estimate


def as_budget(
    budget: Budget | None, budget_usd: float | None = None, pricing: Pricing | None = None
) -> Budget:
    """A :class:`Budget` for callers that pass a bare limit and pay settings (older API).

    Args:
        budget: a running budget; returned as is when given, so it keeps its spending.
        budget_usd: the limit of a new budget (``None``: no limit).
        pricing: the pay settings of a new budget (default :class:`Pricing`).

    Returns:
        ``budget``, or a new :class:`Budget` with nothing spent yet.
    """
    if budget is not None:
        return budget
    return Budget(limit_usd=budget_usd, pricing=pricing or Pricing())
