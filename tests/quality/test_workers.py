"""Per-worker summaries and bans on crafted QC results and votes."""

import math
from functools import partial

import pytest
from assignments import vote as _vote

from tutorial_lib.quality.workers import banned_workers, leave_one_out_agreement, worker_summary
from tutorial_lib.records import QCResult

vote = partial(_vote, duration=25.0)  # these workers take 25 s a vote

TRUTH = [1, 0, 1, 1, 0, 1, 0, 1]


@pytest.fixture
def votes():
    out = []
    for i, y in enumerate(TRUTH):
        task = f"a{i}"
        out += [vote(task, "good1", y), vote(task, "good2", y), vote(task, "good3", y)]
        out.append(vote(task, "yes_man", 1, duration=3.0))
    return out


@pytest.fixture
def qc():
    rows = [QCResult(f"x{i}", "p", "writer_ok", True) for i in range(6)]
    rows += [
        QCResult(f"y{i}", "p", "spammer", False, ["too_short", "fast_submission"]) for i in range(6)
    ]
    return rows


def test_leave_one_out_agreement(votes):
    agree = leave_one_out_agreement(votes)
    assert agree["good1"] == 1.0
    # yes_man agrees only on the helpful tasks (5 of 8)
    assert agree["yes_man"] == pytest.approx(5 / 8)


def test_summary_rows_for_writers_and_validators(qc, votes):
    summary = worker_summary(qc, votes).set_index("worker")
    assert summary.loc["spammer", "pass_rate"] == 0.0
    assert summary.loc["spammer", "fast_answers"] == 6
    assert summary.loc["spammer", "reasons"] == {"too_short": 6, "fast_submission": 6}
    assert summary.loc["writer_ok", "pass_rate"] == 1.0
    assert summary.loc["yes_man", "fast_votes"] == 8 and summary.loc["good1", "fast_votes"] == 0
    assert summary.loc["good1", "skill"] > summary.loc["yes_man", "skill"]
    assert math.isnan(summary.loc["good1", "pass_rate"])  # wrote nothing


def test_bans_hit_the_bad_workers_only(qc, votes):
    summary = worker_summary(qc, votes)
    assert banned_workers(summary) == {"spammer", "yes_man"}
    # too little evidence: nobody is judged
    assert banned_workers(summary, min_tasks=50) == set()
