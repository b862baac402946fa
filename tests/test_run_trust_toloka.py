"""A paid backend never relaunches by itself: a changed setting on the Toloka emulator stops the
run and names the key; ``--force`` then pays only for the difference. (Reruns and forced stages
buying nothing twice: tests/crowd/test_toloka_pipeline.py.)"""

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "crowd"))
from emulated import Emulated
from sim_prompts import make_prompts
from test_toloka_flow import toloker

from tutorial_lib.config import load_config
from tutorial_lib.jsonl import write_jsonl
from tutorial_lib.pipeline import StageChanged


@pytest.mark.slow
def test_changed_setting_on_toloka_stops_and_names_it(tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(prompts, make_prompts(4))
    overrides = {
        "prompts": {"path": str(prompts), "limit": None},
        "crowd": {
            "backend": "toloka",
            "production": True,
            "answer_overlap": 1,
            "wait_timeout_s": 3600,
        },
    }
    em = Emulated([toloker(i) for i in range(6)], min_sleep_s=30.0, page_size=50)
    try:
        out = tmp_path / "run"
        em.pipeline(load_config("ci", overrides=overrides), out).run(["prompts", "answers"])
        tasks, paid = len(em.emu.tables["tasks"]), len(em.emu.payments)
        overrides["crowd"]["answer_overlap"] = 2
        changed = load_config("ci", overrides=overrides)
        with pytest.raises(StageChanged) as err:
            em.pipeline(changed, out).run(["prompts", "answers"])
        message = str(err.value)
        assert "crowd.answer_overlap: 1 -> 2" in message and "--force answers" in message
        assert len(em.emu.tables["tasks"]) == tasks and len(em.emu.payments) == paid
        # the explicit way on: --force answers raises the overlap of the tasks already launched
        em.pipeline(changed, out).run(["prompts", "answers"], force=["answers"])
        assert len(em.emu.tables["tasks"]) == tasks
        rows = [json.loads(line) for line in (out / "02_answers" / "answers.jsonl").open()]
        assert set(Counter(r["task_id"] for r in rows).values()) == {2}
    finally:
        em.stop()
