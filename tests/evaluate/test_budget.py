"""evaluate.time_budget_min: measure throughput first, score a stratified seeded subset, say so."""

import json
import shutil
from collections import Counter

import pytest

from tutorial_lib.evaluate import budget as eval_budget
from tutorial_lib.evaluate.budget import EvalBudget, stratified_order, subset_note, subset_size


def test_stratified_order_keeps_label_shares_in_every_prefix_and_is_seeded():
    labels = [0] * 60 + [1] * 30 + [2] * 10
    order = stratified_order(labels, seed=3)
    assert sorted(order) == list(range(100)) and order == stratified_order(labels, seed=3)
    assert order != stratified_order(labels, seed=4)
    for k in (10, 20, 50):
        counts = Counter(labels[i] for i in order[:k])
        assert all(
            abs(counts[lab] - k * share) <= 1 for lab, share in ((0, 0.6), (1, 0.3), (2, 0.1))
        )


def test_budget_fraction_and_subset_sizes():
    now = [0.0]
    budget = EvalBudget(2, clock=lambda: now[0])
    now[0] = 20.0  # 100 s left
    assert budget.left() == 100.0 and budget.fraction(10.0) == 1.0
    assert budget.fraction(170.0) == pytest.approx(eval_budget.SAFETY * 100 / 170)
    assert subset_size(500, 0.1, 16) == 50 and subset_size(500, 0.0, 16) == 16
    assert subset_size(8, 0.1, 16) == 8
    assert subset_note("xnli", 50, 50, 1, 2) is None
    assert "50 of 500" in subset_note("xnli", 50, 500, 1, 2)
    with pytest.raises(ValueError, match="time_budget_min"):
        EvalBudget(0)


@pytest.mark.slow
def test_evaluate_stage_scores_a_stated_subset_when_the_budget_is_short(
    ci_run_dir, tmp_path, monkeypatch
):
    from tutorial_lib.config import load_config
    from tutorial_lib.pipeline import Pipeline

    run = tmp_path / "run"
    shutil.copytree(ci_run_dir, run)
    # A slow GPU, made deterministic: every probe "takes" 30 s, so 1 minute cannot cover all.
    monkeypatch.setattr(eval_budget, "timed", lambda fn, *a, **k: 30.0)
    cfg = load_config("ci", {"evaluate": {"time_budget_min": 1, "batch_size": 2}})
    pipe = Pipeline(cfg, run)
    manifest = pipe.run_stage("evaluate", force=True)
    out = pipe.run_dir.stage_dir("evaluate")
    summary = json.loads((out / "summary.json").read_text())
    xcopa = json.loads((out / "xcopa_fine_tuned.json").read_text())
    assert 2 <= xcopa["n"] < xcopa["n_total"] == 8 and xcopa["subset_seed"] == cfg.seed
    assert summary["benchmarks"]["base"]["xcopa"]["n"] == xcopa["n"]
    assert summary["benchmarks"]["fine-tuned"]["xcopa"]["n_total"] == 8
    assert any(
        f"of {xcopa['n']} of 8 documents" in n or f"{xcopa['n']} of 8" in n
        for n in summary["notes"]
    ), summary["notes"]
    assert any("time_budget_min=1" in n for n in manifest["notes"])
    assert manifest["rows"]["xcopa_n"] == xcopa["n"]
    assert len({p["idx"] for p in xcopa["predictions"]}) == xcopa["n"]  # rows of the source file
