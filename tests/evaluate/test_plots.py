"""Figures: accuracy bars with chance lines and labelled other models; ranking with error bars."""

import pandas as pd
import pytest

from tutorial_lib.evaluate.plots import plot_accuracy, plot_ranking


def test_accuracy_plot_has_chance_lines_and_labelled_references():
    refs = [
        {"model": "other-7b", "task": "xcopa", "accuracy": 0.6, "source": "https://example.org/t1"}
    ]
    fig = plot_accuracy(
        {"base": {"xcopa": 0.52, "xnli": 0.34}, "fine-tuned": {"xcopa": 0.55, "xnli": 0.36}},
        references=refs,
    )
    ax = fig.axes[0]
    chance = sorted(round(seg[0][1], 3) for c in ax.collections for seg in c.get_segments())
    assert chance == [0.333, 0.5]
    texts = [t.get_text() for t in ax.texts] + [t.get_text() for t in fig.texts]
    assert any("other model: other-7b" in t for t in texts)
    assert any("https://example.org/t1" in t for t in texts)
    with pytest.raises(ValueError, match="source"):
        plot_accuracy(
            {"base": {"xcopa": 0.5}}, references=[{"model": "m", "task": "xcopa", "accuracy": 0.7}]
        )


def test_ranking_plot_draws_one_error_bar_per_model():
    table = pd.DataFrame(
        {
            "model": ["tuned", "base"],
            "score": [0.7, 0.3],
            "ci_low": [0.6, 0.2],
            "ci_high": [0.8, 0.4],
            "wins": [14, 6],
            "comparisons": [20, 20],
        }
    )
    ax = plot_ranking(table).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "base (6/20 wins)",
        "tuned (14/20 wins)",
    ]


def test_default_references_are_the_facts_registrys_sourced_results():
    from tutorial_lib.facts.registry import published_references

    fig = plot_accuracy({"base": {"xcopa": 0.52}})
    texts = [t.get_text() for t in fig.axes[0].texts] + [t.get_text() for t in fig.texts]
    (ref,) = [r for r in published_references("mT0-xxl-mt") if r["task"] == "xcopa"]
    assert any(ref["model"] in t for t in texts) and any(ref["source"] in t for t in texts)
