"""The data stages, prompts to dataset: ``fn(ctx) -> StageResult``, one function per stage.

The model stages (fine-tune, preference, evaluate, report) are in
:mod:`.model_stages`.

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

import json
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
    """Part I: collect answers (resume-safe, charged once) and run the quality rules on them.

    Answers already in the sink are kept and not asked for again, and every
    launch is charged to the run's ledger once, so a rerun or a crash costs
    nothing twice.

    Args:
        ctx: the stage's context; reads ``crowd`` (overlap, wait time), ``quality``
            and the language, and the prompts stage's output.

    Returns:
        ``answers`` and ``qc_flagged`` counts; outputs ``answers.jsonl`` and ``qc.jsonl``.
    """
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
    """Part II: helpfulness votes on the answers that passed QC (dynamic overlap by default).

    With ``crowd.dynamic_overlap`` an answer gets more votes only while its
    aggregated label is still uncertain; otherwise every answer gets
    ``crowd.validation_overlap`` votes.

    Args:
        ctx: the stage's context; reads ``crowd``, ``quality.aggregation`` and the
            prompts, answers and QC results of earlier stages.

    Returns:
        ``answers_validated`` and ``votes`` counts; output ``votes.jsonl``.
    """
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
    """Accept/reject, re-collect; verdicts already applied (in the ledger) are never re-applied.

    Rejected answers are asked for again and judged again, so the stage writes
    the final answers, votes and QC results next to the decisions, and the
    crowd bill from the ledger.

    Args:
        ctx: the stage's context; reads ``quality``, ``crowd`` and everything Parts
            I and II wrote.

    Returns:
        Counts, ``acceptance_rate`` (0-1) and ``cost_usd``; outputs
        ``decisions.jsonl``, ``answers.jsonl``, ``votes.jsonl``, ``qc.jsonl``, ``cost.json``.
    """
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
    """Curate train / held-out / preference splits and write the data card.

    Args:
        ctx: the stage's context; reads ``dataset``, the seed, the language and the
            final answers, votes and decisions (with their cost).

    Returns:
        Row counts per split; outputs the split files and ``data_card.md``.
    """
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
