"""Figures for crowd, quality and dataset: each function takes plain data and returns a Figure.

The kit builds every figure (here, in ``evaluate/plots.py`` and in the run
report) as a ``matplotlib.figure.Figure`` directly, never through pyplot: no
global figure registry that leaks memory in loops, and no ``matplotlib.use``
that would switch a notebook's backend. Saving picks the Agg canvas by itself,
so it works headless. In a notebook, end a cell with a figure from this module
to show it (:class:`NotebookFigure` has a PNG representation of its own, so
this works even where pyplot was never imported), or pass any figure to
``widgets.show_figure``; elsewhere call ``fig.savefig(path)``.

Taught in notebooks/03_answer_validation.
"""

from __future__ import annotations

import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from matplotlib.figure import Figure

SKILL_BINS = 10


class NotebookFigure(Figure):
    """A Figure that shows itself as PNG in Jupyter/Colab even when pyplot was never imported."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=100)
        return buf.getvalue()


def _figure(width: float = 6.0, height: float = 3.2):
    fig = NotebookFigure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _values(data: Any, column: str) -> list[float]:
    """Numbers from a dict, pandas Series/DataFrame column, or iterable; NaN dropped."""
    if hasattr(data, "columns"):
        if column not in data.columns:
            raise ValueError(
                f"expected a {column!r} column; found {', '.join(map(str, data.columns))}"
            )
        data = data[column]
    if isinstance(data, Mapping):
        data = data.values()
    elif hasattr(data, "tolist"):
        data = data.tolist()
    values = [float(v) for v in data if v is not None]
    return [v for v in values if not math.isnan(v)]


def _histogram(values: list[float], title: str, xlabel: str, ylabel: str):
    fig, ax = _figure()
    edges = [i / SKILL_BINS for i in range(SKILL_BINS + 1)]
    clipped = [min(max(v, 0.0), 1.0) for v in values]
    ax.hist(clipped, bins=edges, edgecolor="white")
    ax.set_xlim(0, 1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig, ax


def plot_worker_skills(skills: Any, column: str = "skill") -> Figure:
    """Histogram of worker skills in [0, 1] (a dict, Series, list or a DataFrame's column).

    Ten bins over [0, 1]; values outside are drawn in the edge bins, missing
    and NaN values are left out (the title counts the workers drawn). A dashed
    line marks the mean.

    Args:
        skills: worker -> skill (a dict or pandas Series), a list of skills, or a
            DataFrame holding ``column`` (e.g. a crowd-kit estimator's ``skills_``).
        column: the DataFrame column to read; ignored for other inputs.

    Returns:
        The figure.

    Raises:
        ValueError: if ``skills`` is a DataFrame without ``column`` (the message
            lists its columns).

    Examples:
        >>> fig = plot_worker_skills({"w1": 0.9, "w2": 0.6, "w3": float("nan")})
        >>> fig.axes[0].get_title()
        'Worker skill (2 workers)'

    Taught in notebooks/03_answer_validation.
    """
    values = _values(skills, column)
    fig, ax = _histogram(
        values, f"Worker skill ({len(values)} workers)", "estimated skill", "workers"
    )
    if values:
        mean = sum(values) / len(values)
        ax.axvline(mean, color="black", linestyle="--", linewidth=1, label=f"mean {mean:.2f}")
        ax.legend(loc="upper left")
    return fig


def _get(record: Any, name: str) -> Any:
    return record[name] if isinstance(record, Mapping) else getattr(record, name)


def plot_acceptance_by_profile(decisions: Iterable[Any], profiles: Mapping[str, str]) -> Figure:
    """Share of answers accepted per (simulated) worker profile; one bar per profile.

    Workers missing from ``profiles`` are shown as ``unknown`` rather than dropped.

    Args:
        decisions: decisions (``Decision`` records or dicts) with ``worker_id`` and
            ``verdict`` (``"accept"`` counts as accepted).
        profiles: worker id -> profile name, e.g. from ``Pipeline.worker_groups()``.

    Returns:
        The figure; each bar is labelled ``accepted/total``.

    Taught in notebooks/03_answer_validation.
    """
    total, accepted = Counter(), Counter()
    for d in decisions:
        profile = profiles.get(_get(d, "worker_id"), "unknown")
        total[profile] += 1
        accepted[profile] += _get(d, "verdict") == "accept"
    names = sorted(total)
    rates = [accepted[n] / total[n] for n in names]
    fig, ax = _figure()
    bars = ax.bar(names, rates)
    for bar, n in zip(bars, names):
        ax.annotate(
            f"{accepted[n]}/{total[n]}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("answers accepted")
    ax.set_title("Acceptance by worker profile")
    return fig


def plot_cost_vs_accuracy(points: list[Mapping[str, Any]]) -> Figure:
    """Decision accuracy against cost (USD) or validation assignments, one labelled point each.

    The x axis is ``cost`` when every point has it, else ``assignments``; points
    are joined in order of x, so the curve shows what each extra dollar buys.

    Args:
        points: one mapping per setting: ``accuracy`` (0-1), ``cost`` (USD) or
            ``assignments``, and an optional ``label``.

    Returns:
        The figure.

    Raises:
        ValueError: if ``points`` is empty, or a point lacks ``accuracy`` or the
            x key (the message names the points).

    Examples:
        >>> fig = plot_cost_vs_accuracy(
        ...     [{"label": "overlap 3", "cost": 12.0, "accuracy": 0.81},
        ...      {"label": "overlap 5", "cost": 20.0, "accuracy": 0.86}])
        >>> fig.axes[0].get_xlabel()
        'cost (USD)'
    """
    if not points:
        raise ValueError("plot_cost_vs_accuracy needs at least one point")
    key = "cost" if all("cost" in p for p in points) else "assignments"
    missing = [
        p.get("label", i) for i, p in enumerate(points) if key not in p or "accuracy" not in p
    ]
    if missing:
        raise ValueError(
            f"points need 'accuracy' and one x key for all ('cost' or 'assignments'); "
            f"check {missing}"
        )
    pts = sorted(points, key=lambda p: float(p[key]))
    fig, ax = _figure()
    xs, ys = [float(p[key]) for p in pts], [float(p["accuracy"]) for p in pts]
    ax.plot(xs, ys, marker="o", linestyle="-", color="tab:blue")
    for p, x, y in zip(pts, xs, ys):
        ax.annotate(
            str(p.get("label", "")), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8
        )
    ax.set_xlabel("cost (USD)" if key == "cost" else "validation assignments")
    ax.set_ylabel("decision accuracy")
    ax.set_title("Cost vs accuracy")
    return fig


def plot_category_counts(
    rows: Iterable[Mapping], heldout: Iterable[Mapping] | None = None
) -> Figure:
    """Rows per category (horizontal bars); held-out prompts as a second bar set when given.

    Args:
        rows: training rows, each with a ``category`` key.
        heldout: held-out rows, each with a ``category``; None draws one bar set.

    Returns:
        The figure; its height grows with the number of categories.

    Taught in notebooks/04_instruction_finetuning.
    """
    train = Counter(r["category"] for r in rows)
    held = Counter(r["category"] for r in heldout) if heldout is not None else None
    cats = sorted(set(train) | set(held or ()))
    fig, ax = _figure(6, 0.45 * max(len(cats), 2) + 1)
    ys = list(range(len(cats)))
    height = 0.4 if held is not None else 0.8
    ax.barh(
        [y - (height / 2 if held is not None else 0) for y in ys],
        [train[c] for c in cats],
        height=height,
        label="train",
    )
    if held is not None:
        ax.barh(
            [y + height / 2 for y in ys], [held[c] for c in cats], height=height, label="held-out"
        )
        ax.legend()
    ax.set_yticks(ys, cats)
    ax.set_xlabel("rows")
    ax.set_title("Rows per category")
    return fig


def plot_filters(filters: list[Mapping]) -> Figure:
    """The curation trade-off: rows remaining after each filter, with how many it removed.

    Args:
        filters: one mapping per filter step, in order: ``step`` (its name),
            ``remaining`` and ``removed`` (row counts).

    Returns:
        The figure, first step at the top.

    Examples:
        >>> fig = plot_filters([{"step": "accepted", "remaining": 120, "removed": 0},
        ...                     {"step": "deduplicated", "remaining": 112, "removed": 8}])
        >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
        ['accepted', 'deduplicated']

    Taught in notebooks/04_instruction_finetuning.
    """
    fig, ax = _figure(6, 0.45 * max(len(filters), 2) + 1)
    names = [f["step"] for f in filters]
    ys = list(range(len(filters)))
    bars = ax.barh(ys, [f["remaining"] for f in filters], color="tab:green")
    for bar, f in zip(bars, filters):
        if f["removed"]:
            ax.annotate(
                f"-{f['removed']}",
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
    ax.set_yticks(ys, names)
    ax.invert_yaxis()
    ax.set_xlabel("rows remaining")
    ax.set_title("From collected answers to training rows")
    return fig


def plot_loss_curve(log_history: list[Mapping]) -> Figure:
    """Training and evaluation loss against step, from a transformers Trainer's ``log_history``.

    Args:
        log_history: the Trainer's log entries; those with ``step`` and ``loss``
            or ``eval_loss`` are drawn, the rest ignored.

    Returns:
        The figure: train loss as a line, held-out loss with markers.

    Raises:
        ValueError: if no entry has a step and a loss.

    Taught in notebooks/05_hands_on_mt5.
    """
    series: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for entry in log_history:
        for key in ("loss", "eval_loss"):
            if key in entry and "step" in entry and entry[key] is not None:
                series[key].append((float(entry["step"]), float(entry[key])))
    if not series:
        raise ValueError("log_history has no entries with 'step' and 'loss' or 'eval_loss'")
    fig, ax = _figure()
    for key, label in (("loss", "train loss"), ("eval_loss", "held-out loss")):
        if series.get(key):
            xs, ys = zip(*sorted(series[key]))
            ax.plot(xs, ys, marker="o" if key == "eval_loss" else None, label=label)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("Loss curve")
    ax.legend()
    return fig


def plot_preference_margins(result: Mapping[str, Any]) -> Figure:
    """DPO before/after: mean training margin and held-out pair accuracy, from the stage's JSON.

    Args:
        result: the preference stage's ``preference_result.json`` as a dict
            (``margin_before``/``margin_after``, ``heldout_accuracy_before``/
            ``heldout_accuracy_after``, ``pairs_train``, ``pairs_heldout``, ``beta``).

    Returns:
        The figure: margins on the left, held-out accuracy (0-1) on the right.

    Raises:
        ValueError: if the stage skipped training or recorded no margins.

    Taught in notebooks/04_instruction_finetuning.
    """
    if result.get("skipped") or result.get("margin_before") is None:
        raise ValueError(
            f"the preference stage did not train: {result.get('skipped') or 'no margins'}"
        )
    fig = NotebookFigure(figsize=(7.0, 3.0), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.bar(
        ["before", "after"],
        [result["margin_before"], result["margin_after"]],
        color=["#999999", "#1b9e77"],
    )
    left.axhline(0, color="black", linewidth=0.8)
    left.set_title(f"train margin ({result['pairs_train']} pairs)", fontsize=9)
    left.set_ylabel("log p(chosen) - log p(rejected)")
    accs = [result.get("heldout_accuracy_before"), result.get("heldout_accuracy_after")]
    right.bar(["before", "after"], [a or 0 for a in accs], color=["#999999", "#1b9e77"])
    right.set_ylim(0, 1)
    right.set_title(f"held-out: chosen ranked first ({result['pairs_heldout']} pairs)", fontsize=9)
    fig.suptitle(f"DPO on Part II preferences (beta={result.get('beta')})", fontsize=10)
    return fig


def plot_presets(configs: Mapping[str, Any]) -> Figure:
    """Training steps per preset (log scale), each bar labelled with its model and prompt limit.

    Args:
        configs: preset name -> its loaded :class:`~tutorial_lib.config.PipelineConfig`.

    Returns:
        The figure, one bar per preset in the order given.
    """
    names = list(configs)
    steps = [configs[n].finetune.max_steps for n in names]
    fig, ax = _figure(6.4, 3.2)
    bars = ax.bar(names, steps, color="#7570b3")
    for bar, n in zip(bars, names):
        cfg = configs[n]
        label = f"{cfg.finetune.model}\n{cfg.prompts.limit or 'all'} prompts"
        ax.annotate(
            label,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=7,
        )
    ax.set_yscale("log")
    ax.set_ylabel("fine-tuning steps (log)")
    ax.set_title("One pipeline, four presets")
    return fig
