"""The whole Toloka flow against the emulator: prompts -> answers -> validation with dynamic
overlap -> post-acceptance -> re-collection -> decisions, then a rerun; money checked."""

import dataclasses
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from emulated import Emulated
from sim_prompts import TOPICS, make_prompts
from toloka_emulator import Worker

from tutorial_lib.config import load_config
from tutorial_lib.crowd.budget import Budget
from tutorial_lib.crowd.collect import collect_answers, read_sink
from tutorial_lib.crowd.ledger import run_ledger
from tutorial_lib.crowd.plan import build_plan, project_spec_for, toloka_settings
from tutorial_lib.quality.overlap import validate_dynamic
from tutorial_lib.quality.postaccept import late_verdicts, post_accept
from tutorial_lib.quality.rules import check_answers

REFERENCE = {sw: ref for _, sw, _, ref in TOPICS}
LAZY = "Sijui jibu la swali hili, samahani sana kwa kuchelewa kujibu leo."
EXTRA = [
    "Natumaini maelezo haya yatakusaidia sana.",
    "Ukihitaji zaidi, uliza tena bila wasiwasi.",
    "Hii ndiyo njia rahisi ya kuelewa jambo hili.",
    "Kumbuka kusoma zaidi kuhusu mada hii.",
    "Nimejaribu kueleza kwa ufupi na kwa uwazi.",
    "Jambo hili linawahusu watu wengi nchini.",
    "Asante kwa swali lako zuri kuhusu jambo hili.",
]


def toloker(i: int, lazy: bool = False, yes_sayer: bool = False) -> Worker:
    def answer(inputs: dict) -> dict:
        if "answer" in inputs:  # Part II: a lazy non-answer is not helpful
            helpful = int(yes_sayer or not inputs["answer"].startswith("Sijui"))
            return {"helpful": helpful, "harmless": 1}
        if lazy:
            return {"answer": LAZY}
        return {"answer": f"{REFERENCE[inputs['prompt']]} {EXTRA[i % len(EXTRA)]}"}

    return Worker(f"toloker{i}", answer, seconds=20.0 if yes_sayer else 40.0 + 7 * i)


def _config(wait_s: float = 3600.0):
    cfg = load_config("ci")
    crowd = dataclasses.replace(
        cfg.crowd,
        backend="toloka",
        production=True,
        answer_overlap=1,
        validation_overlap=3,
        validation_max_overlap=5,
        wait_timeout_s=wait_s,
        budget_usd=100.0,
    )
    # majority vote: with six answers Dawid-Skene would trust the one rater who says yes to all
    return dataclasses.replace(
        cfg, crowd=crowd, quality=dataclasses.replace(cfg.quality, max_rounds=2, aggregation="mv")
    )


def _run(em: Emulated, cfg, prompts, run_dir: Path):
    """The kit's crowd stages as the pipeline runs them: one run ledger, one budget."""
    crowd = cfg.crowd
    backend = em.backend(
        run_dir / "crowd",
        review_days=toloka_settings(
            "answers", cfg.crowd, cfg.quality, cfg.prompts.lang, "-"
        ).review_days,
        control_share=crowd.control_share,
        overlaps={"answers": crowd.answer_overlap, "validation": crowd.validation_overlap},
    )
    ledger = run_ledger(run_dir / "crowd", "toloka")
    kw = {"ledger": ledger, "budget": Budget.from_config(crowd, spent_usd=ledger.spent_usd())}
    answers = collect_answers(
        backend,
        prompts,
        crowd.answer_overlap,
        run_dir / "answers.jsonl",
        spec=project_spec_for("answers", crowd, "sw"),
        timeout_s=crowd.wait_timeout_s,
        poll_s=30,
        **kw,
    )
    qc = check_answers(prompts, answers, cfg.quality, lang="sw")
    passed = [a for a, q in zip(answers, qc) if q.passed]
    votes = validate_dynamic(
        backend,
        passed,
        prompts,
        crowd,
        run_dir / "votes.jsonl",
        method=cfg.quality.aggregation,
        **kw,
    )
    out = post_accept(
        backend,
        prompts,
        answers,
        votes,
        qc,
        cfg.quality,
        cfg.crowd,
        lang=cfg.prompts.lang,
        answers_sink=run_dir / "recollected_answers.jsonl",
        votes_sink=run_dir / "recollected_votes.jsonl",
        **kw,
    )
    return backend, ledger, out


@pytest.fixture
def em():
    crew = [toloker(6, lazy=True), toloker(7, yes_sayer=True)] + [toloker(i) for i in range(6)]
    emulated = Emulated(crew, min_sleep_s=30.0, page_size=50)
    yield emulated
    emulated.stop()


