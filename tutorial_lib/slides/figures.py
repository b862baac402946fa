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
    """GPT-3's training words per language on a log axis, Swahili highlighted.

    Returns:
        The figure of :func:`~tutorial_lib.facts.figures.plot_language_share`.
    """
    from ..facts import plot_language_share

    return plot_language_share()


def fertility():
    """Tokens per word for Swahili and English under an English-heavy and a balanced tokenizer.

    Trains two small tokenizers on the shipped seed prompts at build time (seconds).

    Returns:
        The figure of :func:`~tutorial_lib.facts.tokenization.plot_fertility`.
    """
    from ..facts import fertility_experiment, plot_fertility

    return plot_fertility(fertility_experiment(_seed_prompts(), shares=(0.03, 0.5)))


def seed_categories():
    """How many seed prompts each category has (the shipped Swahili set).

    Returns:
        The figure of :func:`~tutorial_lib.viz.plot_category_counts`.
    """
    from ..viz import plot_category_counts

    return plot_category_counts([{"category": p.category} for p in _seed_prompts()])


def fair_pay():
    """Reward per assignment against task time at three hourly targets.

    Returns:
        The figure of :func:`~tutorial_lib.facts.figures.plot_reward_curve`.
    """
    from ..facts import plot_reward_curve

    return plot_reward_curve()


def cost_by_overlap():
    """Total crowd cost as the validation overlap grows, at the default crowd settings.

    Returns:
        The figure of :func:`~tutorial_lib.facts.figures.plot_cost_by_overlap`.
    """
    from ..facts import plot_cost_by_overlap

    return plot_cost_by_overlap()


def data_share():
    """Common Crawl's page share per language, Swahili highlighted.

    Returns:
        The figure of :func:`~tutorial_lib.facts.figures.plot_data_share`.
    """
    from ..facts import plot_data_share

    return plot_data_share()


def published_results():
    """Published Swahili accuracy of multilingual models on XCOPA, XNLI and XStoryCloze.

    Returns:
        The figure of :func:`~tutorial_lib.facts.figures.plot_published_results`.
    """
    from ..facts import plot_published_results

    return plot_published_results()


_RUN: dict[str, Path | None] = {"dir": None}


def use_run(run_dir: str | Path | None) -> None:
    """Draw run figures from ``run_dir`` (a finished pipeline run); clears the figure cache.

    Args:
        run_dir: the run directory (``runs/demo`` after ``make demo``); None forgets
            the run, so run figures fail with a message saying how to give one.
    """
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
    """The fine-tuning loss of the run given to :func:`use_run`.

    Returns:
        The figure of :func:`~tutorial_lib.viz.plot_loss_curve`.

    Raises:
        FileNotFoundError: no run was given (:func:`use_run`) or it lacks ``finetune/train_result.json``.
    """
    from ..viz import plot_loss_curve

    return plot_loss_curve(_run_json("finetune", "train_result.json")["log_history"])


def benchmark_accuracy():
    """The run's benchmark accuracy beside mT0-xxl-mt's published results.

    Returns:
        The figure of :func:`~tutorial_lib.evaluate.plots.plot_accuracy`.

    Raises:
        FileNotFoundError: no run was given (:func:`use_run`) or it lacks ``evaluate/summary.json``.
    """
    from ..evaluate.plots import plot_accuracy
    from ..facts import published_references

    bench = _run_json("evaluate", "summary.json")["benchmarks"]
    ours = {name: {t: v["accuracy"] for t, v in tasks.items()} for name, tasks in bench.items()}
    return plot_accuracy(ours, references=published_references("mT0-xxl-mt"))


def preference_margins():
    """The run's DPO before and after: mean training margin and held-out pair accuracy.

    Returns:
        The figure of :func:`~tutorial_lib.viz.plot_preference_margins`.

    Raises:
        FileNotFoundError: no run was given (:func:`use_run`) or it lacks ``preference/preference_result.json``.
    """
    from ..viz import plot_preference_margins

    return plot_preference_margins(_run_json("preference", "preference_result.json"))


def acceptance_by_region():
    """Acceptance rate per simulated writer region in the run's decisions.

    The simulated crowd has no regional bias, so any gap is chance: the slide
    shows what to look for in a real crowd.

    Returns:
        The figure of :func:`~tutorial_lib.viz.plot_acceptance_by_profile`.

    Raises:
        FileNotFoundError: no run was given (:func:`use_run`) or it lacks ``decisions/decisions.jsonl``.
    """
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
    """The run's human ranking of models: Bradley-Terry scores with bootstrap intervals.

    Returns:
        The figure of :func:`~tutorial_lib.evaluate.plots.plot_ranking`.

    Raises:
        FileNotFoundError: no run was given (:func:`use_run`) or it lacks ``evaluate/summary.json``.
    """
    import pandas as pd

    from ..evaluate.plots import plot_ranking

    return plot_ranking(pd.DataFrame(_run_json("evaluate", "summary.json")["ranking"]))


def dynamic_overlap():
    """Fixed overlap 3/5 vs dynamic 2->max, one seed of the benchmark (same code, rerun now).

    Runs ``benchmarks/qc_overlap.py``'s ``run_seed`` on the seed prompts with the
    ``demo`` preset's crowd settings, so the slide shows what the benchmark measures.

    Returns:
        The figure of :func:`~tutorial_lib.viz.plot_cost_vs_accuracy`: accuracy against
        votes bought, for majority vote and Dawid-Skene at overlap 3 and 5, and dynamic.
    """
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
    """Training steps per shipped preset (log scale), labelled with model and prompt limit.

    Returns:
        The figure of :func:`~tutorial_lib.viz.plot_presets`.
    """
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
    """PNG bytes of figure ``name``, drawn once per build (a deck may show a figure twice).

    Args:
        name: a key of :data:`FIGURES`, as written in ``![caption](kit:NAME)``.

    Returns:
        The figure as PNG at 110 dpi.

    Raises:
        KeyError: ``name`` is not a kit figure (the message lists the known ones).
    """
    if name not in FIGURES:
        raise KeyError(f"unknown kit figure {name!r}; known: {', '.join(sorted(FIGURES))}")
    fig = FIGURES[name]()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    logger.info("drew kit figure %s (%d bytes)", name, buf.tell())
    return buf.getvalue()
