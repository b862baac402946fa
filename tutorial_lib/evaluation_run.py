"""The evaluate stage of a run: benchmarks, held-out generation and a human ranking, base vs fine-tuned.

Glue on top of ``tutorial_lib.evaluate`` (which knows nothing of run
directories): it loads the base and the fine-tuned model (either family),
scores both on the configured benchmarks, generates answers for the held-out
prompts, and has the run's crowd backend compare the two models side by side.
With ``evaluate.compare_with`` a third model -- typically the other family's
fine-tune on the same data -- joins the benchmarks, the held-out generations,
a second side-by-side page and the Bradley-Terry ranking. When the preference
stage trained a model, the preference-tuned model joins the same way, ranked
against the fine-tuned model it started from.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from .config import resolve_path

logger = logging.getLogger(__name__)
MODEL_NAMES = ("base", "fine-tuned", "compared", "preference-tuned")


def _train_result(run_root: Path) -> dict:
    return json.loads((run_root / "06_finetune" / "train_result.json").read_text(encoding="utf-8"))


def _models(run_root: Path, compare_with: str | None = None) -> dict[str, str]:
    result = _train_result(run_root)
    models = {"base": result["base_model"], "fine-tuned": result["model_dir"]}
    if compare_with:
        other = resolve_path(compare_with)
        if (other / "06_finetune" / "train_result.json").exists():  # a run directory
            other = Path(_train_result(other)["model_dir"])
        models["compared"] = str(other)
    from .finetune.preference import read_result

    pref = read_result(run_root / "07_preference")
    if pref and pref.get("model_dir"):
        models["preference-tuned"] = pref["model_dir"]
    return models


def _side_by_side_pairs(names) -> list[tuple[str, str, str]]:
    """``(a, b, page)`` pairs ranked side by side: base and compared against the fine-tuned
    model, and the fine-tuned model against its preference-tuned version."""
    pairs = [("base", "fine-tuned", "side_by_side.html")]
    if "compared" in names:
        pairs.append(("compared", "fine-tuned", "side_by_side_compared.html"))
    if "preference-tuned" in names:
        pairs.append(("fine-tuned", "preference-tuned", "side_by_side_preference_tuned.html"))
    return pairs


def _task_docs(cfg) -> dict[str, tuple[list[dict], object]]:
    """Each configured task's documents (after ``evaluate.limit``) and the file they came from."""
    from .evaluate.loaders import load_task_docs

    out = {}
    for task in cfg.tasks:
        data_file = cfg.data_files.get(task)
        data_file = resolve_path(data_file) if data_file else None
        docs = load_task_docs(task, cfg.lang, data_file=data_file)
        out[task] = (docs[: int(cfg.limit)] if cfg.limit is not None else docs, data_file)
    return out


def benchmark_texts(cfg) -> list[str]:
    """Every text of the configured benchmarks (for trimming the vocabulary before training).

    A benchmark that cannot be read here (offline, no local file) is left out
    with a warning that names it: trimming then keeps only the run's own texts.
    """
    from .errors import TutorialLibError
    from .evaluate.loaders import load_task_docs

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


