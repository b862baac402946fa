"""Figures for the evaluation: accuracy per task (base vs fine-tuned) and the human ranking.

The accuracy plot draws each task's chance level, because a tiny or
half-trained model sits near it and the audience should see that at a glance.
Published numbers of other models are drawn only from entries that carry a
source (paper table or model card URL) and the exact setting; they are marked
"other model" so nobody mistakes them for ours.

Taught in notebooks/05_hands_on_mt5.
"""

from __future__ import annotations

import math

from .tasks import TASKS

# Published results of other models come from the facts registry (each read from its source,
# with URL and date), so a figure and a slide can never disagree on them.
DEFAULT_REFERENCE_MODEL = "mT0-xxl-mt"


def _check_reference(ref: dict) -> None:
    missing = [
        k for k in ("model", "task", "accuracy", "source") if not ref.get(k) and ref.get(k) != 0
    ]
    if missing:
        raise ValueError(
            f"reference {ref!r} lacks {', '.join(missing)}: published numbers "
            "need a model, task, accuracy and source"
        )


def _new_axes(width: float, height: float):
    """A fresh Figure and its axes, without pyplot (no backend switch, nothing left open)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height)).add_subplot()


def _draw_bars(ax, results: dict[str, dict[str, float]], tasks: list[str]) -> None:
    """One group of bars per task, one bar per model, each labelled with its accuracy."""
    width = 0.8 / max(len(results), 1)
    for k, (name, accs) in enumerate(results.items()):
        xs = [i - 0.4 + width * (k + 0.5) for i in range(len(tasks))]
        ys = [accs.get(t, float("nan")) for t in tasks]
        bars = ax.bar(xs, ys, width * 0.95, label=name)
        ax.bar_label(bars, labels=["" if math.isnan(y) else f"{y:.2f}" for y in ys], fontsize=7)


def _draw_chance(ax, tasks: list[str]) -> None:
    """A dashed line at each task's chance accuracy: where an untrained model sits."""
    for i, task in enumerate(tasks):
        ax.hlines(
            TASKS[task].chance,
            i - 0.45,
            i + 0.45,
            colors="grey",
            linestyles="--",
            label="chance" if i == 0 else None,
        )


def _draw_references(ax, refs: list[dict], tasks: list[str], lang: str) -> None:
    """Other models' published accuracies as labelled black diamonds beside our bars."""
    for ref in refs:
        if ref["task"] not in tasks or ref.get("lang", lang) != lang:
            continue
        x = tasks.index(ref["task"]) + 0.42
        ax.plot(x, ref["accuracy"], marker="D", color="black", linestyle="none")
        label = f"other model: {ref['model']}" + (f" ({ref['note']})" if ref.get("note") else "")
        ax.annotate(
            label, (x, ref["accuracy"]), fontsize=6, xytext=(3, 3), textcoords="offset points"
        )


def plot_accuracy(
    results: dict[str, dict[str, float]],
    references: list[dict] | None = None,
    tasks: list[str] | None = None,
    lang: str = "sw",
    ax=None,
    title: str | None = None,
):
    """Grouped bars: accuracy per task for each of our models, chance lines, other models as markers.

    Args:
        results: model name -> ``{task: accuracy}`` (0-1), e.g. ``{"base": {...},
            "fine-tuned": {...}}``.
        references: published results of other models (each with ``model``, ``task``,
            ``accuracy`` and ``source``); default: the facts registry's entries.
        tasks: the tasks to show (default: those any model has).
        lang: the benchmark language, for the tick labels and the references.
        ax: draw into these axes instead of a new Figure.
        title: the plot's title.

    Returns:
        The matplotlib Figure (built without pyplot; save it or pass it to ``show_figure``).

    Raises:
        ValueError: a reference lacks a model, task, accuracy or source.

    Taught in notebooks/05_hands_on_mt5.
    """
    if references is None:
        from ..facts.registry import published_references

        references = published_references(DEFAULT_REFERENCE_MODEL, lang)
    refs = list(references)
    for ref in refs:
        _check_reference(ref)
    tasks = tasks or [t for t in TASKS if any(t in r for r in results.values())]
    ax = ax if ax is not None else _new_axes(1.8 + 2.2 * len(tasks), 3.6)
    _draw_bars(ax, results, tasks)
    _draw_chance(ax, tasks)
    _draw_references(ax, refs, tasks, lang)
    ax.set_xticks(range(len(tasks)), [f"{t}-{lang}" for t in tasks])
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy (zero-shot, harness prompts)")
    ax.set_title(title or "Rank-classification accuracy")
    ax.legend(fontsize=7, loc="upper right")
    if refs:
        sources = "; ".join(sorted({f"{r['model']}: {r['source']}" for r in refs}))
        ax.figure.text(0.01, 0.01, f"Other models: {sources}", fontsize=5, wrap=True)
    ax.figure.tight_layout(rect=(0, 0.07 if refs else 0, 1, 1))
    return ax.figure


def plot_ranking(table, ax=None, title: str = "Human ranking (Bradley-Terry, 95% bootstrap CI)"):
    """Horizontal Bradley-Terry scores with their bootstrap interval, best model on top.

    Args:
        table: what :func:`tutorial_lib.evaluate.ranking.rank_models` returns.
        ax: draw into these axes instead of a new Figure.
        title: the plot's title.

    Returns:
        The matplotlib Figure (built without pyplot).

    Taught in notebooks/05_hands_on_mt5.
    """
    table = table.sort_values("score")
    ax = ax if ax is not None else _new_axes(5, 0.6 + 0.5 * len(table))
    low = (table["score"] - table["ci_low"]).clip(lower=0)
    high = (table["ci_high"] - table["score"]).clip(lower=0)
    ax.errorbar(table["score"], range(len(table)), xerr=[low, high], fmt="o", capsize=4)
    labels = [
        f"{m} ({w}/{c} wins)"
        for m, w, c in zip(table["model"], table["wins"], table["comparisons"])
    ]
    ax.set_yticks(range(len(table)), labels)
    ax.set_xlim(0, 1)
    ax.set_xlabel("Bradley-Terry score (sums to 1)")
    ax.set_title(title, fontsize=9)
    ax.figure.tight_layout()
    return ax.figure