@pytest.mark.slow
def test_whole_flow_pays_only_what_the_kit_decided_and_a_rerun_buys_nothing(em, tmp_path):
    cfg, prompts = _config(), make_prompts(6)
    em.emu.fail("POST", "/api/v1/pools", status=503, commit=True)  # a retried create
    em.emu.fail("GET", "/api/v1/assignments", status=429, times=2)
    backend, ledger, (decisions, answers, votes) = _run(em, cfg, prompts, tmp_path)

    assert {d.prompt_id for d in decisions if d.verdict == "accept"} == {p.id for p in prompts}
    lazy = [a for a in answers if a.answer == LAZY]
    assert lazy and all(a.status == "rejected" for a in lazy)
    assert any(a.round >= 1 for a in answers)  # re-collected
    assert max(sum(v.task_id == a.assignment_id for v in votes) for a in answers) > 3  # dynamic

    answer_pool = backend._project(
        backend.create_project(project_spec_for("answers", cfg.crowd, "sw"))
    )
    kit_paid = {p["assignment_id"] for p in em.emu.payments if p["how"] == "kit"}
    auto = {p["pool_id"] for p in em.emu.payments if p["how"] == "auto"}
    assert kit_paid == {d.assignment_id for d in decisions if d.verdict == "accept"}
    assert answer_pool["pool_id"] not in auto  # Part I is paid only on the kit's verdict
    assert not any(p["how"] == "review" for p in em.emu.payments)  # nothing paid by timeout
    assert late_verdicts(ledger) == []

    # money: the first launches are the plan; all the rest was priced and charged by the kit
    plan = build_plan(cfg.crowd, cfg.quality, prompts, backend.run_id, lang=cfg.prompts.lang)
    assert len(em.emu.tables["pools"]) == len(plan["pools"]) == 2
    uploaded = [
        t["input_values"]
        for t in em.emu.real_tasks(answer_pool["pool_id"])
        if not str(t["input_values"]["task_id"]).startswith("golden-")
    ]
    planned = [t["input_values"] for t in plan["tasks"]]
    assert sorted(uploaded, key=str) == sorted(planned, key=str)  # the plan shows what is sent
    first = {e["kind"]: e["cost_usd"] for e in ledger.events("launch") if e["round"] == 0}
    assert first == {k: plan["cost_usd"][k] for k in ("answers", "validation")}
    charged = ledger.spent_usd()
    assert charged > plan["cost_usd"]["total"]  # dynamic overlap and re-collection
    reward = plan["reward_per_suite_usd"]["answers"]
    unpaid = sum(d.verdict == "reject" for d in decisions) * reward * (1 + cfg.crowd.platform_fee)
    events = len(ledger.events("launch")) + len(ledger.events("more"))
    assert abs(em.emu.spent() - (charged - unpaid)) <= 0.01 * events  # the fee rounds per launch

    counts = {k: len(em.emu.tables[k]) for k in ("pools", "tasks", "trainings", "projects")}
    spent, n_paid = em.emu.spent(), len(em.emu.payments)
    backend, ledger, (again, _, _) = _run(em, cfg, prompts, tmp_path)  # a rerun, a new process
    assert {k: len(em.emu.tables[k]) for k in counts} == counts
    assert (em.emu.spent(), len(em.emu.payments)) == (spent, n_paid)
    assert ledger.spent_usd() == charged
    assert [d.assignment_id for d in again] == [d.assignment_id for d in decisions]


@pytest.mark.slow
def test_a_verdict_after_auto_acceptance_is_counted_not_fatal(em, tmp_path):
    cfg, prompts = _config(), make_prompts(6)
    crowd = cfg.crowd
    backend = em.backend(tmp_path / "crowd", review_days=1)
    ledger = run_ledger(tmp_path / "crowd", "toloka")
    answers = collect_answers(
        backend,
        prompts,
        1,
        tmp_path / "answers.jsonl",
        ledger=ledger,
        spec=project_spec_for("answers", crowd, "sw"),
        timeout_s=3600,
        poll_s=60,
    )
    qc = check_answers(prompts, answers, cfg.quality, lang="sw")
    votes = validate_dynamic(
        backend,
        [a for a, q in zip(answers, qc) if q.passed],
        prompts,
        crowd,
        tmp_path / "votes.jsonl",
        method="mv",
        ledger=ledger,
    )
    em.clock.sleep(2 * 86400)  # the presenter came back two days later
    sinks = {
        "answers_sink": tmp_path / "re.jsonl",
        "votes_sink": tmp_path / "re_votes.jsonl",
        "ledger": ledger,
        "lang": cfg.prompts.lang,
    }
    decisions, _, _ = post_accept(
        backend, prompts, answers, votes, qc, cfg.quality, cfg.crowd, **sinks
    )
    late = late_verdicts(ledger)
    assert late and {r["verdict"] for r in late} == {"reject"}
    assert {r["assignment_id"] for r in late} == {
        a.assignment_id for a in answers if a.answer == LAZY
    }
    # a rerun moves on past the late verdicts
    again, _, _ = post_accept(backend, prompts, answers, votes, qc, cfg.quality, cfg.crowd, **sinks)
    assert len(late_verdicts(ledger)) == len(late)
    assert [d.assignment_id for d in again] == [d.assignment_id for d in decisions]
    assert read_sink(tmp_path / "votes.jsonl")