def _plan(
    loaded: dict, docs: dict, heldout: list[dict], cfg, seed: int, gen: dict, budget
) -> tuple[dict[str, list[int]], int, list[str]]:
    """Which documents of each task and how many held-out prompts to score, and why.

    Without a budget: all of them. With one: time the first batch of every task and
    model and one batch of generation, then keep the stratified share that fits.
    """
    from .evaluate.budget import stratified_order, subset_note, subset_size, timed
    from .evaluate.generation import generate_answers
    from .evaluate.scoring import evaluate_task
    from .evaluate.tasks import build_requests

    orders = {
        t: stratified_order([r.label for r in build_requests(t, cfg.lang, d)], seed)
        for t, (d, _) in docs.items()
    }
    if budget is None:
        return {t: sorted(o) for t, o in orders.items()}, len(heldout), []
    cost, probe_s = 0.0, 0.0
    for task, (task_docs, _) in docs.items():
        probe = [task_docs[i] for i in orders[task][: min(cfg.batch_size, len(task_docs))]]
        for model, tokenizer in loaded.values():
            seconds = (
                timed(
                    evaluate_task,
                    model,
                    tokenizer,
                    task,
                    lang=cfg.lang,
                    docs=probe,
                    batch_size=cfg.batch_size,
                )
                if probe
                else 0.0
            )
            probe_s += seconds
            cost += seconds / max(len(probe), 1) * len(task_docs)
    n_gen = min(4, len(heldout))
    for model, tokenizer in loaded.values():
        seconds = (
            timed(generate_answers, model, tokenizer, [r["prompt"] for r in heldout[:n_gen]], **gen)
            if n_gen
            else 0.0
        )
        probe_s += seconds
        cost += seconds / max(n_gen, 1) * len(heldout)
    share = budget.fraction(cost)
    picked = {
        t: sorted(orders[t][: subset_size(len(d), share, cfg.batch_size)])
        for t, (d, _) in docs.items()
    }
    n_heldout = subset_size(len(heldout), share, n_gen)
    notes = [
        (
            f"evaluate.time_budget_min={budget.minutes:g}: the first batches took {probe_s:.1f}s; "
            f"scoring everything would take about {cost:.0f}s, {max(budget.left(), 0):.0f}s were "
            f"left, so {min(share, 1):.0%} of the work was kept"
        )
    ]
    notes += [
        n
        for t, (d, _) in docs.items()
        if (n := subset_note(t, len(picked[t]), len(d), seed, budget.minutes))
    ]
    if n_heldout < len(heldout):
        notes.append(f"held-out prompts: generated for the first {n_heldout} of {len(heldout)}")
    return picked, n_heldout, notes


def _benchmarks(
    loaded: dict, cfg, out_dir: Path, docs: dict, picked: dict, seed: int
) -> tuple[dict, list[Path]]:
    from .evaluate.scoring import evaluate_task

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
            path.write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")
            outputs.append(path)
            scores[name][task] = {
                "accuracy": res["accuracy"],
                "n": res["n"],
                "n_total": len(task_docs),
            }
    return scores, outputs


def _heldout(loaded: dict, heldout: list[dict], gen: dict, out_dir: Path):
    from .evaluate.generation import generate_answers, score_generations, side_by_side_html

    prompts = [row["prompt"] for row in heldout]
    refs = [row["references"] for row in heldout]
    gens = {name: generate_answers(m, t, prompts, **gen) for name, (m, t) in loaded.items()}
    metrics = {name: score_generations(g, refs) for name, g in gens.items()}
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
    for a, b, filename in _side_by_side_pairs(gens):
        html = side_by_side_html(prompts, gens[a], gens[b], a, b, references=refs)
        paths.append(out_dir / filename)
        paths[-1].write_text(html, encoding="utf-8")
    return metrics, gens, paths


def _content_ids(comparisons: list[dict]) -> list[dict]:
    """Task ids that change with the two answers, so a retrained model is ranked anew, never
    credited with votes cast on an earlier model's answers."""
    import hashlib

    out = []
    for c in comparisons:
        digest = hashlib.sha256(f"{c['answer_a']}\x00{c['answer_b']}".encode()).hexdigest()[:10]
        out.append({**c, "task_id": f"{c['task_id']}-{digest}"})
    return out


