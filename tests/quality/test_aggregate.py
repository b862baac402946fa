"""Aggregation on toy data with known truth: every method recovers it; errors are clear."""

import numpy as np
import pandas as pd
import pytest

from tutorial_lib.quality.aggregate import (
    LABEL_METHODS,
    AggregationError,
    aggregate_labels,
    aggregate_pairwise,
    aggregate_texts,
    agreement,
    worker_skills,
)

TRUTH = {"t1": 1, "t2": 0, "t3": 1, "t4": 1, "t5": 0}


@pytest.fixture
def toy():
    """5 workers x 5 tasks: three always right, one always wrong, one says 1 always."""
    rows = []
    for task, y in TRUTH.items():
        for w in ("good1", "good2", "good3"):
            rows.append((task, w, y))
        rows.append((task, "liar", 1 - y))
        rows.append((task, "yes_man", 1))
    return pd.DataFrame(rows, columns=["task", "worker", "label"])


@pytest.mark.parametrize("method", LABEL_METHODS)
def test_every_label_method_recovers_truth(toy, method):
    out, fitted = aggregate_labels(toy, method, return_fitted=True)
    assert list(out.columns) == ["task", "label", "confidence"]
    assert dict(zip(out.task, out.label)) == TRUTH
    assert out.confidence.between(0.5, 1.0).all()
    skills = worker_skills(fitted, toy)
    assert skills["good1"] > skills["liar"]
    assert skills["good1"] > skills["yes_man"]


def test_mv_confidence_is_the_vote_share(toy):
    out = aggregate_labels(toy, "mv").set_index("task")
    # t2: good x3 say 0, liar and yes_man say 1 -> 3/5; t1: 4 of 5 say 1
    assert out.loc["t2", "confidence"] == pytest.approx(3 / 5)
    assert out.loc["t1", "confidence"] == pytest.approx(4 / 5)


def test_ds_is_surer_than_mv_once_it_learns_the_liar(toy):
    mv = aggregate_labels(toy, "mv").set_index("task").confidence
    ds = aggregate_labels(toy, "ds").set_index("task").confidence
    assert (ds >= mv).all() and (ds > 0.95).all()


def test_agreement_is_one_for_perfect_and_lower_with_the_liar(toy):
    perfect = toy[toy.worker.str.startswith("good")]
    assert agreement(perfect) == pytest.approx(1.0)
    assert agreement(toy) < 0.5


def test_missing_column_names_what_was_found(toy):
    with pytest.raises(AggregationError, match="needs column.*label; found task, worker, answer"):
        aggregate_labels(toy.rename(columns={"label": "answer"}), "mv")
    with pytest.raises(AggregationError, match="unknown label method 'median'"):
        aggregate_labels(toy, "median")
    with pytest.raises(AggregationError, match="no rows"):
        aggregate_labels(toy.iloc[:0], "ds")


def test_rover_and_hrrasa_pick_the_consensus_text():
    texts = pd.DataFrame(
        [
            ("t1", "a", "mji mkuu wa kenya ni nairobi"),
            ("t1", "b", "mji mkuu wa kenya ni nairobi"),
            ("t1", "c", "mji wa kenya ni mombasa"),
            ("t2", "a", "mvua inanyesha leo"),
            ("t2", "b", "mvua inanyesha sana leo"),
            ("t2", "c", "mvua inanyesha leo"),
        ],
        columns=["task", "worker", "text"],
    )
    for method in ("rover", "hrrasa"):
        out = aggregate_texts(texts, method)
        assert list(out.columns) == ["task", "text"]
        assert dict(zip(out.task, out.text)) == {
            "t1": "mji mkuu wa kenya ni nairobi",
            "t2": "mvua inanyesha leo",
        }


def test_pairwise_bradley_terry_ranks_the_usual_winner_first():
    rng = np.random.default_rng(0)
    strength = {"model_big": 3.0, "model_small": 1.0, "model_random": 0.2}
    rows = []
    names = list(strength)
    for i in range(300):
        left, right = rng.choice(names, 2, replace=False)
        p_left = strength[left] / (strength[left] + strength[right])
        rows.append((f"w{i % 7}", left, right, left if rng.random() < p_left else right))
    votes = pd.DataFrame(rows, columns=["worker", "left", "right", "label"])
    for method in ("bt", "noisybt"):
        out = aggregate_pairwise(votes, method)
        assert list(out["item"]) == ["model_big", "model_small", "model_random"]
    with pytest.raises(AggregationError, match="label must equal left or right"):
        aggregate_pairwise(votes.assign(label="nobody"), "bt")


def test_repeated_votes_count_once_and_numeric_spellings_are_one_class():
    df = pd.DataFrame(
        {
            "task": ["t1"] * 4 + ["t2"] * 2,
            "worker": ["a", "a", "b", "c", "a", "b"],
            "label": ["0", "0", " 0", "1", "01", "1.0"],
        }
    )
    out = aggregate_labels(df, "mv")
    assert out.label.tolist() == [0, 1]
    assert out.confidence.iloc[0] == pytest.approx(2 / 3)  # a's repeated 0 counted once
    notes = " ".join(out.attrs["warnings"])
    assert "1 repeated vote(s)" in notes and "merged" in notes


def test_thin_data_falls_back_to_majority_vote_and_never_invents_a_label():
    one_worker = pd.DataFrame({"task": ["t1", "t2", "t3"], "worker": ["a"] * 3, "label": [1, 0, 1]})
    out = aggregate_labels(one_worker, "ds")
    assert out.label.tolist() == [1, 0, 1] and (out.confidence == 1.0).all()
    assert "one worker gave every vote" in out.attrs["warnings"][0]
    single = pd.DataFrame(
        {"task": ["t1", "t2", "t3", "t4"], "worker": ["a", "b", "a", "b"], "label": [2, 0, 1, 2]}
    )
    out = aggregate_labels(single, "ds")
    given = dict(zip(single.task, single.label))
    assert all(row.label == given[row.task] for row in out.itertuples())
    assert "single vote" in out.attrs["warnings"][0]
