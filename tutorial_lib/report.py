"""The run report: one Markdown page with figures, written from a finished run directory.

It reads only what the stages wrote (manifests, records, summaries), so it can be
regenerated at any time and shows exactly what a run produced: prompts, answers
collected, acceptance rate, cost, dataset size, training loss and evaluation scores.
The page comes from ``templates/report.md.j2``; every table cell goes through the
kit's one Markdown cell rule (:func:`tutorial_lib.render.md_cell`). Figures are
``matplotlib.figure.Figure`` objects saved with the Agg canvas, so nothing here
touches pyplot or a notebook's backend (importing this module changes nothing).

Taught in notebooks/05_hands_on_mt5.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from .atomic import atomic_write_text
from .finetune.result import PREFERENCE_HEADLINE
from .finetune.result import RESULT_FILE as TRAIN_RESULT
from .render import render
from .rundir import RunDir

logger = logging.getLogger(__name__)

CROWD_STAGES = ("prompts", "answers", "validation", "decisions")
TIMED_STAGES = (*CROWD_STAGES, "dataset", "finetune", "preference", "evaluate")
FINETUNE_KEYS = (
    "base_model",
    "family",
    "steps",
    "train_loss",
    "eval_loss",
    "n_train",
    "precision",
    "lora",
    "wall_s",
)


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save(fig, path: Path) -> str:
    """Save a Figure with the Agg canvas (no pyplot); returns its path relative to the report."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return f"figures/{path.name}"


def _accuracy_figure(benchmarks: dict):
    from .evaluate.plots import plot_accuracy

    results = {
        name: {t: v["accuracy"] for t, v in scores.items()} for name, scores in benchmarks.items()
    }
    return plot_accuracy(
        results, title="Benchmarks: our models vs chance (and other models, published)"
    )


def _category_figure(by_category: dict):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 2.8))
    ax = fig.add_subplot()
    ax.barh(list(by_category), list(by_category.values()))
    ax.set_xlabel("prompts")
    ax.set_title("Prompts per category")
    return fig


def _crowd_section(run: RunDir, fig_dir: Path) -> dict | None:
    m = {s: run.read_manifest(s)["rows"] for s in CROWD_STAGES if run.is_done(s)}
    if not m:
        return None
    cost = _json(run.path("decisions", "cost.json", create=False))
    prompts, answers = m.get("prompts", {}), m.get("answers", {})
    decisions, validation = m.get("decisions", {}), m.get("validation", {})
    rows = [
        ["prompts", prompts.get("prompts", "")],
        ["answers collected (all rounds)", decisions.get("answers", answers.get("answers", ""))],
        ["answers flagged by quality control", answers.get("qc_flagged", "")],
        ["validation votes", decisions.get("votes", validation.get("votes", ""))],
        ["answers accepted", decisions.get("accepted", "")],
        ["acceptance rate", decisions.get("acceptance_rate", "")],
        ["cost (USD, incl. platform fee)", cost.get("total_usd", "")],
        ["effective hourly pay (USD)", cost.get("effective_hourly_pay_usd", "")],
    ]
    by_cat = prompts.get("by_category")
    figure = (
        _save(_category_figure(by_cat), fig_dir / "prompts_by_category.png") if by_cat else None
    )
    return {"rows": rows, "figure": figure}


def _dataset_section(run: RunDir) -> dict | None:
    if not run.is_done("dataset"):
        return None
    rows = run.read_manifest("dataset")["rows"]
    card = run.path("dataset", "data_card.md", create=False)
    return {
        "rows": [[k, v] for k, v in rows.items()],
        "card": str(card.relative_to(run.root)) if card.exists() else None,
    }


def _finetune_section(run: RunDir, fig_dir: Path) -> dict | None:
    from .viz import plot_loss_curve

    result = _json(run.path("finetune", TRAIN_RESULT, create=False))
    if not result:
        return None
    history = result.get("log_history")
    return {
        "stand_in": result.get("family", "seq2seq") if result.get("used_tiny_stand_in") else None,
        "rows": [[k, result.get(k, "")] for k in FINETUNE_KEYS],
        "figure": _save(plot_loss_curve(history), fig_dir / "loss_curve.png") if history else None,
        "overfitting": _overfitting_note(history or []),
    }


