"""The data collection's crowd bill (``04_decisions/cost.json``): what the ledger charged.

The total is the ledger's sum, never a re-estimate, so ``cost.json`` agrees with
what the run's :class:`~tutorial_lib.crowd.budget.Budget` was charged (control
tasks and the platform fee included). The rest describes the work: how many
answers and votes were paid and the hourly pay they came to.
"""

from __future__ import annotations

from ..config import CrowdConfig
from ..records import Assignment
from .ledger import Ledger
from .pricing import reward_per_assignment

# Project kinds whose cost the data collection bears (the evaluation's ranking is billed later).
COLLECTION = ("answers", "validation")


def _charged_by_kind(ledger: Ledger) -> dict[str, float]:
    charged: dict[str, float] = {}
    for row in ledger.events():
        if row.get("event") in ("launch", "more") and row["kind"] in COLLECTION:
            charged[row["kind"]] = round(charged.get(row["kind"], 0.0) + row["cost_usd"], 2)
    return charged


def crowd_cost(
    ledger: Ledger, answers: list[Assignment], votes: list[Assignment], crowd: CrowdConfig
) -> dict:
    """The data collection's bill, JSON-ready.

    Args:
        ledger: the run's money ledger.
        answers: every Part I answer after post-acceptance (rejected ones are not paid).
        votes: every Part II vote.
        crowd: the crowd section of the config (pay rate, task times, budget).

    Returns:
        ``total_usd`` (the ledger's answer and validation charges), ``charged_by_kind_usd``,
        the rewards, counts, and the target and effective hourly pay.

    Examples:
        >>> import tempfile, pathlib
        >>> ledger = Ledger(pathlib.Path(tempfile.mkdtemp()) / "ledger.jsonl", "simulated")
        >>> _ = ledger.record("launch", kind="answers", project_id="p", round=0,
        ...                   task_ids=["t"], overlap=2, cost_usd=1.25)
        >>> bill = crowd_cost(ledger, [], [], CrowdConfig())
        >>> bill["total_usd"], bill["charged_by_kind_usd"], bill["effective_hourly_pay_usd"]
        (1.25, {'answers': 1.25}, None)
    """
    paid = [a for a in answers if a.status != "rejected"]
    seconds = sum(a.duration_s for a in paid) + sum(v.duration_s for v in votes)
    reward_answer = reward_per_assignment(crowd.seconds_per_answer, crowd.hourly_pay_usd)
    reward_vote = reward_per_assignment(crowd.seconds_per_vote, crowd.hourly_pay_usd)
    pay = len(paid) * reward_answer + len(votes) * reward_vote
    return {
        "total_usd": round(ledger.spent_usd(COLLECTION), 2),
        "charged_by_kind_usd": _charged_by_kind(ledger),
        "budget_usd": crowd.budget_usd,
        "reward_per_answer_usd": reward_answer,
        "reward_per_vote_usd": reward_vote,
        "answers_paid": len(paid),
        "answers_rejected": len(answers) - len(paid),
        "votes_paid": len(votes),
        "target_hourly_pay_usd": crowd.hourly_pay_usd,
        "effective_hourly_pay_usd": round(pay / (seconds / 3600), 2) if seconds else None,
    }
