"""End to end with a decoder: the ``ci`` data fine-tuned and evaluated on causal models."""

import json
import shutil

import pytest

from conftest import copy_crowd_stages
from tutorial_lib.cli import main
from tutorial_lib.config import load_config
from tutorial_lib.pipeline import Pipeline
from tutorial_lib.rundir import RunDir


def _stage(root, stage):
    return RunDir(root).stage_dir(stage, create=False)


@pytest.mark.slow
def test_tiny_causal_run_is_said_plainly(ci_causal_run_dir):
    root = ci_causal_run_dir
    finetune = json.loads((_stage(root, "finetune") / "manifest.json").read_text())
    assert finetune["rows"]["family"] == "causal"
    assert any("causal (Llama-style) stand-in" in n for n in finetune["notes"])
    summary = json.loads((_stage(root, "evaluate") / "summary.json").read_text())
    assert summary["families"] == {
        "base": "causal",
        "fine-tuned": "causal",
        "preference-tuned": "causal",
    }  # TRL's DPOTrainer for decoders
    assert any("tiny locally built causal stand-in" in n for n in summary["notes"])
    pref = json.loads((_stage(root, "preference") / "preference_result.json").read_text())
    assert pref["trainer"] == "trl.DPOTrainer" and pref["margin_after"] > pref["margin_before"]
    report = (_stage(root, "report") / "report.md").read_text()
    assert "tiny Llama-style causal model" in report


@pytest.mark.slow
def test_a_decoder_run_is_compared_with_the_mt5_run(tmp_path, ci_causal_run_dir, ci_run_dir):
    """Side by side and Bradley-Terry: fine-tuned decoder vs fine-tuned mT5, same prompts."""
    root = tmp_path / "run"
    shutil.copytree(ci_causal_run_dir, root)
    cfg = load_config("ci", ["finetune.model=tiny-causal", f"evaluate.compare_with={ci_run_dir}"])
    Pipeline(cfg, root).run_stage("evaluate", force=True)
    summary = json.loads((_stage(root, "evaluate") / "summary.json").read_text())
    assert summary["families"] == {
        "base": "causal",
        "fine-tuned": "causal",
        "compared": "seq2seq",
        "preference-tuned": "causal",
    }
    assert set(summary["benchmarks"]["compared"]) == {"xcopa", "xnli", "xstorycloze"}
    assert {row["model"] for row in summary["ranking"]} == {
        "base",
        "fine-tuned",
        "compared",
        "preference-tuned",
    }
    page = (_stage(root, "evaluate") / "side_by_side_compared.html").read_text()
    assert "compared" in page and "fine-tuned" in page
    rows = [
        json.loads(line)
        for line in (_stage(root, "evaluate") / "heldout_generations.jsonl")
        .read_text()
        .splitlines()
    ]
    assert rows and all("compared" in row for row in rows)


@pytest.mark.slow
def test_cli_runs_a_local_causal_folder(tmp_path, tiny_causal_dir, ci_run_dir):
    """Any local causal checkpoint folder: here one without chat template, pad token or marker."""
    folder = tmp_path / "my-decoder"
    shutil.copytree(tiny_causal_dir, folder)
    (folder / "tutorial_lib_tiny_causal.json").unlink()
    (folder / "chat_template.jinja").unlink(missing_ok=True)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    config.pop("pad_token", None)
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    out = copy_crowd_stages(ci_run_dir, tmp_path / "run")
    assert (
        main(["run", "--preset", "ci", "--set", f"finetune.model={folder}", "--out", str(out)]) == 0
    )
    result = json.loads((_stage(out, "finetune") / "train_result.json").read_text())
    assert result["family"] == "causal" and result["base_model"] == str(folder)
    assert not result["used_tiny_stand_in"]
    summary = json.loads((_stage(out, "evaluate") / "summary.json").read_text())
    assert summary["families"]["fine-tuned"] == "causal" and not summary["notes"]


@pytest.mark.slow
def test_family_table_reads_both_runs(ci_run_dir, ci_causal_run_dir, tmp_path):
    from tutorial_lib.family_compare import compare_runs

    table = compare_runs([ci_run_dir, ci_causal_run_dir, tmp_path / "nb-ci-other"])
    assert list(table["family"]) == ["seq2seq", "causal", "not run yet"]
    assert table.loc[1, "model"].endswith("base_tiny_causal") and table.loc[1, "stand_in"]
    assert 0.0 <= table.loc[1, "xcopa_acc"] <= 1.0 and "chrf++" in table.columns
