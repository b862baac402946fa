"""Side-by-side comparison tasks and the Bradley-Terry ranking with bootstrap intervals."""

import random
from datetime import UTC, datetime

import pandas as pd
import pytest

from tutorial_lib.evaluate.ranking import build_comparisons, rank_models, votes_frame
from tutorial_lib.records import Assignment, Prompt

PROMPTS = [Prompt(id=f"p{i}", category="open_qa", prompt=f"Swali la {i}?") for i in range(40)]


def _vote(task, label, worker="w_1", status="submitted", n=0):
    return Assignment(
        assignment_id=f"a{task['task_id']}{worker}{n}",
        task_id=task["task_id"],
        worker_id=worker,
        kind="ranking",
        backend="simulated",
        submitted_at=datetime.now(UTC).isoformat(),
        duration_s=12.0,
        label=label,
        status=status,
    )


def test_comparisons_follow_the_schema_and_randomise_sides():
    tasks = build_comparisons(
        PROMPTS, [f"A{i}" for i in range(40)], [f"B{i}" for i in range(40)], "base", "tuned", seed=3
    )
    assert set(tasks[0]) == {
        "task_id",
        "prompt_id",
        "prompt",
        "answer_a",
        "answer_b",
        "model_a",
        "model_b",
    }
    firsts = [t["model_a"] for t in tasks]
    assert 5 < firsts.count("base") < 35  # both orders occur
    for i, t in enumerate(tasks):  # each answer stays with its model
        assert t["answer_a"] == ("A" if t["model_a"] == "base" else "B") + str(i)
    again = build_comparisons(PROMPTS, ["x"] * 40, ["y"] * 40, "tuned", "base", seed=9)
    assert [t["task_id"] for t in again] == [t["task_id"] for t in tasks]  # stable ids
    with pytest.raises(ValueError, match="lengths must match"):
        build_comparisons(PROMPTS, ["a"], ["b"], "base", "tuned")


def test_labels_map_to_the_model_shown_on_that_side():
    tasks = build_comparisons(PROMPTS, ["a"] * 40, ["b"] * 40, "base", "tuned", seed=1)
    # Every worker prefers "tuned", wherever it was shown.
    votes = [_vote(t, 0 if t["model_a"] == "tuned" else 1) for t in tasks]
    frame = votes_frame(votes, tasks)
    assert (frame["label"] == "tuned").all()
    table = rank_models(votes, tasks, n_bootstrap=20)
    assert list(table["model"]) == ["tuned", "base"] and table.loc[0, "wins"] == 40


def test_ranking_recovers_a_known_preference_with_an_interval():
    rng = random.Random(0)
    rows = []
    for i in range(300):  # tuned beats base 75%, base beats noise 75%, tuned beats noise 90%
        left, right, p = rng.choice(
            [("tuned", "base", 0.75), ("base", "noise", 0.75), ("tuned", "noise", 0.9)]
        )
        rows.append([f"w{i % 7}", left, right, left if rng.random() < p else right])
    table = rank_models(
        pd.DataFrame(rows, columns=["worker", "left", "right", "label"]), n_bootstrap=100, seed=1
    )
    assert list(table["model"]) == ["tuned", "base", "noise"]
    assert list(table["rank"]) == [1, 2, 3]
    assert (table["ci_low"] <= table["score"]).all() and (table["score"] <= table["ci_high"]).all()
    assert table.loc[0, "ci_low"] > table.loc[2, "ci_high"]
    assert table["score"].sum() == pytest.approx(1.0)


def test_bad_votes_are_named():
    tasks = build_comparisons(PROMPTS[:2], ["a", "b"], ["c", "d"], "base", "tuned")
    with pytest.raises(ValueError, match="label 2"):
        votes_frame([_vote(tasks[0], 2)], tasks)
    stray = dict(tasks[0], task_id="cmp_unknown")
    with pytest.raises(ValueError, match="cmp_unknown"):
        votes_frame([_vote(stray, 0)], tasks)
    rejected = votes_frame([_vote(tasks[0], 0), _vote(tasks[1], 1, status="rejected")], tasks)
    assert len(rejected) == 1
    with pytest.raises(ValueError, match="no ranking votes"):
        rank_models([], tasks)
    with pytest.raises(ValueError, match="neither"):
        rank_models(
            pd.DataFrame([["w", "a", "b", "c"]], columns=["worker", "left", "right", "label"])
        )
