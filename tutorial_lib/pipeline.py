"""The stages in order over a run directory: prompts → answers → validation → decisions →
dataset → fine-tune → evaluate → report.

Each stage reads what earlier stages wrote in the run directory and writes its own
folder plus a manifest, so any stage can run alone (``--stage``), a finished stage
is skipped unless forced, and an interrupted run resumes where it stopped.

Taught in notebooks/05_hands_on_mt5.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from .config import PipelineConfig, resolve_path
from .records import Assignment, Decision, Prompt, QCResult, read_jsonl, write_jsonl
from .rundir import STAGE_ORDER, RunDir

logger = logging.getLogger(__name__)

STAGES = STAGE_ORDER
_RECORD_FILES = {
    "prompts": ("prompts.jsonl", Prompt),
    "answers": ("answers.jsonl", Assignment),
    "qc": ("qc.jsonl", QCResult),
    "validation": ("votes.jsonl", Assignment),
    "decisions": ("decisions.jsonl", Decision),
}


class Pipeline:
    """Run the kit's stages for one preset into one run directory.

    Examples:
        >>> from tutorial_lib.config import load_config
        >>> pipe = Pipeline(load_config("ci"), out="runs/ci")  # doctest: +SKIP
        >>> pipe.run()                                          # doctest: +SKIP
    """

    def __init__(self, cfg: PipelineConfig, out: str | Path):
        self.cfg = cfg
        self.run_dir = RunDir(out)
        self.run_dir.root.mkdir(parents=True, exist_ok=True)
        self._backend = None
        self._write_config()

    # ------------------------------------------------------------------ driving
    def run(self, stages: list[str] | None = None, force: bool = False) -> dict[str, dict]:
        """Run ``stages`` (default: all) in pipeline order; returns each stage's manifest."""
        wanted = list(stages or STAGES)
        for name in wanted:
            self.run_dir.stage_dir(name, create=False)  # validates the name
        return {name: self.run_stage(name, force=force) for name in STAGES if name in wanted}

    def run_stage(self, name: str, force: bool = False) -> dict:
        """Run one stage unless it is already done (then return its manifest)."""
        if self.run_dir.is_done(name) and not force:
            logger.info("stage %s already done in %s (use force to redo)", name, self.run_dir.root)
            return self.run_dir.read_manifest(name)
        if force:
            self.run_dir.reset(name)
        for earlier in STAGES[: STAGES.index(name)]:
            self.run_dir.require(earlier)
        started = time.time()
        logger.info("stage %s: starting", name)
        rows, outputs, notes = self._stage_functions()[name]()
        manifest = self.run_dir.write_manifest(
            name, preset=self.cfg.name, seed=self.cfg.seed, config=self.cfg.to_dict(),
            started=started, rows=rows, outputs=[str(p) for p in outputs], notes=notes,
        )
        logger.info("stage %s: done in %.1fs %s", name, manifest.duration_s, rows)
        return self.run_dir.read_manifest(name)

    def load(self, what: str) -> list:
        """Records a stage wrote: ``prompts``, ``answers``, ``qc``, ``validation`` or ``decisions``.

        After the decisions stage, ``answers``/``validation`` include re-collected rounds.
        """
        if what not in _RECORD_FILES:
            raise ValueError(f"cannot load {what!r}; choose one of {', '.join(_RECORD_FILES)}")
        filename, cls = _RECORD_FILES[what]
        final = self.run_dir.root / "04_decisions" / filename
        if what in ("answers", "qc", "validation") and final.exists():
            return read_jsonl(final, cls)
        stage = {"qc": "answers"}.get(what, what)
        self.run_dir.require(stage)
        return read_jsonl(self.run_dir.path(stage, filename), cls)

    def _stage_functions(self) -> dict[str, Callable[[], tuple]]:
        return {
            "prompts": self._prompts, "answers": self._answers, "validation": self._validation,
            "decisions": self._decisions, "dataset": self._dataset, "finetune": self._finetune,
            "evaluate": self._evaluate, "report": self._report,
        }

    def _write_config(self) -> None:
        import yaml

        path = self.run_dir.root / "config.yaml"
        path.write_text(yaml.safe_dump(self.cfg.to_dict(), sort_keys=False, allow_unicode=True),
                        encoding="utf-8")

    @property
    def crowd_dir(self) -> Path:
        return self.run_dir.root / "crowd"

    def backend(self):
        """The crowd backend for this run (rebuilt from the run directory's state)."""
        if self._backend is None:
            from .crowd.collect import make_backend

            self._backend = make_backend(self.cfg.crowd, self.crowd_dir, self.load("prompts"),
                                         self.cfg.seed)
        return self._backend

    def _budget_left(self, answers: list[Assignment], votes: list[Assignment]) -> float:
        """What remains of ``crowd.budget_usd`` after the work already collected in this run.

        Each launch is then checked against the remainder, so the run as a whole stays
        within the budget, not only each launch on its own.
        """
        from .crowd.pricing import BudgetExceeded

        crowd = self.cfg.crowd
        spent = crowd_cost(answers, votes, crowd)["total_usd"]
        if spent >= crowd.budget_usd:
            raise BudgetExceeded(
                f"this run has already spent ${spent:.2f} of its ${crowd.budget_usd:.2f} budget "
                "(crowd.budget_usd): raise the budget or lower prompts.limit / the overlaps")
        logger.info("crowd budget: $%.2f spent, $%.2f left of $%.2f", spent,
                    crowd.budget_usd - spent, crowd.budget_usd)
        return crowd.budget_usd - spent

    def _spec(self, kind: str):
        """The task design for ``kind``, timed and scaled as the preset says (prices follow)."""
        from .crowd.design import answer_project, validation_project

        crowd = self.cfg.crowd
        if kind == "answers":
            return dataclasses.replace(answer_project(lang=self.cfg.prompts.lang),
                                       seconds_per_task=crowd.seconds_per_answer)
        return dataclasses.replace(validation_project(scale=crowd.scale, lang=self.cfg.prompts.lang),
                                   seconds_per_task=crowd.seconds_per_vote)

    # ------------------------------------------------------------------ stages
    def _prompts(self):
        from .data.prompts import balanced_subset, load_prompts

        pc = self.cfg.prompts
        path = pc.path if pc.path.startswith("hf:") else resolve_path(pc.path)
        prompts = load_prompts(path, format=pc.format, mapping=named_mapping(pc.mapping), lang=pc.lang)
        if pc.limit:
            prompts = balanced_subset(prompts, pc.limit)
        notes = []
        from .data import needs_translation

        if pc.translate_missing:
            from .data.translate import translate_missing

            prompts = translate_missing(prompts, model_name=pc.mt_model)
        waiting = [p.id for p in prompts if needs_translation(p)]
        if waiting:
            raise ValueError(
                f"{len(waiting)} prompts from {pc.path} have no {pc.lang} translation yet "
                f"(e.g. {', '.join(waiting[:3])}); prompts are machine-translated online with "
                f"--set prompts.translate_missing=true (model {pc.mt_model}), or map a column "
                "that holds a translation")
        machine = sum(p.translation_origin == "machine" for p in prompts)
        if machine:
            notes.append(f"{machine} prompts are machine-translated: review them before launch")
        out = self.run_dir.path("prompts", "prompts.jsonl")
        write_jsonl(out, prompts)
        by_cat: dict[str, int] = {}
        for p in prompts:
            by_cat[p.category] = by_cat.get(p.category, 0) + 1
        return {"prompts": len(prompts), "by_category": by_cat, "machine_translated": machine}, [out], notes

    def _answers(self):
        from .crowd.collect import Pricing, collect_answers
        from .quality.rules import check_answers

        prompts = self.load("prompts")
        sink = self.run_dir.path("answers", "answers.jsonl")
        crowd = self.cfg.crowd
        answers = collect_answers(self.backend(), prompts, crowd.answer_overlap, sink,
                                  spec=self._spec("answers"), timeout_s=crowd.wait_timeout_s,
                                  budget_usd=crowd.budget_usd, pricing=Pricing.from_config(crowd))
        qc = check_answers(prompts, answers, self.cfg.quality, lang=self.cfg.prompts.lang)
        qc_path = self.run_dir.path("answers", "qc.jsonl")
        write_jsonl(qc_path, qc)
        flagged = sum(not q.passed for q in qc)
        return {"answers": len(answers), "qc_flagged": flagged}, [sink, qc_path], []

    def _validation(self):
        from .crowd.collect import Pricing, collect_votes
        from .quality.postaccept import validate_dynamic

        prompts = self.load("prompts")
        qc = {q.answer_id: q for q in self.load("qc")}
        answers = [a for a in self.load("answers") if qc[a.assignment_id].passed]
        sink = self.run_dir.path("validation", "votes.jsonl")
        crowd = self.cfg.crowd
        budget = self._budget_left(self.load("answers"), [])
        if crowd.dynamic_overlap:
            votes = validate_dynamic(self.backend(), answers, prompts, crowd, sink,
                                     method=self.cfg.quality.aggregation, budget_usd=budget)
        else:
            votes = collect_votes(self.backend(), answers, prompts, crowd.validation_overlap, sink,
                                  spec=self._spec("validation"), timeout_s=crowd.wait_timeout_s,
                                  budget_usd=budget, pricing=Pricing.from_config(crowd))
        return {"answers_validated": len(answers), "votes": len(votes)}, [sink], []

    def _decisions(self):
        from .quality.postaccept import post_accept
        from .quality.rules import check_answers

        prompts, qc = self.load("prompts"), self.load("qc")
        answers, votes = self.load("answers"), self.load("validation")
        stage = "decisions"
        cfg = dataclasses.replace(self.cfg, crowd=dataclasses.replace(
            self.cfg.crowd, budget_usd=self._budget_left(answers, votes)))
        decisions, answers, votes = post_accept(
            self.backend(), prompts, answers, votes, qc, cfg,
            answers_sink=self.run_dir.path(stage, "recollected_answers.jsonl"),
            votes_sink=self.run_dir.path(stage, "recollected_votes.jsonl"),
        )
        qc = check_answers(prompts, answers, self.cfg.quality, lang=self.cfg.prompts.lang)
        outputs = [
            self.run_dir.path(stage, name)
            for name in ("decisions.jsonl", "answers.jsonl", "votes.jsonl", "qc.jsonl", "cost.json")
        ]
        write_jsonl(outputs[0], decisions)
        write_jsonl(outputs[1], answers)
        write_jsonl(outputs[2], votes)
        write_jsonl(outputs[3], qc)
        cost = crowd_cost(answers, votes, self.cfg.crowd)
        outputs[4].write_text(json.dumps(cost, indent=2), encoding="utf-8")
        accepted = sum(d.verdict == "accept" for d in decisions)
        rows = {"decisions": len(decisions), "accepted": accepted,
                "acceptance_rate": round(accepted / max(len(decisions), 1), 4),
                "answers": len(answers), "votes": len(votes), "cost_usd": cost["total_usd"]}
        return rows, outputs, []

    def _dataset(self):
        from .dataset import build_dataset, save_dataset, write_data_card

        prompts, decisions = self.load("prompts"), self.load("decisions")
        answers, votes, qc = self.load("answers"), self.load("validation"), self.load("qc")
        ds = build_dataset(prompts, answers, decisions, qc, self.cfg.dataset, seed=self.cfg.seed,
                           votes=votes)
        out_dir = self.run_dir.stage_dir("dataset")
        paths = save_dataset(ds, out_dir)
        cost = json.loads((self.run_dir.root / "04_decisions" / "cost.json").read_text())
        card = write_data_card(ds, out_dir / "data_card.md", prompts=prompts, answers=answers,
                               decisions=decisions, qc=qc, cost=cost, lang=self.cfg.prompts.lang)
        rows = {"train": len(ds.train), "heldout": len(ds.heldout), "preference": len(ds.preference)}
        return rows, [*paths.values(), card], []

    def _finetune(self):
        from .data.prompts import prompt_texts
        from .finetune.budget import budget_note
        from .finetune.train import RESULT_FILE, finetune

        ft = self.cfg.finetune
        stage_dir = self.run_dir.stage_dir("finetune")
        out = Path(ft.output_dir) if ft.output_dir else stage_dir
        # resume=True: an interrupted stage continues from its last checkpoint (--force wipes it).
        result = finetune(self.run_dir.root, out, model=ft.model, cfg=ft, resume=True,
                          heldout=self.run_dir.root, tiny_texts=prompt_texts(self.load("prompts")))
        if out.resolve() != stage_dir.resolve():  # checkpoints elsewhere (e.g. Drive): keep a copy
            shutil.copyfile(out / RESULT_FILE, stage_dir / RESULT_FILE)
        notes = []
        if result.used_tiny_stand_in:
            notes.append("fine-tuned the tiny locally built mT5 stand-in, not google/mt5-small: "
                         "scores show the workflow, not model quality")
        stopped = budget_note(result.steps, result.planned_steps, ft.time_budget_min,
                              result.stopped_by_time_budget)
        notes += [stopped] if stopped else []
        rows = {"steps": result.steps, "train_loss": result.train_loss, "eval_loss": result.eval_loss,
                "n_train": result.n_train}
        return rows, [result.model_dir], notes

    def _evaluate(self):
        from .evaluation_run import evaluate_run

        summary = evaluate_run(self)
        return summary["rows"], summary["outputs"], summary["notes"]

    def _report(self):
        from .report import write_report

        path = write_report(self.run_dir.root)
        return {"report": 1}, [path], []


