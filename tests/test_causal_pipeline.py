"""End to end with a decoder: the ``ci`` data fine-tuned and evaluated on causal models."""
import json
import shutil

import pytest
from conftest import copy_crowd_stages

from tutorial_lib.cli import main


@pytest.mark.slow
def test_tiny_causal_run_compares_with_the_mt5_run(ci_causal_run_dir, ci_run_dir):
    root = ci_causal_run_dir
    finetune = json.loads((root / "06_finetune" / "manifest.json").read_text())
    assert finetune["rows"]["family"] == "causal"
    assert any("causal (Llama-style) stand-in" in n for n in finetune["notes"])
    summary = json.loads((root / "07_evaluate" / "summary.json").read_text())
    assert summary["families"] == {"base": "causal", "fine-tuned": "causal",
                                   "compared": "seq2seq"}
    assert set(summary["benchmarks"]["compared"]) == {"xcopa", "xnli", "xstorycloze"}
    assert {row["model"] for row in summary["ranking"]} == {"base", "fine-tuned", "compared"}
    page = (root / "07_evaluate" / "side_by_side_compared.html").read_text()
    assert "compared" in page and "fine-tuned" in page
    rows = [json.loads(line) for line in (root / "07_evaluate" / "heldout_generations.jsonl")
            .read_text().splitlines()]
    assert rows and all("compared" in row for row in rows)
    report = (root / "08_report" / "report.md").read_text()
    assert "tiny Llama-style causal model" in report


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
    assert main(["run", "--preset", "ci", "--set", f"finetune.model={folder}", "--out",
                 str(out)]) == 0
    result = json.loads((out / "06_finetune" / "train_result.json").read_text())
    assert result["family"] == "causal" and result["base_model"] == str(folder)
    assert not result["used_tiny_stand_in"]
    summary = json.loads((out / "07_evaluate" / "summary.json").read_text())
    assert summary["families"]["fine-tuned"] == "causal" and not summary["notes"]
