"""Helpfulness aggregation and dynamic overlap on the simulated crowd."""

import collections

import pandas as pd
import pytest
from assignments import vote

from tutorial_lib.config import CrowdConfig, resolve_path
from tutorial_lib.crowd.collect import collect_answers, collect_votes, read_sink
from tutorial_lib.crowd.simulated import SimulatedCrowd
from tutorial_lib.jsonl import read_jsonl
from tutorial_lib.quality.aggregate import DawidSkene
from tutorial_lib.quality.overlap import (
    helpful_label,
    helpfulness,
    uncertain_answers,
    validate_dynamic,
)
from tutorial_lib.records import Prompt


def test_likert_votes_count_as_helpful_from_four():
    assert [helpful_label(vote("a", "w", x)) for x in (0, 1, 2, 3, 4, 5)] == [0, 1, 0, 0, 1, 1]
    with pytest.raises(ValueError, match="label 7"):
        helpful_label(vote("a", "w", 7))


def test_helpfulness_score_and_confidence():
    votes = [vote("a1", w, 1) for w in "xyz"] + [vote("a2", w, 0) for w in "xyz"]
    votes += [vote("a3", "x", 1), vote("a3", "y", 0)]
    table = helpfulness(votes, "mv")
    assert table.loc["a1", "score"] == 1.0 and table.loc["a2", "score"] == 0.0
    assert table.loc["a3", "confidence"] == 0.5 and table.loc["a3", "votes"] == 2
    assert helpfulness([vote("a", "w", 1)], "ds").loc["a", "score"] == 1.0  # one class only
    assert helpfulness([], "ds").empty


def test_uncertain_answers_respects_threshold_and_maximum():
    table = pd.DataFrame(
        {"score": [0.99, 0.6, 0.6], "confidence": [0.99, 0.6, 0.6], "votes": [2, 2, 5]},
        index=["sure", "unsure", "capped"],
    )
    assert uncertain_answers(table, ["sure", "unsure", "capped", "new"], 0.9, 5) == [
        "unsure",
        "new",
    ]


def test_uncertain_answers_with_a_limit_takes_the_least_confident_first():
    table = pd.DataFrame(
        {
            "score": [0.2, 0.55, 0.85, 0.99],
            "confidence": [0.8, 0.55, 0.85, 0.99],
            "votes": [3, 3, 3, 3],
        },
        index=["a", "b", "c", "d"],
    )
    ids = ["a", "b", "c", "d", "new"]
    assert uncertain_answers(table, ids, 0.9, 7, limit=2) == ["new", "b"]
    assert uncertain_answers(table, ids, 0.9, 7, limit=10) == ["new", "b", "a", "c"]
    assert uncertain_answers(table, ids, 0.9, 7, limit=0) == []


def test_smoothed_ds_agrees_with_ds_but_is_not_certain_of_one_vote():
    truth = [1, 0, 1, 1, 0, 1, 0, 1]
    rows = [(f"t{i}", w, y) for i, y in enumerate(truth) for w in ("g1", "g2", "g3")]
    rows += [(f"t{i}", "careless", y if i % 3 else 1 - y) for i, y in enumerate(truth)]
    rows += [("lone", "g1", 1)]
    df = pd.DataFrame(rows, columns=["task", "worker", "label"])
    plain = DawidSkene().fit(df).result_frame().set_index("task")
    smooth = DawidSkene(smoothing=2.0).fit(df).result_frame().set_index("task")
    assert (plain.label == smooth.label).all()
    assert plain.loc["lone", "confidence"] > 0.999  # ML: g1 is "perfect", one vote decides
    assert 0.6 < smooth.loc["lone", "confidence"] < 0.99  # shrunk toward a crowd with errors


@pytest.fixture(scope="module")
def prompts():
    return read_jsonl(resolve_path("data/prompts/seed_sw.jsonl"), Prompt)[:60]


def crowd(prompts, workdir, seed=3):
    sim = SimulatedCrowd(prompts, workdir, seed=seed)
    return sim, collect_answers(sim, prompts, 2, workdir / "answers.jsonl")


def accuracy(votes, truth):
    table = helpfulness(votes)
    return sum((table.score[a] >= 0.5) == t["helpful"] for a, t in truth.items()) / len(truth)


def test_dynamic_overlap_uses_fewer_votes_than_fixed_max(prompts, tmp_path):
    cfg = CrowdConfig(validation_overlap=2, validation_max_overlap=5, confidence_threshold=0.9)
    sim, answers = crowd(prompts, tmp_path / "dyn")
    votes = validate_dynamic(sim, answers, prompts, cfg, tmp_path / "dyn" / "votes.jsonl")
    per_answer = collections.Counter(v.task_id for v in votes)
    assert set(per_answer) == {a.assignment_id for a in answers}
    assert min(per_answer.values()) >= 2 and max(per_answer.values()) <= 5
    assert 2 * len(answers) < len(votes) < 0.75 * 5 * len(answers)
    # the uncertain ones got more votes: both 2 and >= 4 occur
    assert {2, 4} <= set(per_answer.values()) or {2, 5} <= set(per_answer.values())

    fixed_sim, fixed_answers = crowd(prompts, tmp_path / "fixed")
    fixed = collect_votes(fixed_sim, fixed_answers, prompts, 5, tmp_path / "fixed" / "votes.jsonl")
    truth = SimulatedCrowd.load_truth(tmp_path / "dyn")
    assert accuracy(votes, truth) >= accuracy(fixed, truth) - 0.05
    assert accuracy(votes, truth) > 0.9


def test_dynamic_overlap_rerun_asks_for_nothing_more(prompts, tmp_path):
    cfg = CrowdConfig(validation_overlap=2, validation_max_overlap=4, confidence_threshold=0.9)
    sim, answers = crowd(prompts[:30], tmp_path, seed=5)
    sink = tmp_path / "votes.jsonl"
    first = validate_dynamic(sim, answers, prompts, cfg, sink)
    again = validate_dynamic(
        SimulatedCrowd(prompts[:30], tmp_path, seed=5), answers, prompts, cfg, sink
    )
    assert len(again) == len(first) == len(read_sink(sink))
    assert len({v.assignment_id for v in again}) == len(again)


def test_dynamic_overlap_respects_a_vote_cap(prompts, tmp_path):
    cfg = CrowdConfig(validation_overlap=2, validation_max_overlap=7, confidence_threshold=0.99)
    sim, answers = crowd(prompts[:30], tmp_path, seed=4)
    extra = len(answers) // 3
    votes = validate_dynamic(
        sim, answers, prompts, cfg, tmp_path / "votes.jsonl", max_votes=2 * len(answers) + extra
    )
    per_answer = collections.Counter(v.task_id for v in votes)
    # a 0.99 threshold wants far more than the cap: all of it is spent, one vote each to the
    # least confident third after the start votes, then nothing more
    assert len(votes) == 2 * len(answers) + extra
    assert sorted(collections.Counter(per_answer.values()).items()) == [
        (2, len(answers) - extra),
        (3, extra),
    ]
