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


def plot_accuracy(
    results: dict[str, dict[str, float]],
    references: list[dict] | None = None,
    tasks: list[str] | None = None,
    lang: str = "sw",
    ax=None,
    title: str | None = None,
):
    """Grouped bars: accuracy per task for each of our models, chance lines, other models as markers.

    ``results`` maps a model name to ``{task: accuracy}`` (accuracy 0-1), e.g.
    ``{"base": {...}, "fine-tuned": {...}}``. Returns the matplotlib Figure.

    Taught in notebooks/05_hands_on_mt5.
    """
    import matplotlib.pyplot as plt

    if references is None:
        from ..facts.registry import published_references

        references = published_references(DEFAULT_REFERENCE_MODEL, lang)
    refs = list(references)
    for ref in refs:
        _check_reference(ref)
    tasks = tasks or [t for t in TASKS if any(t in r for r in results.values())]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.8 + 2.2 * len(tasks), 3.6))
    n = max(len(results), 1)
    width = 0.8 / n
    for k, (name, accs) in enumerate(results.items()):
        xs = [i - 0.4 + width * (k + 0.5) for i in range(len(tasks))]
        ys = [accs.get(t, float("nan")) for t in tasks]
        bars = ax.bar(xs, ys, width * 0.95, label=name)
        ax.bar_label(bars, labels=["" if math.isnan(y) else f"{y:.2f}" for y in ys], fontsize=7)
    for i, task in enumerate(tasks):
        chance = TASKS[task].chance
        ax.hlines(
            chance,
            i - 0.45,
            i + 0.45,
            colors="grey",
            linestyles="--",
            label="chance" if i == 0 else None,
        )
    for ref in refs:
        if ref["task"] in tasks and ref.get("lang", lang) == lang:
            ax.plot(
                tasks.index(ref["task"]) + 0.42,
                ref["accuracy"],
                marker="D",
                color="black",
                linestyle="none",
            )
            label = f"other model: {ref['model']}" + (
                f" ({ref['note']})" if ref.get("note") else ""
            )
            ax.annotate(
                label,
                (tasks.index(ref["task"]) + 0.42, ref["accuracy"]),
                fontsize=6,
                xytext=(3, 3),
                textcoords="offset points",
            )
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

    ``table`` is what :func:`tutorial_lib.evaluate.ranking.rank_models` returns.

    Taught in notebooks/05_hands_on_mt5.
    """
    import matplotlib.pyplot as plt

    table = table.sort_values("score")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 0.6 + 0.5 * len(table)))
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
