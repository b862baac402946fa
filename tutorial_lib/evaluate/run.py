"""The evaluate stage of a run: benchmarks, held-out generation and a human ranking, base vs fine-tuned.

It loads the base and the fine-tuned model (either family) named by the fine-tune
stage's result, scores both on the configured benchmarks, generates answers for
the held-out prompts, and has the crowd compare the models side by side. With
``evaluate.compare_with`` a third model -- typically the other family's fine-tune
on the same data -- joins the benchmarks, the held-out generations, a second
side-by-side page and the Bradley-Terry ranking. When the preference stage trained
a model, the preference-tuned model joins the same way, ranked against the
fine-tuned model it started from.

It gets what it needs and no more: the evaluate section of the config, the
:class:`~tutorial_lib.rundir.RunDir`, the seed, the generation limits training
used, and a function that collects the ranking votes (the stage binds it to the
run's crowd backend, budget and ledger).

Taught in notebooks/05_hands_on_mt5.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_write_json, atomic_write_text
from ..config import EvaluateConfig, resolve_path
from ..finetune.result import RESULT_FILE as TRAIN_RESULT
from ..finetune.result import read_result as read_train_result
from ..records import Assignment
from ..rundir import RunDir

logger = logging.getLogger(__name__)
MODEL_NAMES = ("base", "fine-tuned", "compared", "preference-tuned")
SUMMARY_FILE, RANKING_VOTES = "summary.json", "ranking_votes.jsonl"

# (comparisons, votes per comparison, sink) -> every vote in the sink; charged once per task.
CollectVotes = Callable[[list[dict], int, Path], list[Assignment]]


@dataclass(frozen=True)
class GenerationLimits:
    """How long generated answers may get and where prompts are cut (as training cut them).

    Examples:
        >>> GenerationLimits(max_new_tokens=64, max_input_tokens=256).kwargs()
        {'max_new_tokens': 64, 'max_input_tokens': 256}
    """

    max_new_tokens: int
    max_input_tokens: int

    def kwargs(self) -> dict[str, int]:
        """Keyword arguments for :func:`~tutorial_lib.evaluate.generation.generate_answers`.

        Returns:
            ``{"max_new_tokens", "max_input_tokens"}``.
        """
        return {"max_new_tokens": self.max_new_tokens, "max_input_tokens": self.max_input_tokens}


@dataclass
class EvaluationResult:
    """What the evaluate stage reports: manifest rows, files written, notes, the summary."""

    rows: dict[str, float | int]
    outputs: list[Path]
    notes: list[str]
    summary: dict


def _train_result(run_dir: RunDir) -> dict:
    return read_train_result(run_dir.stage_dir("finetune", create=False))


def model_paths(run_dir: RunDir, compare_with: str | None = None) -> dict[str, str]:
    """Model name -> path (or Hub id) for every model this run evaluates.

    Args:
        run_dir: the run; its fine-tune (and preference) results name the models.
        compare_with: another model folder, or another run directory (its fine-tuned model).

    Returns:
        ``base`` and ``fine-tuned``, plus ``compared`` and ``preference-tuned`` when present.
    """
    result = _train_result(run_dir)
    models = {"base": result["base_model"], "fine-tuned": result["model_dir"]}
    if compare_with:
        other = resolve_path(compare_with)
        if RunDir.holds(other, "finetune", TRAIN_RESULT):
            other = Path(_train_result(RunDir(other))["model_dir"])
        models["compared"] = str(other)
    from ..finetune.preference import read_result

    pref = read_result(run_dir.stage_dir("preference", create=False))
    if pref and pref.get("model_dir"):
        models["preference-tuned"] = pref["model_dir"]
    return models


def side_by_side_pairs(names) -> list[tuple[str, str, str]]:
    """``(a, b, page)`` pairs ranked side by side: base and compared against the fine-tuned
    model, and the fine-tuned model against its preference-tuned version.

    Args:
        names: the model names present (a dict of generations works: its keys).

    Returns:
        ``(model a, model b, HTML file name)`` per pair; always base vs fine-tuned first.

    Examples:
        >>> [page for _, _, page in side_by_side_pairs(["base", "fine-tuned"])]
        ['side_by_side.html']
    """
    pairs = [("base", "fine-tuned", "side_by_side.html")]
    if "compared" in names:
        pairs.append(("compared", "fine-tuned", "side_by_side_compared.html"))
    if "preference-tuned" in names:
        pairs.append(("fine-tuned", "preference-tuned", "side_by_side_preference_tuned.html"))
    return pairs


def _task_docs(cfg: EvaluateConfig) -> dict[str, tuple[list[dict], Path | None]]:
    """Each configured task's documents (after ``evaluate.limit``) and the file they came from."""
    from .loaders import load_task_docs

    out = {}
    for task in cfg.tasks:
        data_file = cfg.data_files.get(task)
        data_file = resolve_path(data_file) if data_file else None
        docs = load_task_docs(task, cfg.lang, data_file=data_file)
        out[task] = (docs[: int(cfg.limit)] if cfg.limit is not None else docs, data_file)
    return out


