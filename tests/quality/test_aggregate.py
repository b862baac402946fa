"""Aggregation on toy data with known truth: every method recovers it; errors are clear."""

import crowdkit.aggregation as ck
import numpy as np
import pandas as pd
import pytest

from tutorial_lib.quality.aggregate import (
    LABEL_METHODS,
    DawidSkene,
    MajorityVote,
    agreement,
    make_label_aggregator,
)
from tutorial_lib.quality.pairwise import BradleyTerry, NoisyBradleyTerry, make_pairwise_aggregator
from tutorial_lib.quality.smoothed_ds import SmoothedDawidSkene
from tutorial_lib.quality.text_aggregate import make_text_aggregator
from tutorial_lib.quality.vote_input import AggregationError


def labels_table(data, method, **params):
    """The fitted estimator and its ``task, label, confidence`` frame."""
    model = make_label_aggregator(method, **params).fit(data)
    return model.result_frame(), model


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
    out, fitted = labels_table(toy, method)
    assert list(out.columns) == ["task", "label", "confidence"]
    assert dict(zip(out.task, out.label)) == TRUTH
    assert fitted.fit_predict(toy).to_dict() == TRUTH
    assert out.confidence.between(0.5, 1.0).all()
    assert fitted.fit(toy) is fitted  # crowd-kit style: fit returns the estimator
    skills = fitted.skills_
    assert skills["good1"] > skills["liar"]
    assert skills["good1"] > skills["yes_man"]


def test_mv_confidence_is_the_vote_share(toy):
    out = MajorityVote().fit(toy).result_frame().set_index("task")
    # t2: good x3 say 0, liar and yes_man say 1 -> 3/5; t1: 4 of 5 say 1
    assert out.loc["t2", "confidence"] == pytest.approx(3 / 5)
    assert out.loc["t1", "confidence"] == pytest.approx(4 / 5)


def test_ds_is_surer_than_mv_once_it_learns_the_liar(toy):
    mv = MajorityVote().fit(toy).confidences_
    ds = DawidSkene().fit(toy).confidences_
    assert (ds >= mv).all() and (ds > 0.95).all()


def test_agreement_is_one_for_perfect_and_lower_with_the_liar(toy):
    perfect = toy[toy.worker.str.startswith("good")]
    assert agreement(perfect) == pytest.approx(1.0)
    assert agreement(toy) < 0.5


def test_missing_column_names_what_was_found(toy):
    with pytest.raises(AggregationError, match="needs column.*label; found task, worker, answer"):
        MajorityVote().fit(toy.rename(columns={"label": "answer"}))
    with pytest.raises(AggregationError, match="unknown label method 'median'"):
        make_label_aggregator("median")
    with pytest.raises(AggregationError, match="no rows"):
        DawidSkene().fit(toy.iloc[:0])


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
        out = make_text_aggregator(method).fit(texts).result_frame()
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
        out = make_pairwise_aggregator(method).fit(votes).result_frame()
        assert list(out["item"]) == ["model_big", "model_small", "model_random"]
    assert set(NoisyBradleyTerry().fit(votes).skills_.index) == {f"w{i}" for i in range(7)}
    with pytest.raises(AggregationError, match="vote row 0 .*'nobody' is neither"):
        BradleyTerry().fit(votes.assign(label="nobody"))
    with pytest.raises(AggregationError, match="unknown pairwise method 'noisy_bt'"):
        make_pairwise_aggregator("noisy_bt")


def test_repeated_votes_count_once_and_numeric_spellings_are_one_class():
    df = pd.DataFrame(
        {
            "task": ["t1"] * 4 + ["t2"] * 2,
            "worker": ["a", "a", "b", "c", "a", "b"],
            "label": ["0", "0", " 0", "1", "01", "1.0"],
        }
    )
    model = MajorityVote().fit(df)
    assert model.labels_.tolist() == [0, 1]
    assert model.confidences_.iloc[0] == pytest.approx(2 / 3)  # a's repeated 0 counted once
    notes = " ".join(model.warnings_)
    assert "1 repeated vote(s)" in notes and "merged" in notes


def test_thin_data_falls_back_to_majority_vote_and_never_invents_a_label():
    one_worker = pd.DataFrame({"task": ["t1", "t2", "t3"], "worker": ["a"] * 3, "label": [1, 0, 1]})
    model = DawidSkene().fit(one_worker)
    assert model.labels_.tolist() == [1, 0, 1] and (model.confidences_ == 1.0).all()
    assert "one worker gave every vote" in model.warnings_[0]
    assert isinstance(model.model_, ck.MajorityVote)
    single = pd.DataFrame(
        {"task": ["t1", "t2", "t3", "t4"], "worker": ["a", "b", "a", "b"], "label": [2, 0, 1, 2]}
    )
    model = DawidSkene().fit(single)
    given = dict(zip(single.task, single.label))
    assert all(label == given[task] for task, label in model.labels_.items())
    assert "single vote" in model.warnings_[0]


def test_mixed_numbers_and_words_are_refused_in_one_line():
    df = pd.DataFrame({"task": ["t1", "t1"], "worker": ["a", "b"], "label": ["1", "yes"]})
    with pytest.raises(AggregationError, match="labels mix numbers and words .*yes") as err:
        MajorityVote().fit(df)
    assert "\n" not in str(err.value)


def test_a_label_no_worker_gave_is_replaced_by_the_majority_vote():
    # "liar" is wrong on every shared task, so Dawid-Skene flips liar's lone vote on t9.
    rows = [(f"t{i}", w, i % 2) for i in range(8) for w in ("g1", "g2", "g3")]
    rows += [(f"t{i}", "liar", 1 - i % 2) for i in range(8)] + [("t9", "liar", 1)]
    model = DawidSkene().fit(pd.DataFrame(rows, columns=["task", "worker", "label"]))
    assert model.model_.labels_["t9"] == 0  # crowd-kit's own answer: a label nobody gave
    assert model.labels_["t9"] == 1 and model.confidences_["t9"] == 1.0
    assert any("no worker gave on 1 task(s)" in n for n in model.warnings_)


def test_smoothed_ds_with_no_smoothing_equals_crowdkit_dawid_skene(toy):
    """The own EM follows crowd-kit's step for step (no private crowd-kit method is used)."""
    ours = SmoothedDawidSkene(smoothing=0.0).fit(toy)
    theirs = ck.DawidSkene(n_iter=100).fit(toy)
    assert ours.labels_.sort_index().tolist() == theirs.labels_.sort_index().tolist()
    np.testing.assert_allclose(
        ours.probas_.sort_index().to_numpy(), theirs.probas_.sort_index().to_numpy(), atol=1e-6
    )
    assert len(ours.loss_history_) == len(theirs.loss_history_)
