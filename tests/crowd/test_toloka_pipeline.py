"""The pipeline's crowd stages on the Toloka emulator: reruns and --force buy and create nothing."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from emulated import Emulated
from sim_prompts import make_prompts
from test_toloka_flow import toloker

from tutorial_lib.config import load_config
from tutorial_lib.crowd.ledger import run_ledger
from tutorial_lib.jsonl import write_jsonl

CROWD = ["prompts", "answers", "validation", "decisions"]


@pytest.mark.slow
def test_pipeline_reruns_and_forced_crowd_stages_pay_and_create_nothing_twice(tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(prompts, make_prompts(5))
    cfg = load_config(
        "ci",
        overrides={
            "prompts": {"path": str(prompts), "limit": None},
            "crowd": {
                "backend": "toloka",
                "production": True,
                "answer_overlap": 1,
                "validation_overlap": 3,
                "validation_max_overlap": 4,
                "wait_timeout_s": 3600,
            },
            "quality": {"aggregation": "mv", "max_rounds": 1},
        },
    )
    crew = [toloker(6, lazy=True), toloker(7, yes_sayer=True)] + [toloker(i) for i in range(6)]
    em = Emulated(crew, min_sleep_s=30.0, page_size=50)
    try:
        out = tmp_path / "run"
        em.pipeline(cfg, out).run(CROWD)
        counts = {k: len(em.emu.tables[k]) for k in ("projects", "pools", "tasks", "trainings")}
        paid, spent = len(em.emu.payments), run_ledger(out / "crowd", "toloka").spent_usd()
        assert paid and spent > 0
        for force in (None, ["decisions"], ["validation"], ["answers"]):
            em.pipeline(cfg, out).run(CROWD, force=force)  # a new process each time
            assert {k: len(em.emu.tables[k]) for k in counts} == counts, force
            assert len(em.emu.payments) == paid, force
            assert run_ledger(out / "crowd", "toloka").spent_usd() == spent, force
        assert not any(p["how"] == "review" for p in em.emu.payments)
    finally:
        em.stop()