def _overfitting_note(log_history: list[dict]) -> str | None:
    """Say so when held-out loss rises while training loss falls: the model memorises.

    Args:
        log_history: a transformers Trainer's ``log_history``.

    Returns:
        The note, or None when held-out loss did not rise while training loss fell.

    Examples:
        >>> _overfitting_note([{"loss": 5.0}, {"eval_loss": 6.0}, {"loss": 2.0}, {"eval_loss": 5.0}])
        >>> rising = [{"loss": 5.0}, {"eval_loss": 6.0}, {"loss": 2.0}, {"eval_loss": 7.0}]
        >>> _overfitting_note(rising)[:60]
        'Held-out loss rose from 6 to 7 while training loss fell from'
    """
    evals = [row["eval_loss"] for row in log_history if "eval_loss" in row]
    train = [row["loss"] for row in log_history if "loss" in row]
    if len(evals) < 2 or len(train) < 2 or not (evals[-1] > evals[0] and train[-1] < train[0]):
        return None
    return (
        f"Held-out loss rose from {evals[0]:.3g} to {evals[-1]:.3g} while training loss "
        f"fell from {train[0]:.3g} to {train[-1]:.3g}: the model is memorising its training "
        "answers. Train fewer steps, collect more data, or keep the best checkpoint."
    )


def _preference_section(run: RunDir) -> dict | None:
    """DPO on Part II's pairs: did the chosen answers gain on the rejected ones?"""
    result = _json(run.path("preference", "preference_result.json", create=False))
    if not result:
        return None
    return {
        "skipped": result.get("skipped"),
        "rows": [[k, result.get(k, "")] for k in PREFERENCE_HEADLINE],
    }


def _evaluate_section(run: RunDir, fig_dir: Path) -> dict | None:
    summary = _json(run.path("evaluate", "summary.json", create=False))
    if not summary:
        return None
    bench = summary.get("benchmarks", {})
    tasks = sorted({t for s in bench.values() for t in s})
    held, ranking = summary.get("heldout", {}), summary.get("ranking", [])
    metrics = sorted({k for v in held.values() for k in v})
    header = list(ranking[0]) if ranking else []
    return {
        "notes": summary.get("notes", []),
        "tasks": tasks,
        "rows": [
            [name, *[f"{bench[name][t]['accuracy']:.3f} (n={bench[name][t]['n']})" for t in tasks]]
            for name in bench
        ],
        "figure": _save(_accuracy_figure(bench), fig_dir / "accuracy.png") if bench else None,
        "heldout": held
        and {
            "metrics": metrics,
            "rows": [[n, *[v.get(k, "") for k in metrics]] for n, v in held.items()],
        },
        "ranking": ranking
        and {"header": header, "rows": [[r[h] for h in header] for r in ranking]},
    }


def write_report(run_root: str | Path) -> Path:
    """Write ``09_report/report.md`` (and its figures) for a run.

    Args:
        run_root: the run directory; stages that have not run are left out of the report.

    Returns:
        The path of the written report.
    """
    run = RunDir(run_root)
    out_dir = run.stage_dir("report")
    fig_dir = out_dir / "figures"
    text = render(
        "report.md.j2",
        run_name=run.root.name,
        preset=run.read_manifest("prompts")["preset"] if run.is_done("prompts") else "?",
        crowd=_crowd_section(run, fig_dir),
        dataset=_dataset_section(run),
        finetune=_finetune_section(run, fig_dir),
        preference=_preference_section(run),
        evaluation=_evaluate_section(run, fig_dir),
        timings=[[s, run.read_manifest(s)["duration_s"]] for s in TIMED_STAGES if run.is_done(s)],
    )
    path = out_dir / "report.md"
    atomic_write_text(path, text)
    logger.info("report written to %s", path)
    return path
