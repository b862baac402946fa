"""The model stages: fine-tune, preference-tune, evaluate, report; ``fn(ctx) -> StageResult``.

The data stages (prompts to dataset) are in :mod:`.stage_functions`; the same
rules hold here. A stage function gets a :class:`~.stages.StageContext`, never the
:class:`~.pipeline.Pipeline`, reads what earlier stages wrote and writes its own
folder, handing each wing only its own config section, the
:class:`~.rundir.RunDir` and plain values (seed, limits).
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

from .stages import StageContext, StageResult


def finetune_stage(ctx: StageContext) -> StageResult:
    """Fine-tune; resumes from a checkpoint only when it was started with the same fingerprint.

    Args:
        ctx: the stage's context; reads ``finetune`` (model, steps, budget,
            ``output_dir``), the dataset stage's splits and the prompts.

    Returns:
        Steps, losses, ``n_train``, family and LoRA flag; output the model folder;
        notes when a tiny stand-in model trained or the time budget cut training.
    """
    from .data.prompts import prompt_texts
    from .finetune.result import RESULT_FILE
    from .finetune.train import finetune

    ft = ctx.cfg.finetune
    stage_dir = ctx.run_dir.stage_dir("finetune")
    dataset_dir = ctx.run_dir.stage_dir("dataset", create=False)
    out = Path(ft.output_dir) if ft.output_dir else stage_dir
    # ctx.resume: an interrupted attempt with this fingerprint continues from its checkpoint;
    # otherwise checkpoints already in ``out`` (outside the run on Drive, where --force does
    # not reach) are moved aside, never continued.
    result = finetune(
        dataset_dir,
        out,
        model=ft.model,
        cfg=ft,
        resume=ctx.resume,
        heldout=dataset_dir,
        tiny_texts=prompt_texts(ctx.load("prompts")),
        trim_texts=_trim_texts(ctx) if ft.trim_vocab else None,
    )
    if out.resolve() != stage_dir.resolve():  # checkpoints elsewhere (e.g. Drive): keep a copy
        shutil.copyfile(out / RESULT_FILE, stage_dir / RESULT_FILE)
    rows = {
        "steps": result.steps,
        "train_loss": result.train_loss,
        "eval_loss": result.eval_loss,
        "n_train": result.n_train,
        "family": result.family,
        "lora": result.lora,
    }
    return StageResult(rows, [result.model_dir], _finetune_notes(result, ft))


def _trim_texts(ctx: StageContext) -> list[str]:
    """Texts whose pieces a trimmed vocabulary must keep, besides the training pairs."""
    from .evaluate.run import benchmark_texts

    # Benchmarks are scored later with the same pieces; English originals keep the
    # pieces a bilingual prompt needs (the training pairs are added by finetune()).
    english = [p.prompt_en for p in ctx.load("prompts") if p.prompt_en]
    return benchmark_texts(ctx.cfg.evaluate) + english


def _finetune_notes(result, ft) -> list[str]:
    """What a reader must know about a fine-tune: a tiny stand-in, a cut by the time budget."""
    from .finetune.budget import budget_note

    notes = []
    if result.used_tiny_stand_in:
        what = (
            "mT5 stand-in, not google/mt5-small"
            if result.family == "seq2seq"
            else "causal (Llama-style) stand-in, not a real instruction-tuned LLM"
        )
        notes.append(
            f"fine-tuned the tiny locally built {what}: scores show the workflow, not model quality"
        )
    stopped = budget_note(
        result.steps, result.planned_steps, ft.time_budget_min, result.stopped_by_time_budget
    )
    return notes + ([stopped] if stopped else [])


def preference_stage(ctx: StageContext) -> StageResult:
    """DPO on Part II's preference pairs, the fine-tuned model as the frozen reference.

    Args:
        ctx: the stage's context; reads ``preference`` (``enabled``, DPO settings),
            the fine-tuning lengths and precision, and the dataset's preference split.

    Returns:
        The headline numbers of the preference result (``{"pairs_train": 0,
        "skipped": 1}`` when ``preference.enabled`` is false); outputs
        ``preference_result.json`` and the tuned model folder, if one was saved.
    """
    from .dataset import load_split
    from .finetune.preference import preference_tune

    stage_dir = ctx.run_dir.stage_dir("preference")
    if not ctx.cfg.preference.enabled:
        return StageResult(
            {"pairs_train": 0, "skipped": 1}, [], ["preference.enabled is false: skipped"]
        )
    from .finetune.result import PREFERENCE_HEADLINE, read_result

    ft_result = read_result(ctx.run_dir.stage_dir("finetune", create=False))
    pairs = load_split(ctx.run_dir.stage_dir("dataset", create=False), "preference")
    result = preference_tune(
        pairs,
        ft_result["model_dir"],
        stage_dir,
        ctx.cfg.preference,
        ctx.cfg.finetune,
        seed=ctx.cfg.seed,
    )
    rows = {k: getattr(result, k) for k in PREFERENCE_HEADLINE}
    outputs = [
        stage_dir / "preference_result.json",
        *([result.model_dir] if result.model_dir else []),
    ]
    return StageResult(rows, outputs, [f"skipped: {result.skipped}"] if result.skipped else [])


def evaluate_stage(ctx: StageContext) -> StageResult:
    """Benchmarks, held-out generation and the side-by-side ranking, base vs fine-tuned.

    Ranking votes go through the run's one budget and ledger, so each
    comparison is paid once across reruns and ``--force``.

    Args:
        ctx: the stage's context; reads ``evaluate``, the generation limits of
            ``finetune`` and the models the fine-tune (and preference) stages saved.

    Returns:
        The scores, output files and notes (e.g. a subset scored within the time
        budget) that :func:`~.evaluate.run.evaluate_run` reports.
    """
    from .crowd.collect import collect_rankings
    from .evaluate.run import GenerationLimits, evaluate_run

    # The run's one budget and ledger: charged once per comparison, across reruns and --force.
    collect_votes = functools.partial(
        collect_rankings,
        ctx.backend(),
        timeout_s=ctx.cfg.crowd.wait_timeout_s,
        budget=ctx.budget,
        ledger=ctx.ledger,
    )
    ft = ctx.cfg.finetune  # prompts are cut, and answers end, where training set them
    result = evaluate_run(
        ctx.run_dir,
        ctx.cfg.evaluate,
        seed=ctx.cfg.seed,
        limits=GenerationLimits(ft.max_new_tokens, ft.max_source_length),
        collect_votes=collect_votes,
    )
    return StageResult(result.rows, result.outputs, result.notes)


def report_stage(ctx: StageContext) -> StageResult:
    """The Markdown report with its figures, from what every earlier stage wrote.

    Args:
        ctx: the stage's context; only its run directory is read.

    Returns:
        ``{"report": 1}``; output ``report.md``.
    """
    from .report import write_report

    return StageResult({"report": 1}, [write_report(ctx.run_dir.root)])
