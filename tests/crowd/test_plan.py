"""``tutorial-lib crowd plan``: every Toloka object a run would create, its cost, its window."""

import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from emulated import Emulated
from sim_prompts import make_prompts

from tutorial_lib.cli import main
from tutorial_lib.config import load_config
from tutorial_lib.crowd.collect import collect_answers
from tutorial_lib.crowd.plan import build_plan, project_spec_for, toloka_settings
from tutorial_lib.jsonl import write_jsonl

KEYS = ("projects", "trainings", "pools", "training_tasks", "golden_tasks", "tasks")


def test_crowd_plan_writes_every_object_with_its_kind_cost_and_window(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.delenv("TOLOKA_TOKEN", raising=False)  # no token, no network
    prompts = tmp_path / "pilot.jsonl"
    write_jsonl(prompts, make_prompts(5))
    out = tmp_path / "runs" / "pilot"
    assert (
        main(
            [
                "crowd",
                "plan",
                "--preset",
                "ci",
                "--out",
                str(out),
                "--prompts",
                str(prompts),
                "--set",
                "crowd.wait_timeout_s=7200",
            ]
        )
        == 0
    )
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    for key in KEYS:
        assert plan[key], key
        assert all(obj["kind"] in ("answers", "validation") for obj in plan[key])
    assert len(plan["tasks"]) == 5 and {o["kind"] for o in plan["pools"]} == {
        "answers",
        "validation",
    }
    assert all(plan["run_id"] in p["private_name"] for p in plan["pools"])
    cost = plan["cost_usd"]
    assert cost["total"] == round(cost["answers"] + cost["validation"], 2) > 0
    assert plan["ceiling_usd"] >= cost["total"]
    window = plan["time_window"]
    assert 1 <= window["review_days"] <= 21 and window["wait_timeout_s"] == 7200
    answers_pool = next(p for p in plan["pools"] if p["kind"] == "answers")
    assert answers_pool["auto_accept_period_day"] == window["review_days"]
    assert "quiz_choice" in json.dumps(plan["training_tasks"])
    assert "pilot" in capsys.readouterr().out


def test_the_plan_shows_the_pools_the_backend_creates(tmp_path):
    cfg = load_config("ci")
    cfg = dataclasses.replace(
        cfg, crowd=dataclasses.replace(cfg.crowd, answer_overlap=1, wait_timeout_s=3600.0)
    )
    prompts = make_prompts(3)
    em = Emulated(page_size=50)
    try:
        crowd = cfg.crowd
        backend = em.backend(
            tmp_path / "crowd",
            review_days=toloka_settings(
                "answers", cfg.crowd, cfg.quality, cfg.prompts.lang, "x"
            ).review_days,
            control_share=crowd.control_share,
            overlaps={"answers": crowd.answer_overlap, "validation": crowd.validation_overlap},
        )
        collect_answers(
            backend,
            prompts,
            1,
            tmp_path / "answers.jsonl",
            spec=project_spec_for("answers", crowd, "sw"),
            timeout_s=600,
            poll_s=60,
        )
        plan = build_plan(cfg.crowd, cfg.quality, prompts, backend.run_id, lang=cfg.prompts.lang)
        sent = next(iter(em.emu.tables["pools"].values()))
        shown = next(p for p in plan["pools"] if p["kind"] == "answers")
        for key in (
            "private_name",
            "reward_per_assignment",
            "auto_accept_solutions",
            "auto_accept_period_day",
            "mixer_config",
            "filter",
            "defaults",
        ):
            assert sent[key] == shown[key], key
        assert em.emu.spent() == 0.0
    finally:
        em.stop()
