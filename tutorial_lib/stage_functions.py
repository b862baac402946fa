"""What each pipeline stage does: ``fn(ctx) -> StageResult``, one function per stage.

A stage function gets a :class:`~.stages.StageContext` (the config, the run
directory, the crowd backend, the run's one :class:`~.crowd.budget.Budget` and
its money ledger), never the :class:`~.pipeline.Pipeline`; it reads what earlier
stages wrote and writes its own folder. It hands each wing only that wing's
config section, the :class:`~.rundir.RunDir` or the paths inside it, and the few
top-level values the wing needs (seed, language) as plain arguments.
:mod:`.stages` says what each stage depends on.

Taught in notebooks/03_answer_validation.
"""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

from .atomic import atomic_write_json
from .config import resolve_path
from .jsonl import write_jsonl
from .stages import StageContext, StageResult


def prompts_stage(ctx: StageContext) -> StageResult:
    """Load (and import) the prompt set; a trimmed set is noted, a missing translation refused.

    Args:
        ctx: the stage's context; reads the ``prompts`` section.

    Returns:
        Counts per category and of machine-translated prompts; ``01_prompts/prompts.jsonl``.

    Raises:
        MappingError: an unknown named mapping, or prompts still waiting for a translation.
    """
    from .data import named_mapping, needs_translation
    from .data.prompts import balanced_subset, load_prompts

    pc = ctx.cfg.prompts
    path = pc.path if pc.path.startswith("hf:") else resolve_path(pc.path)
    prompts = load_prompts(
        path,
        format=pc.format,
        mapping=named_mapping(pc.mapping),
        lang=pc.lang,
        max_chars=pc.max_chars,
    )
    notes = []
    if pc.limit and len(prompts) > pc.limit:
        notes.append(
            f"prompts.limit={pc.limit} keeps a category-balanced {pc.limit} of the "
            f"{len(prompts)} prompts in {pc.path}; --set prompts.limit=null keeps all"
        )
        prompts = balanced_subset(prompts, pc.limit)
    if pc.translate_missing:
        from .data.translate import translate_missing

        prompts = translate_missing(prompts, model_name=pc.mt_model)
    waiting = [p.id for p in prompts if needs_translation(p)]
    if waiting:
        from .data import MappingError

        raise MappingError(
            f"{len(waiting)} prompts from {pc.path} have no {pc.lang} translation yet "
            f"(e.g. {', '.join(waiting[:3])}); prompts are machine-translated online with "
            f"--set prompts.translate_missing=true (model {pc.mt_model}), or map a column "
            "that holds a translation"
        )
    machine = sum(p.translation_origin == "machine" for p in prompts)
    if machine:
        notes.append(f"{machine} prompts are machine-translated: review them before launch")
    out = ctx.run_dir.path("prompts", "prompts.jsonl")
    write_jsonl(out, prompts)
    by_cat: dict[str, int] = {}
    for p in prompts:
        by_cat[p.category] = by_cat.get(p.category, 0) + 1
    rows = {"prompts": len(prompts), "by_category": by_cat, "machine_translated": machine}
    return StageResult(rows, [out], notes)


def _task_design(ctx: StageContext, kind: str):
    """The crowd task design for project kind ``kind``, timed and scaled as the preset says."""
    from .crowd.plan import project_spec_for

    return project_spec_for(kind, ctx.cfg.crowd, ctx.cfg.prompts.lang)


def answers_stage(ctx: StageContext) -> StageResult:
    """Part I: collect answers (resume-safe, charged once) and run the quality rules on them."""
    from .crowd.collect import collect_answers
    from .quality.rules import check_answers

    prompts = ctx.load("prompts")
    sink = ctx.run_dir.path("answers", "answers.jsonl")
    crowd = ctx.cfg.crowd
    answers = collect_answers(
        ctx.backend(),
        prompts,
        crowd.answer_overlap,
        sink,
        spec=_task_design(ctx, "answers"),
        timeout_s=crowd.wait_timeout_s,
        budget=ctx.budget,
        ledger=ctx.ledger,
    )
    qc = check_answers(prompts, answers, ctx.cfg.quality, lang=ctx.cfg.prompts.lang)
    qc_path = ctx.run_dir.path("answers", "qc.jsonl")
    write_jsonl(qc_path, qc)
    flagged = sum(not q.passed for q in qc)
    return StageResult({"answers": len(answers), "qc_flagged": flagged}, [sink, qc_path])


def validation_stage(ctx: StageContext) -> StageResult:
    """Part II: helpfulness votes on the answers that passed QC (dynamic overlap by default)."""
    from .crowd.collect import collect_votes
    from .quality.overlap import validate_dynamic

    prompts = ctx.load("prompts")
    qc = {q.assignment_id: q for q in ctx.load("qc")}
    answers = [a for a in ctx.load("answers") if qc[a.assignment_id].passed]
    sink = ctx.run_dir.path("validation", "votes.jsonl")
    crowd = ctx.cfg.crowd
    if crowd.dynamic_overlap:
        votes = validate_dynamic(
            ctx.backend(),
            answers,
            prompts,
            crowd,
            sink,
            method=ctx.cfg.quality.aggregation,
            budget=ctx.budget,
            ledger=ctx.ledger,
        )
    else:
        votes = collect_votes(
            ctx.backend(),
            answers,
            prompts,
            crowd.validation_overlap,
            sink,
            spec=_task_design(ctx, "validation"),
            timeout_s=crowd.wait_timeout_s,
            budget=ctx.budget,
            ledger=ctx.ledger,
        )
    return StageResult({"answers_validated": len(answers), "votes": len(votes)}, [sink])


