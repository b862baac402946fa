"""The run report: one Markdown page with figures, written from a finished run directory.

It reads only what the stages wrote (manifests, records, summaries), so it can be
regenerated at any time and shows exactly what a run produced: prompts, answers
collected, acceptance rate, cost, dataset size, training loss and evaluation scores.

Taught in notebooks/05_hands_on_mt5.
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path

from matplotlib.figure import Figure  # no pyplot: no backend switch inside a notebook

from .rundir import RunDir

logger = logging.getLogger(__name__)


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save(fig, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return f"figures/{path.name}"


def _md_cell(value) -> str:
    """Escape a table cell: crowd or model text must never become markup."""
    if isinstance(value, float):
        value = f"{value:.4g}"
    return html.escape(str(value)).replace("|", "&#124;").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _accuracy_figure(benchmarks: dict):
    from .evaluate.plots import plot_accuracy

    results = {
        name: {t: v["accuracy"] for t, v in scores.items()} for name, scores in benchmarks.items()
    }
    return plot_accuracy(
        results, title="Benchmarks: our models vs chance (and other models, published)"
    )


def _loss_figure(log_history: list[dict]):
    from .viz import plot_loss_curve

    return plot_loss_curve(log_history)


def _crowd_section(run: RunDir, fig_dir: Path) -> list[str]:
    m = {
        s: run.read_manifest(s)["rows"]
        for s in ("prompts", "answers", "validation", "decisions")
        if run.is_done(s)
    }
    if not m:
        return []
    cost = _json(run.path("decisions", "cost.json", create=False))
    lines = ["## Crowd data", ""]
    rows = [
        ["prompts", m.get("prompts", {}).get("prompts", "")],
        [
            "answers collected (all rounds)",
            m.get("decisions", {}).get("answers", m.get("answers", {}).get("answers", "")),
        ],
        ["answers flagged by quality control", m.get("answers", {}).get("qc_flagged", "")],
        [
            "validation votes",
            m.get("decisions", {}).get("votes", m.get("validation", {}).get("votes", "")),
        ],
        ["answers accepted", m.get("decisions", {}).get("accepted", "")],
        ["acceptance rate", m.get("decisions", {}).get("acceptance_rate", "")],
        ["cost (USD, incl. platform fee)", cost.get("total_usd", "")],
        ["effective hourly pay (USD)", cost.get("effective_hourly_pay_usd", "")],
    ]
    lines += [_table(["what", "value"], rows), ""]
    by_cat = m.get("prompts", {}).get("by_category")
    if by_cat:
        fig = Figure(figsize=(6, 2.8))
        ax = fig.subplots()
        ax.barh(list(by_cat), list(by_cat.values()))
        ax.set_xlabel("prompts")
        ax.set_title("Prompts per category")
        lines += [f"![prompts per category]({_save(fig, fig_dir / 'prompts_by_category.png')})", ""]
    return lines


def _dataset_section(run: RunDir) -> list[str]:
    if not run.is_done("dataset"):
        return []
    rows = run.read_manifest("dataset")["rows"]
    lines = ["## Dataset", "", _table(["split", "rows"], [[k, v] for k, v in rows.items()]), ""]
    card = run.path("dataset", "data_card.md", create=False)
    if card.exists():
        lines += [f"Data card: `{card.relative_to(run.root)}`", ""]
    return lines


def _finetune_section(run: RunDir, fig_dir: Path) -> list[str]:
    result = _json(run.path("finetune", "train_result.json", create=False))
    if not result:
        return []
    lines = ["## Fine-tuning", ""]
    if result.get("used_tiny_stand_in"):
        what = (
            "a tiny mT5 built locally (offline demo), not `google/mt5-small`"
            if result.get("family", "seq2seq") == "seq2seq"
            else "a tiny Llama-style causal model built locally (offline demo), not a real "
            "instruction-tuned LLM"
        )
        lines += [
            (
                f"> **Stand-in model.** This run fine-tuned {what}: the numbers show the "
                "workflow, not model quality."
            ),
            "",
        ]
    keys = (
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
    lines += [_table(["what", "value"], [[k, result.get(k, "")] for k in keys]), ""]
    if result.get("log_history"):
        path = _save(_loss_figure(result["log_history"]), fig_dir / "loss_curve.png")
        lines += [f"![training loss]({path})", "", *_overfitting_note(result["log_history"])]
    return lines


def _overfitting_note(log_history: list[dict]) -> list[str]:
    """Say so when held-out loss rises while training loss falls: the model memorises."""
    evals = [row["eval_loss"] for row in log_history if "eval_loss" in row]
    train = [row["loss"] for row in log_history if "loss" in row]
    if len(evals) < 2 or len(train) < 2 or not (evals[-1] > evals[0] and train[-1] < train[0]):
        return []
    return [
        (
            f"> Held-out loss rose from {evals[0]:.3g} to {evals[-1]:.3g} while training loss "
            f"fell from {train[0]:.3g} to {train[-1]:.3g}: the model is memorising its training "
            "answers. Train fewer steps, collect more data, or keep the best checkpoint."
        ),
        "",
    ]


def _preference_section(run: RunDir) -> list[str]:
    """DPO on Part II's pairs: did the chosen answers gain on the rejected ones?"""
    result = _json(run.path("preference", "preference_result.json", create=False))
    if not result:
        return []
    lines = ["## Preference optimisation (DPO)", ""]
    if result.get("skipped"):
        return lines + [f"> Skipped: {result['skipped']}", ""]
    keys = (
        "pairs_train",
        "pairs_heldout",
        "margin_before",
        "margin_after",
        "heldout_accuracy_before",
        "heldout_accuracy_after",
        "beta",
        "steps",
    )
    lines += [
        (
            "Margin: mean log p(chosen) - log p(rejected) on the training pairs; held-out "
            "accuracy: share of held-out pairs where chosen scores higher."
        ),
        "",
        _table(["what", "value"], [[k, result.get(k, "")] for k in keys]),
        "",
    ]
    return lines