def benchmark_texts(cfg: EvaluateConfig) -> list[str]:
    """Every text of the configured benchmarks (for trimming the vocabulary before training).

    A benchmark that cannot be read here (offline, no local file) is left out
    with a warning that names it: trimming then keeps only the run's own texts.

    Args:
        cfg: the evaluate section (tasks, language, local data files).

    Returns:
        Every string field of every document, in task order.
    """
    from ..errors import TutorialLibError
    from .loaders import load_task_docs

    texts: list[str] = []
    for task in cfg.tasks:
        data_file = cfg.data_files.get(task)
        try:
            docs = load_task_docs(
                task, cfg.lang, data_file=resolve_path(data_file) if data_file else None
            )
        except (TutorialLibError, OSError) as err:
            logger.warning("vocabulary trim: %s texts left out (%s)", task, err)
            continue
        texts += [v for doc in docs for v in doc.values() if isinstance(v, str)]
    return texts


def _benchmarks(loaded: dict, cfg: EvaluateConfig, out_dir: Path, docs: dict, picked, seed: int):
    """Score every model on the picked documents; ``(scores, result files)``."""
    from .scoring import evaluate_task

    scores: dict = {name: {} for name in loaded}
    outputs = []
    for task, (task_docs, data_file) in docs.items():
        # Each prediction keeps its row in the source file, also within a subset.
        subset = [{**task_docs[i], "_row": task_docs[i].get("_row", i)} for i in picked[task]]
        for name, (model, tokenizer) in loaded.items():
            res = evaluate_task(
                model,
                tokenizer,
                task,
                lang=cfg.lang,
                data_file=data_file,
                docs=subset,
                batch_size=cfg.batch_size,
            )
            res.update(
                n_total=len(task_docs), subset_seed=seed if len(subset) < len(task_docs) else None
            )
            path = out_dir / f"{task}_{name.replace('-', '_')}.json"
            atomic_write_json(path, res, indent=1)
            outputs.append(path)
            scores[name][task] = {
                "accuracy": res["accuracy"],
                "n": res["n"],
                "n_total": len(task_docs),
            }
    return scores, outputs


