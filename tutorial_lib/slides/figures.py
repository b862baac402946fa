"""Figures the deck embeds as ``![caption](kit:NAME)``, drawn by the kit at build time.

Each entry calls the same library function a notebook cell calls, so a slide
cannot show a number the kit no longer produces. Figures from a pipeline run
(loss curve, benchmark accuracy, DPO margins, acceptance by region, ranking)
read the run directory the build was given (``use_run``); the dynamic-overlap
figure reruns one seed of ``benchmarks/qc_overlap.py``. Figures are cached per
build (one deck may show a figure twice) and rendered to PNG bytes.

Taught in notebooks/01_crowdsourcing_basics (the deck that goes with it).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path

from ..rundir import RunDir

logger = logging.getLogger(__name__)

SEED_PROMPTS = "data/prompts/seed_sw.jsonl"


def _seed_prompts():
    from ..config import resolve_path
    from ..data.prompts import load_prompts

    return load_prompts(resolve_path(SEED_PROMPTS))


def language_share():
    from ..facts import plot_language_share

    return plot_language_share()


def fertility():
    from ..facts import fertility_experiment, plot_fertility

    return plot_fertility(fertility_experiment(_seed_prompts(), shares=(0.03, 0.5)))


def seed_categories():
    from ..viz import plot_category_counts

    return plot_category_counts([{"category": p.category} for p in _seed_prompts()])


def fair_pay():
    from ..facts import plot_reward_curve

    return plot_reward_curve()


def cost_by_overlap():
    from ..facts import plot_cost_by_overlap

    return plot_cost_by_overlap()


def data_share():
    from ..facts import plot_data_share

    return plot_data_share()


def published_results():
    from ..facts import plot_published_results

    return plot_published_results()


_RUN: dict[str, Path | None] = {"dir": None}


def use_run(run_dir: str | Path | None) -> None:
    """Draw run figures from ``run_dir`` (a finished pipeline run); clears the figure cache."""
    _RUN["dir"] = Path(run_dir) if run_dir else None
    render.cache_clear()


def _run() -> RunDir:
    if _RUN["dir"] is None:
        raise FileNotFoundError(
            "this figure needs a finished pipeline run: build with "
            "--run runs/demo (make demo first) or build_deck(run=...)"
        )
    return RunDir(_RUN["dir"])


def _run_json(stage: str, name: str) -> dict:
    path = _run().path(stage, name, create=False)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: finish the run (tutorial-lib run) first")
    return json.loads(path.read_text(encoding="utf-8"))


def loss_curve():
    from ..viz import plot_loss_curve

    return plot_loss_curve(_run_json("finetune", "train_result.json")["log_history"])


def benchmark_accuracy():
    from ..evaluate.plots import plot_accuracy
    from ..facts import published_references

    bench = _run_json("evaluate", "summary.json")["benchmarks"]
    ours = {name: {t: v["accuracy"] for t, v in tasks.items()} for name, tasks in bench.items()}
    return plot_accuracy(ours, references=published_references("mT0-xxl-mt"))


def preference_margins():
    from ..viz import plot_preference_margins

    return plot_preference_margins(_run_json("preference", "preference_result.json"))


def acceptance_by_region():
    from ..crowd.simulated import SimulatedCrowd
    from ..jsonl import read_jsonl
    from ..records import Decision
    from ..viz import plot_acceptance_by_profile

    run = _run()
    decisions = read_jsonl(run.path("decisions", "decisions.jsonl", create=False), Decision)
    fig = plot_acceptance_by_profile(decisions, SimulatedCrowd.worker_groups(run.crowd_dir))
    fig.axes[0].set_title("Acceptance by writer's region (simulated crowd: chance gaps only)")
    return fig


def ranking():
    import pandas as pd

    from ..evaluate.plots import plot_ranking

    return plot_ranking(pd.DataFrame(_run_json("evaluate", "summary.json")["ranking"]))


def dynamic_overlap():
    """Fixed overlap 3/5 vs dynamic 2->max, one seed of the benchmark (same code, rerun now)."""
    import importlib.util
    import tempfile

    from ..config import REPO_ROOT, load_config, resolve_path
    from ..jsonl import read_jsonl
    from ..records import Prompt
    from ..viz import plot_cost_vs_accuracy

    spec = importlib.util.spec_from_file_location(
        "qc_overlap", REPO_ROOT / "benchmarks" / "qc_overlap.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    crowd = load_config("demo").crowd
    prompts = read_jsonl(resolve_path(SEED_PROMPTS), Prompt)
    with tempfile.TemporaryDirectory() as tmp:
        row = bench.run_seed(
            prompts,
            0,
            Path(tmp),
            "ds",
            crowd.confidence_threshold,
            max_overlap=crowd.validation_max_overlap,
        )
    labels = {
        "mv3": "majority, 3",
        "ds3": "Dawid-Skene, 3",
        "mv5": "majority, 5",
        "ds5": "Dawid-Skene, 5",
        "dynamic": f"dynamic {crowd.validation_overlap}->{crowd.validation_max_overlap}",
    }
    points = [
        {"label": lab, "accuracy": row[k][0], "assignments": row[k][1]} for k, lab in labels.items()
    ]
    fig = plot_cost_vs_accuracy(points)
    fig.axes[0].set_title("Dynamic overlap: fewer votes, same accuracy (benchmark seed 0)")
    return fig


def presets():
    from ..config import PRESETS, load_config
    from ..viz import plot_presets

    return plot_presets({name: load_config(name) for name in PRESETS})


FIGURES: dict[str, Callable] = {
    "data_share": data_share,
    "published_results": published_results,
    "loss_curve": loss_curve,
    "benchmark_accuracy": benchmark_accuracy,
    "preference_margins": preference_margins,
    "acceptance_by_region": acceptance_by_region,
    "ranking": ranking,
    "dynamic_overlap": dynamic_overlap,
    "presets": presets,
    "language_share": language_share,
    "fertility": fertility,
    "seed_categories": seed_categories,
    "fair_pay": fair_pay,
    "cost_by_overlap": cost_by_overlap,
}


@cache
def render(name: str) -> bytes:
    """PNG bytes of figure ``name``; an unknown name raises ``KeyError`` listing the known ones."""
    if name not in FIGURES:
        raise KeyError(f"unknown kit figure {name!r}; known: {', '.join(sorted(FIGURES))}")
    fig = FIGURES[name]()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    logger.info("drew kit figure %s (%d bytes)", name, buf.tell())
    return buf.getvalue()
