"""finetune.time_budget_min: stops cleanly at the budget, saves, says how far it got, resumes."""

import time
from pathlib import Path

import pytest
from transformers import TrainerCallback

from tutorial_lib.finetune.budget import TimeBudget, budget_note
from tutorial_lib.finetune.train import finetune

FAST = {
    "max_steps": 8,
    "save_steps": 100,
    "eval_steps": 100,
    "batch_size": 4,
    "tiny_vocab_size": 300,
}


class SlowSteps(TrainerCallback):
    """Each step takes at least ``seconds``: a slow GPU, made deterministic."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def on_step_end(self, args, state, control, **kwargs):
        time.sleep(self.seconds)


@pytest.mark.slow
def test_budget_stops_saves_reports_and_resume_finishes(tmp_path, train_rows):
    result = finetune(
        train_rows, tmp_path, "tiny", callbacks=[SlowSteps(1.0)], time_budget_min=2.5 / 60, **FAST
    )
    assert result.stopped_by_time_budget and 2 <= result.steps < 8 and result.planned_steps == 8
    assert (tmp_path / f"checkpoint-{result.steps}").is_dir()  # saved at the stop, not lost
    assert (Path(result.model_dir) / "config.json").exists()
    note = budget_note(result.steps, result.planned_steps, 2.5 / 60, True)
    assert f"after {result.steps} of 8 steps" in note and "--resume" in note
    resumed = finetune(train_rows, tmp_path, "tiny", resume=True, **FAST)
    assert resumed.resumed_from.endswith(f"checkpoint-{result.steps}")
    assert resumed.steps == 8 and not resumed.stopped_by_time_budget


def test_budget_that_is_not_spent_changes_nothing(tmp_path, train_rows):
    result = finetune(train_rows, tmp_path, "tiny", time_budget_min=10, **dict(FAST, max_steps=2))
    assert result.steps == 2 and not result.stopped_by_time_budget
    assert budget_note(2, 2, 10, False) is None


def test_budget_must_be_positive():
    with pytest.raises(ValueError, match="> 0"):
        TimeBudget(0)