def _generate_heldout(loaded: dict, heldout: list[dict], limits: GenerationLimits, out_dir: Path):
    """Generate every model's answers to the held-out prompts; score them, write the pages.

    Returns:
        ``(metrics per model, generations per model, files written)``.
    """
    from .generation import generate_answers, score_generations, side_by_side_html

    prompts = [row["prompt"] for row in heldout]
    refs = [row["references"] for row in heldout]
    gens = {
        name: generate_answers(model, tokenizer, prompts, **limits.kwargs())
        for name, (model, tokenizer) in loaded.items()
    }
    metrics = {name: score_generations(answers, refs) for name, answers in gens.items()}
    rows = [
        {
            "prompt_id": r["prompt_id"],
            "prompt": r["prompt"],
            "references": r["references"],
            **{name: gens[name][i] for name in gens},
        }
        for i, r in enumerate(heldout)
    ]
    gen_path = out_dir / "heldout_generations.jsonl"
    with open(gen_path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    paths = [gen_path]
    for a, b, filename in side_by_side_pairs(gens):
        html = side_by_side_html(prompts, gens[a], gens[b], a, b, references=refs)
        paths.append(out_dir / filename)
        atomic_write_text(paths[-1], html)
    return metrics, gens, paths


def content_ids(comparisons: list[dict]) -> list[dict]:
    """Task ids that change with the two answers, so a retrained model is ranked anew, never
    credited with votes cast on an earlier model's answers.

    Args:
        comparisons: comparison tasks with ``task_id``, ``answer_a`` and ``answer_b``.

    Returns:
        Copies of the tasks, ``task_id`` suffixed with 10 hex digits of a SHA-256
        of the two answers; the inputs are left as they were.

    Examples:
        >>> pair = {"task_id": "p1", "answer_a": "Ndiyo.", "answer_b": "Hapana."}
        >>> content_ids([pair])[0]["task_id"] == content_ids([pair])[0]["task_id"] != "p1"
        True
    """
    out = []
    for c in comparisons:
        digest = hashlib.sha256(f"{c['answer_a']}\x00{c['answer_b']}".encode()).hexdigest()[:10]
        out.append({**c, "task_id": f"{c['task_id']}-{digest}"})
    return out


def _rank(heldout, gens: dict, cfg: EvaluateConfig, seed: int, collect_votes, out_dir: Path):
    """Side-by-side votes on every pair of models, ranked with Bradley-Terry; ``(table, csv)``."""
    from ..quality.io import write_csv
    from .ranking import build_comparisons, rank_models

    comparisons = content_ids(
        [
            task
            for a, b, _ in side_by_side_pairs(gens)
            for task in build_comparisons(heldout, gens[a], gens[b], a, b, seed=seed)
        ]
    )
    votes = collect_votes(comparisons, cfg.ranking_votes_per_pair, out_dir / RANKING_VOTES)
    # Votes already paid for other comparisons (an earlier, larger held-out subset) stay in the
    # votes file; this ranking counts the comparisons scored now.
    ids = {c["task_id"] for c in comparisons}
    table = rank_models([v for v in votes if v.task_id in ids], comparisons)
    path = out_dir / "ranking.csv"
    write_csv(table, path)  # model names and prompts are text: formulas neutralised
    return table, path


def _model_notes(models: dict[str, str], families: dict[str, str]) -> list[str]:
    """What a reader must know about the models scored: stand-ins, trimmed vocabularies."""
    from ..finetune.loading import is_stand_in
    from ..finetune.vocab_trim import is_trimmed

    notes = [
        f"{name} is a tiny locally built {'mT5' if families[name] == 'seq2seq' else 'causal'} "
        "stand-in, not a real checkpoint: expect chance-level scores"
        for name in ("base", "compared")
        if name in models and is_stand_in(models[name])
    ]
    return notes + [
        f"{name} has a trimmed vocabulary: its log-likelihoods are normalised over the "
        "kept pieces only, so they are not on the untrimmed base's scale (scoring is "
        "harness-identical for the model scored)"
        for name in ("fine-tuned", "compared")
        if name in models and is_trimmed(models[name])
    ]


def _manifest_rows(scores: dict, picked: dict, n_heldout: int) -> dict[str, float | int]:
    rows = {
        f"{task}_{name}": scores[name][task]["accuracy"] for name in scores for task in scores[name]
    }
    rows.update({f"{task}_n": len(picked[task]) for task in picked})
    rows["heldout_prompts"] = n_heldout
    return rows


def evaluate_run(
    run_dir: RunDir,
    cfg: EvaluateConfig,
    *,
    seed: int,
    limits: GenerationLimits,
    collect_votes: CollectVotes,
) -> EvaluationResult:
    """Score base, fine-tuned (and compared / preference-tuned) models; write the stage's files.

    Args:
        run_dir: the run; reads the fine-tune, preference and dataset stages, writes evaluate's.
        cfg: the evaluate section of the config.
        seed: for subsets and the side-by-side order.
        limits: the generation limits (training's ``max_new_tokens`` and source length).
        collect_votes: collects side-by-side votes (bound to the run's crowd and ledger).

    Returns:
        An :class:`EvaluationResult` with manifest rows, the files written and notes.

    Raises:
        FileNotFoundError: the fine-tune stage's result or the held-out split is missing.
    """
    from ..dataset import load_split
    from ..finetune.loading import family_of
    from .budget import EvalBudget, plan_evaluation
    from .scoring import load_model

    budget = EvalBudget(cfg.time_budget_min) if cfg.time_budget_min else None
    out_dir = run_dir.stage_dir("evaluate")
    models = model_paths(run_dir, cfg.compare_with)
    loaded = {name: load_model(path) for name, path in models.items()}
    families = {name: family_of(model) for name, (model, _) in loaded.items()}
    docs = _task_docs(cfg)
    heldout = load_split(run_dir.stage_dir("dataset", create=False), "heldout")
    heldout = heldout[: cfg.heldout_limit or None]
    plan = plan_evaluation(loaded, docs, heldout, cfg, seed, limits.kwargs(), budget)
    scores, outputs = _benchmarks(loaded, cfg, out_dir, docs, plan.picked, seed)
    heldout = heldout[: plan.n_heldout]
    metrics, gens, pages = _generate_heldout(loaded, heldout, limits, out_dir)
    table, rank_path = _rank(heldout, gens, cfg, seed, collect_votes, out_dir)
    notes = plan.notes + _model_notes(models, families)
    summary = {
        "models": models,
        "families": families,
        "benchmarks": scores,
        "heldout": metrics,
        "ranking": table.to_dict(orient="records"),
        "notes": notes,
    }
    summary_path = out_dir / SUMMARY_FILE
    atomic_write_json(summary_path, summary, indent=2)
    files = [*outputs, out_dir / RANKING_VOTES, *pages, rank_path, summary_path]
    rows = _manifest_rows(scores, plan.picked, len(heldout))
    return EvaluationResult(rows, files, notes, summary)
