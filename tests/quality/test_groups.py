"""Acceptance by annotator group: counts, Wilson intervals, and the largest gap."""

import pytest

from tutorial_lib.quality.groups import acceptance_by_group, largest_gap, wilson
from tutorial_lib.records import Decision


def _d(worker, verdict, i):
    return Decision(
        assignment_id=f"a{i}",
        prompt_id="p",
        worker_id=worker,
        verdict=verdict,
        score=0.5,
        confidence=0.9,
        votes=3,
    )


def test_rates_per_group_and_unknown_workers_kept():
    decisions = [
        _d("w1", "accept", 0),
        _d("w1", "reject", 1),
        _d("w2", "accept", 2),
        _d("w3", "accept", 3),
    ]
    rows = {r["group"]: r for r in acceptance_by_group(decisions, {"w1": "Kenya", "w2": "Kenya"})}
    assert rows["Kenya"]["answers"] == 3 and rows["Kenya"]["accepted"] == 2
    assert rows["unknown"]["answers"] == 1  # w3 has no group: counted, not dropped
    assert rows["Kenya"]["ci_low"] < rows["Kenya"]["acceptance"] < rows["Kenya"]["ci_high"]


def test_wilson_matches_a_known_value():
    low, high = wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-3) and high == pytest.approx(0.9433, abs=1e-3)


def test_largest_gap_needs_two_big_groups():
    rows = [
        {"group": "a", "answers": 40, "acceptance": 0.9, "ci_low": 0.77, "ci_high": 0.96},
        {"group": "b", "answers": 40, "acceptance": 0.5, "ci_low": 0.35, "ci_high": 0.65},
        {"group": "c", "answers": 2, "acceptance": 0.0, "ci_low": 0.0, "ci_high": 0.66},
    ]
    gap = largest_gap(rows)
    assert (gap["highest"], gap["lowest"], gap["intervals_overlap"]) == ("a", "b", False)
    assert largest_gap(rows[:1]) is None
