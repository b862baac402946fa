"""The run's one crowd budget: priced from the config, charged per launch, within its limit."""

import pytest

from tutorial_lib.config import CrowdConfig
from tutorial_lib.crowd.budget import Budget
from tutorial_lib.crowd.pricing import BudgetExceeded


def test_one_budget_subtracts_every_launch_and_refuses_past_what_is_left():
    budget = Budget.from_config(CrowdConfig(budget_usd=20.0, seconds_per_vote=72.0))
    first = budget.charge(budget.price_for("answers", 10, 2, 999), "answers")
    assert first.seconds_per_task == 120.0  # the config's time, not the spec's default
    assert budget.remaining_usd == pytest.approx(20.0 - first.total_usd)
    vote = budget.price_for("validation", 3, 1, 36)
    assert vote.seconds_per_task == 72.0 and vote.reward_usd == 0.24
    with pytest.raises(BudgetExceeded, match="already spent in this run"):
        budget.charge(budget.price_for("answers", 10, 2, 120), "more answers")
    assert budget.spent_usd == first.total_usd  # a refused launch charges nothing
