"""viz: every function returns a Figure whose bars/points are the data given."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from tutorial_lib import viz
from tutorial_lib.records import Decision


def _bars(fig):
    return [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]


def test_worker_skills_histogram_counts_every_worker():
    skills = pd.Series({f"w{i}": i / 20 for i in range(20)})
    fig = viz.plot_worker_skills(skills)
    assert isinstance(fig, Figure)
    bars = _bars(fig)
    assert len(bars) == viz.SKILL_BINS
    assert sum(b.get_height() for b in bars) == 20
    df = pd.DataFrame({"worker": ["a", "b", "c"], "skill": [0.05, 0.95, float("nan")]})
    assert sum(b.get_height() for b in _bars(viz.plot_worker_skills(df))) == 2
    with pytest.raises(ValueError, match="skill"):
        viz.plot_worker_skills(pd.DataFrame({"accuracy": [0.5]}))


def test_acceptance_by_profile_rates():
    decisions = [
        Decision(f"a{i}", "p", w, v, 0.5, 0.5, 3)
        for i, (w, v) in enumerate(
            [
                ("w1", "accept"),
                ("w1", "reject"),
                ("w2", "accept"),
                ("w3", "reject"),
                ("w9", "accept"),
            ]
        )
    ]
    profiles = {"w1": "diligent", "w2": "diligent", "w3": "spammer"}
    fig = viz.plot_acceptance_by_profile(decisions, profiles)
    heights = {
        t.get_text(): b.get_height() for t, b in zip(fig.axes[0].get_xticklabels(), _bars(fig))
    }
    assert heights == {"diligent": pytest.approx(2 / 3), "spammer": 0.0, "unknown": 1.0}


def test_cost_vs_accuracy_points_sorted():
    points = [
        {"label": "fixed 5", "assignments": 500, "accuracy": 0.95},
        {"label": "fixed 3", "assignments": 300, "accuracy": 0.9},
        {"label": "dynamic", "assignments": 280, "accuracy": 0.96},
    ]
    fig = viz.plot_cost_vs_accuracy(points)
    xs, ys = fig.axes[0].lines[0].get_data()
    assert list(xs) == [280, 300, 500] and list(ys) == [0.96, 0.9, 0.95]
    assert fig.axes[0].get_xlabel() == "validation assignments"
    assert (
        viz.plot_cost_vs_accuracy([{"cost": 1.0, "accuracy": 0.5}]).axes[0].get_xlabel()
        == "cost (USD)"
    )
    with pytest.raises(ValueError, match="accuracy"):
        viz.plot_cost_vs_accuracy([{"label": "x", "cost": 1.0}])


def test_category_counts_and_filters():
    rows = [{"category": c} for c in ["open_qa"] * 3 + ["closed_qa"] * 2 + ["summarization"]]
    fig = viz.plot_category_counts(rows)
    assert sorted(b.get_width() for b in _bars(fig)) == [1, 2, 3]
    fig = viz.plot_category_counts(rows, heldout=[{"category": "open_qa"}])
    assert len(_bars(fig)) == 6
    filters = [
        {"step": "collected", "removed": 0, "remaining": 10},
        {"step": "min_score", "removed": 4, "remaining": 6},
        {"step": "max_train", "removed": 1, "remaining": 5},
    ]
    fig = viz.plot_filters(filters)
    assert [b.get_width() for b in _bars(fig)] == [10, 6, 5]


def test_loss_curve_and_png():
    history = [
        {"loss": 3.0, "step": 10},
        {"loss": 2.5, "step": 20},
        {"eval_loss": 2.7, "step": 20},
        {"train_runtime": 5.0, "step": 20},
    ]
    fig = viz.plot_loss_curve(history)
    lines = {ln.get_label(): ln.get_xydata().tolist() for ln in fig.axes[0].lines}
    assert lines == {"train loss": [[10, 3.0], [20, 2.5]], "held-out loss": [[20, 2.7]]}
    assert fig._repr_png_().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="log_history"):
        viz.plot_loss_curve([{"train_runtime": 1.0}])