def named_mapping(mapping: dict | str | None) -> dict | None:
    """A column mapping given inline, or by the name of a known real set (``afriqa``, ``mgsm`` ...)."""
    from .data import MAPPINGS

    if isinstance(mapping, str):
        if mapping not in MAPPINGS:
            raise ValueError(f"unknown prompt mapping {mapping!r}; known: {', '.join(sorted(MAPPINGS))}")
        return dict(MAPPINGS[mapping])
    return mapping or None


def crowd_cost(answers: list[Assignment], votes: list[Assignment], crowd) -> dict:
    """What the collected work cost at the configured fair pay (platform fee included)."""
    from .crowd.pricing import reward_per_assignment

    reward_answer = reward_per_assignment(crowd.seconds_per_answer, crowd.hourly_pay_usd)
    reward_vote = reward_per_assignment(crowd.seconds_per_vote, crowd.hourly_pay_usd)
    paid_answers = sum(a.status != "rejected" for a in answers)
    pay = paid_answers * reward_answer + len(votes) * reward_vote
    fee = pay * crowd.platform_fee
    seconds = sum(a.duration_s for a in answers if a.status != "rejected") + sum(v.duration_s for v in votes)
    return {
        "reward_per_answer_usd": reward_answer, "reward_per_vote_usd": reward_vote,
        "answers_paid": paid_answers, "answers_rejected": len(answers) - paid_answers,
        "votes_paid": len(votes), "worker_pay_usd": round(pay, 2), "platform_fee_usd": round(fee, 2),
        "total_usd": round(pay + fee, 2), "target_hourly_pay_usd": crowd.hourly_pay_usd,
        "effective_hourly_pay_usd": round(pay / (seconds / 3600), 2) if seconds else None,
    }
