"""Fair pay, the cost estimate and the budget guard."""

import pytest

from tutorial_lib.crowd.pricing import (
    BudgetExceeded,
    check_budget,
    estimate_cost,
    reward_per_assignment,
)


@pytest.mark.parametrize("hourly", [5.0, 12.0, 15.5])
def test_reward_never_pays_below_the_hourly_target_and_overpays_by_under_a_cent(hourly):
    for seconds in list(range(1, 200)) + [299.5, 600, 3600]:
        reward = reward_per_assignment(seconds, hourly)
        assert round(reward * 100) == pytest.approx(reward * 100)  # whole cents
        assert reward * 3600 / seconds >= hourly - 1e-9
        assert reward - hourly * seconds / 3600 < 0.01


def test_reward_rejects_nonsense():
    with pytest.raises(ValueError, match="seconds_per_task"):
        reward_per_assignment(0)
    with pytest.raises(ValueError, match="hourly"):
        reward_per_assignment(30, -1)


def test_estimate_by_hand():
    # 100 tasks x 3 = 300 real assignments; at 10% control that is ceil(300 / 0.9) = 334;
    # $12/h for 30 s = $0.10 each -> $33.40, 30% fee $10.02, total $43.42.
    est = estimate_cost(100, 3, 30)
    assert (est.reward_usd, est.assignments, est.control_assignments) == (0.10, 334, 34)
    assert (est.worker_pay_usd, est.fee_usd, est.total_usd) == (33.40, 10.02, 43.42)
    assert est.effective_hourly_usd == 12.0
    summary = est.summary()
    assert "$43.42" in summary and "334 assignments" in summary and "$12.00/h" in summary


@pytest.mark.parametrize(
    "n,overlap,share,fee",
    [(1, 1, 0.0, 0.0), (37, 3, 0.1, 0.3), (160, 2, 0.25, 0.2), (0, 5, 0.1, 0.3)],
)
def test_estimate_is_consistent(n, overlap, share, fee):
    est = estimate_cost(n, overlap, 45, 12.0, share, fee)
    real = n * overlap
    assert est.assignments - est.control_assignments == real
    if real:
        assert est.control_assignments / est.assignments >= share - 1e-9
        if est.control_assignments:  # and no more control than that share needs
            assert (est.control_assignments - 1) / (est.assignments - 1) < share
    assert est.worker_pay_usd == pytest.approx(est.assignments * est.reward_usd)
    assert est.fee_usd >= est.worker_pay_usd * fee - 1e-9
    assert est.total_usd == pytest.approx(est.worker_pay_usd + est.fee_usd)


def test_estimate_rejects_impossible_settings():
    with pytest.raises(ValueError, match="control_share"):
        estimate_cost(10, 1, 30, control_share=1.0)
    with pytest.raises(ValueError, match="overlap"):
        estimate_cost(10, 0, 30)


def test_budget_guard_says_how_much_and_what_fits():
    est = estimate_cost(160, 2, 120)
    assert check_budget(est, None) is est
    assert check_budget(est, est.total_usd) is est
    with pytest.raises(BudgetExceeded) as err:
        check_budget(est, 50.0)
    msg = str(err.value)
    assert f"${est.total_usd:.2f}" in msg and "$50.00" in msg and "overlap" in msg
    fits = int(msg.split("covers ")[1].split(" tasks")[0])
    assert estimate_cost(fits, 2, 120).total_usd <= 50.0 < estimate_cost(fits + 1, 2, 120).total_usd