def decisions_stage(ctx: StageContext) -> StageResult:
    """Accept/reject, re-collect; verdicts already applied (in the ledger) are never re-applied."""
    from .quality.postaccept import post_accept
    from .quality.rules import check_answers

    prompts, qc = ctx.load("prompts"), ctx.load("qc")
    answers, votes = ctx.load("answers"), ctx.load("validation")
    stage = "decisions"
    decisions, answers, votes = post_accept(
        ctx.backend(),
        prompts,
        answers,
        votes,
        qc,
        ctx.cfg.quality,
        ctx.cfg.crowd,
        lang=ctx.cfg.prompts.lang,
        answers_sink=ctx.run_dir.path(stage, "recollected_answers.jsonl"),
        votes_sink=ctx.run_dir.path(stage, "recollected_votes.jsonl"),
        ledger=ctx.ledger,
        budget=ctx.budget,
    )
    qc = check_answers(prompts, answers, ctx.cfg.quality, lang=ctx.cfg.prompts.lang)
    outputs = [
        ctx.run_dir.path(stage, name)
        for name in ("decisions.jsonl", "answers.jsonl", "votes.jsonl", "qc.jsonl", "cost.json")
    ]
    for path, rows in zip(outputs, (decisions, answers, votes, qc)):
        write_jsonl(path, rows)
    from .crowd.bill import crowd_cost

    cost = crowd_cost(ctx.ledger, answers, votes, ctx.cfg.crowd)
    atomic_write_json(outputs[4], cost, indent=2)
    accepted = sum(d.verdict == "accept" for d in decisions)
    rows = {
        "decisions": len(decisions),
        "accepted": accepted,
        "acceptance_rate": round(accepted / max(len(decisions), 1), 4),
        "answers": len(answers),
        "votes": len(votes),
        "cost_usd": cost["total_usd"],
    }
    return StageResult(rows, outputs)


def dataset_stage(ctx: StageContext) -> StageResult:
    """Curate train / held-out / preference splits and write the data card."""
    from .dataset import build_dataset, save_dataset, write_data_card

    prompts, decisions = ctx.load("prompts"), ctx.load("decisions")
    answers, votes, qc = ctx.load("answers"), ctx.load("validation"), ctx.load("qc")
    ds = build_dataset(
        prompts, answers, decisions, qc, ctx.cfg.dataset, seed=ctx.cfg.seed, votes=votes
    )
    out_dir = ctx.run_dir.stage_dir("dataset")
    paths = save_dataset(ds, out_dir)
    cost_path = ctx.run_dir.path("decisions", "cost.json", create=False)
    cost = json.loads(cost_path.read_text(encoding="utf-8"))
    card = write_data_card(
        ds,
        out_dir / "data_card.md",
        prompts=prompts,
        answers=answers,
        decisions=decisions,
        qc=qc,
        cost=cost,
        lang=ctx.cfg.prompts.lang,
        groups=worker_groups(ctx.cfg.crowd.backend, ctx.run_dir.crowd_dir),
    )
    rows = {"train": len(ds.train), "heldout": len(ds.heldout), "preference": len(ds.preference)}
    return StageResult(rows, [*paths.values(), card])


def finetune_stage(ctx: StageContext) -> StageResult:
    """Fine-tune; resumes from a checkpoint only when it was started with the same fingerprint."""
    from .data.prompts import prompt_texts
    from .finetune.budget import budget_note
    from .finetune.result import RESULT_FILE
    from .finetune.train import finetune

    ft = ctx.cfg.finetune
    stage_dir = ctx.run_dir.stage_dir("finetune")
    dataset_dir = ctx.run_dir.stage_dir("dataset", create=False)
    out = Path(ft.output_dir) if ft.output_dir else stage_dir
    trim_texts = None
    if ft.trim_vocab:
        from .evaluate.run import benchmark_texts

        # Benchmarks are scored later with the same pieces; English originals keep the
        # pieces a bilingual prompt needs (the training pairs are added by finetune()).
        english = [p.prompt_en for p in ctx.load("prompts") if p.prompt_en]
        trim_texts = benchmark_texts(ctx.cfg.evaluate) + english
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
        trim_texts=trim_texts,
    )
    if out.resolve() != stage_dir.resolve():  # checkpoints elsewhere (e.g. Drive): keep a copy
        shutil.copyfile(out / RESULT_FILE, stage_dir / RESULT_FILE)
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
    notes += [stopped] if stopped else []
    rows = {
        "steps": result.steps,
        "train_loss": result.train_loss,
        "eval_loss": result.eval_loss,
        "n_train": result.n_train,
        "family": result.family,
        "lora": result.lora,
    }
    return StageResult(rows, [result.model_dir], notes)


def worker_groups(backend: str, crowd_dir: Path) -> dict[str, str] | None:
    """Worker id -> region on the simulated crowd (other backends do not record one).

    Args:
        backend: the crowd backend's name (``crowd.backend``).
        crowd_dir: the run's ``crowd/`` folder (:attr:`~.rundir.RunDir.crowd_dir`).

    Returns:
        The simulated workers' regions, or None for other backends or before any simulation.
    """
    if backend != "simulated":
        return None
    from .crowd.simulated import SimulatedCrowd

    try:
        return SimulatedCrowd.worker_groups(crowd_dir)
    except FileNotFoundError:
        return None


def preference_stage(ctx: StageContext) -> StageResult:
    """DPO on Part II's preference pairs, the fine-tuned model as the frozen reference."""
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
    """Benchmarks, held-out generation and the side-by-side ranking, base vs fine-tuned."""
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
    """The Markdown report with its figures."""
    from .report import write_report

    return StageResult({"report": 1}, [write_report(ctx.run_dir.root)])