def _ranking(pipe, heldout: list[dict], gens: dict, out_dir: Path) -> tuple[pd.DataFrame, Path]:
    from .crowd.collect import collect_rankings
    from .evaluate.ranking import build_comparisons, rank_models
    from .quality.io import write_csv

    comparisons = _content_ids(
        [
            task
            for a, b, _ in _side_by_side_pairs(gens)
            for task in build_comparisons(heldout, gens[a], gens[b], a, b, seed=pipe.cfg.seed)
        ]
    )
    crowd = pipe.cfg.crowd
    # The run's one budget and ledger: charged once per comparison, across reruns and --force.
    votes = collect_rankings(
        pipe.backend(),
        comparisons,
        pipe.cfg.evaluate.ranking_votes_per_pair,
        out_dir / "ranking_votes.jsonl",
        timeout_s=crowd.wait_timeout_s,
        budget=pipe.budget,
        ledger=pipe.ledger,
    )
    # Votes already paid for other comparisons (an earlier, larger held-out subset) stay in the
    # votes file; this ranking counts the comparisons scored now.
    ids = {c["task_id"] for c in comparisons}
    table = rank_models([v for v in votes if v.task_id in ids], comparisons)
    path = out_dir / "ranking.csv"
    write_csv(table, path)  # model names and prompts are text: formulas neutralised
    return table, path


def evaluate_run(pipe) -> dict:
    """Score base, fine-tuned (and compared / preference-tuned) models; rows/outputs/notes.

    ``pipe`` is the stage's context (``cfg``, ``run_dir``, ``backend()``, ``budget``, ``ledger``).
    """
    from .dataset import load_split
    from .evaluate.budget import EvalBudget
    from .evaluate.scoring import load_model
    from .finetune.loading import family_of, is_stand_in
    from .finetune.vocab_trim import is_trimmed

    cfg, root, seed = pipe.cfg.evaluate, pipe.run_dir.root, pipe.cfg.seed
    budget = EvalBudget(cfg.time_budget_min) if cfg.time_budget_min else None
    out_dir = pipe.run_dir.stage_dir("evaluate")
    models = _models(root, cfg.compare_with)
    loaded = {name: load_model(path) for name, path in models.items()}
    docs = _task_docs(cfg)
    families = {name: family_of(model) for name, (model, _) in loaded.items()}
    heldout = load_split(root, "heldout")[: cfg.heldout_limit or None]
    # Prompts are cut where training cut them (finetune.max_source_length).
    gen = {
        "max_new_tokens": pipe.cfg.finetune.max_new_tokens,
        "max_input_tokens": pipe.cfg.finetune.max_source_length,
    }
    picked, n_heldout, notes = _plan(loaded, docs, heldout, cfg, seed, gen, budget)
    scores, outputs = _benchmarks(loaded, cfg, out_dir, docs, picked, seed)
    heldout = heldout[:n_heldout]
    metrics, gens, more = _heldout(loaded, heldout, gen, out_dir)
    table, rank_path = _ranking(pipe, heldout, gens, out_dir)
    outputs.append(out_dir / "ranking_votes.jsonl")
    notes += [
        f"{name} is a tiny locally built {'mT5' if families[name] == 'seq2seq' else 'causal'} "
        "stand-in, not a real checkpoint: expect chance-level scores"
        for name in ("base", "compared")
        if name in models and is_stand_in(models[name])
    ]
    notes += [
        f"{name} has a trimmed vocabulary: its log-likelihoods are normalised over the "
        "kept pieces only, so they are not on the untrimmed base's scale (scoring is "
        "harness-identical for the model scored)"
        for name in ("fine-tuned", "compared")
        if name in models and is_trimmed(models[name])
    ]
    summary = {
        "models": models,
        "families": families,
        "benchmarks": scores,
        "heldout": metrics,
        "ranking": table.to_dict(orient="records"),
        "notes": notes,
    }
    summary_path = out_dir / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    rows = {
        f"{task}_{name}": scores[name][task]["accuracy"] for name in scores for task in scores[name]
    }
    rows.update({f"{task}_n": len(picked[task]) for task in picked})
    rows["heldout_prompts"] = len(heldout)
    return {"rows": rows, "outputs": [*outputs, *more, rank_path, summary_path], "notes": notes}