def _evaluate_section(run: RunDir, fig_dir: Path) -> list[str]:
    summary = _json(run.path("evaluate", "summary.json", create=False))
    if not summary:
        return []
    bench = summary.get("benchmarks", {})
    tasks = sorted({t for s in bench.values() for t in s})
    lines = ["## Evaluation", ""]
    lines += [note_line for note in summary.get("notes", []) for note_line in (f"> {note}", "")]
    rows = [
        [name, *[f"{bench[name][t]['accuracy']:.3f} (n={bench[name][t]['n']})" for t in tasks]]
        for name in bench
    ]
    lines += [_table(["model", *tasks], rows), ""]
    if bench:
        lines += [
            f"![benchmark accuracy]({_save(_accuracy_figure(bench), fig_dir / 'accuracy.png')})",
            "",
        ]
    held = summary.get("heldout", {})
    if held:
        metric_names = sorted({k for v in held.values() for k in v})
        lines += [
            "Held-out prompts (generation vs references):",
            "",
            _table(
                ["model", *metric_names],
                [[n, *[v.get(k, "") for k in metric_names]] for n, v in held.items()],
            ),
            "",
        ]
    ranking = summary.get("ranking", [])
    if ranking:
        header = list(ranking[0])
        lines += [
            "Human ranking (Bradley–Terry over side-by-side votes):",
            "",
            _table(header, [[r[h] for h in header] for r in ranking]),
            "",
        ]
    return lines


def write_report(run_root: str | Path) -> Path:
    """Write ``09_report/report.md`` (and its figures) for a run; returns the path."""
    run = RunDir(run_root)
    out_dir = run.stage_dir("report")
    fig_dir = out_dir / "figures"
    preset = run.read_manifest("prompts")["preset"] if run.is_done("prompts") else "?"
    lines = [f"# Run report: `{run.root.name}` (preset `{preset}`)", ""]
    for section in (
        _crowd_section(run, fig_dir),
        _dataset_section(run),
        _finetune_section(run, fig_dir),
        _preference_section(run),
        _evaluate_section(run, fig_dir),
    ):
        lines += section
    timings = [
        [s, run.read_manifest(s)["duration_s"]]
        for s in (
            "prompts",
            "answers",
            "validation",
            "decisions",
            "dataset",
            "finetune",
            "preference",
            "evaluate",
        )
        if run.is_done(s)
    ]
    lines += ["## Stage timings (s)", "", _table(["stage", "seconds"], timings), ""]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    logger.info("report written to %s", path)
    return path
