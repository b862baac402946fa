"""The evaluate stage of a run: benchmarks, held-out generation and a human ranking, base vs fine-tuned.

Glue on top of ``tutorial_lib.evaluate`` (which knows nothing of run
directories): it loads the base and the fine-tuned model, scores both on the
configured benchmarks, generates answers for the held-out prompts, and has the
run's crowd backend compare the two models side by side.

Taught in notebooks/05_hands_on_mt5.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from .config import resolve_path

logger = logging.getLogger(__name__)
MODEL_NAMES = ("base", "fine-tuned")


def _models(run_root: Path) -> dict[str, str]:
    result = json.loads((run_root / "06_finetune" / "train_result.json").read_text(encoding="utf-8"))
    return {"base": result["base_model"], "fine-tuned": result["model_dir"]}


def _benchmarks(loaded: dict, cfg, out_dir: Path) -> tuple[dict, list[Path]]:
    from .evaluate.scoring import evaluate_task

    scores: dict = {name: {} for name in loaded}
    outputs = []
    for task in cfg.tasks:
        data_file = cfg.data_files.get(task)
        data_file = resolve_path(data_file) if data_file else None
        for name, (model, tokenizer) in loaded.items():
            res = evaluate_task(model, tokenizer, task, lang=cfg.lang, data_file=data_file,
                                limit=cfg.limit, batch_size=cfg.batch_size)
            path = out_dir / f"{task}_{name.replace('-', '_')}.json"
            path.write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")
            outputs.append(path)
            scores[name][task] = {"accuracy": res["accuracy"], "n": res["n"]}
    return scores, outputs


def _heldout(loaded: dict, heldout: list[dict], max_new_tokens: int, out_dir: Path):
    from .evaluate.generation import generate_answers, score_generations, side_by_side_html

    prompts = [row["prompt"] for row in heldout]
    refs = [row["references"] for row in heldout]
    gens = {name: generate_answers(m, t, prompts, max_new_tokens=max_new_tokens)
            for name, (m, t) in loaded.items()}
    metrics = {name: score_generations(g, refs) for name, g in gens.items()}
    rows = [{"prompt_id": r["prompt_id"], "prompt": r["prompt"], "references": r["references"],
             **{name: gens[name][i] for name in gens}} for i, r in enumerate(heldout)]
    gen_path = out_dir / "heldout_generations.jsonl"
    with open(gen_path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    html = side_by_side_html(prompts, gens["base"], gens["fine-tuned"], "base", "fine-tuned",
                             references=refs)
    html_path = out_dir / "side_by_side.html"
    html_path.write_text(html, encoding="utf-8")
    return metrics, gens, [gen_path, html_path]


def _ranking(pipe, heldout: list[dict], gens: dict, out_dir: Path) -> tuple[pd.DataFrame, Path]:
    from .crowd.collect import Pricing, collect_rankings
    from .evaluate.ranking import build_comparisons, rank_models

    comparisons = build_comparisons(heldout, gens["base"], gens["fine-tuned"], "base", "fine-tuned",
                                    seed=pipe.cfg.seed)
    crowd = pipe.cfg.crowd
    votes = collect_rankings(pipe.backend(), comparisons, pipe.cfg.evaluate.ranking_votes_per_pair,
                             out_dir / "ranking_votes.jsonl", timeout_s=crowd.wait_timeout_s,
                             budget_usd=crowd.budget_usd, pricing=Pricing.from_config(crowd))
    table = rank_models(votes, comparisons)
    path = out_dir / "ranking.csv"
    table.to_csv(path, index=False)
    return table, path


def evaluate_run(pipe) -> dict:
    """Score base and fine-tuned models for a run; returns rows/outputs/notes for the manifest."""
    from .dataset import load_split
    from .evaluate.scoring import load_model
    from .finetune.tiny import is_tiny

    cfg, root = pipe.cfg.evaluate, pipe.run_dir.root
    out_dir = pipe.run_dir.stage_dir("evaluate")
    models = _models(root)
    loaded = {name: load_model(path) for name, path in models.items()}
    scores, outputs = _benchmarks(loaded, cfg, out_dir)
    heldout = load_split(root, "heldout")[: cfg.heldout_limit or None]
    metrics, gens, more = _heldout(loaded, heldout, pipe.cfg.finetune.max_new_tokens, out_dir)
    table, rank_path = _ranking(pipe, heldout, gens, out_dir)
    outputs.append(out_dir / "ranking_votes.jsonl")
    notes = []
    if is_tiny(models["base"]):
        notes.append("models are the tiny locally built mT5 stand-in: expect chance-level scores")
    summary = {"models": models, "benchmarks": scores, "heldout": metrics,
               "ranking": table.to_dict(orient="records"), "notes": notes}
    summary_path = out_dir / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    rows = {f"{task}_{name}": scores[name][task]["accuracy"] for name in scores for task in scores[name]}
    rows["heldout_prompts"] = len(heldout)
    return {"rows": rows, "outputs": [*outputs, *more, rank_path, summary_path], "notes": notes}
