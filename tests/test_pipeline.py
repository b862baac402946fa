"""End to end: the `ci` preset through every stage, offline, then re-runs and bad input."""

import json

import pytest

from tutorial_lib.cli import main
from tutorial_lib.config import load_config
from tutorial_lib.pipeline import STAGES, Pipeline


@pytest.fixture(scope="module")
def ci_run(ci_run_dir):
    pipe = Pipeline(load_config("ci"), ci_run_dir)
    manifests = pipe.run()  # already finished by the shared fixture: returns the manifests
    return pipe, manifests


def test_every_stage_writes_outputs_and_manifest(ci_run):
    pipe, manifests = ci_run
    assert list(manifests) == list(STAGES)
    for stage, manifest in manifests.items():
        assert manifest["preset"] == "ci" and manifest["versions"]["transformers"]
        for output in manifest["outputs"]:
            assert (pipe.run_dir.root / output).exists() or __import__("pathlib").Path(
                output
            ).exists(), (stage, output)
    rows = manifests["decisions"]["rows"]
    assert 0 < rows["accepted"] <= rows["decisions"]
    assert manifests["dataset"]["rows"]["train"] > 0
    assert manifests["finetune"]["rows"]["steps"] == 12
    pref = manifests["preference"]["rows"]
    assert pref["pairs_train"] > 0 and pref["steps"] == 8
    assert pref["margin_after"] > pref["margin_before"]  # DPO moved chosen above rejected
    assert "xcopa_preference-tuned" in manifests["evaluate"]["rows"]


def test_truth_never_reaches_pipeline_records(ci_run):
    pipe, _ = ci_run
    for path in pipe.run_dir.root.glob("0*/*.jsonl"):
        text = path.read_text(encoding="utf-8")
        assert '"helpful"' not in text and '"profile"' not in text, path


def test_report_shows_the_figures(ci_run):
    pipe, _ = ci_run
    report = pipe.run_dir.path("report", "report.md").read_text(encoding="utf-8")
    for heading in (
        "## Crowd data",
        "## Dataset",
        "## Fine-tuning",
        "## Preference optimisation (DPO)",
        "## Evaluation",
    ):
        assert heading in report
    assert "acceptance rate" in report and "cost (USD" in report
    assert "Stand-in model" in report
    for fig in ("loss_curve.png", "accuracy.png"):
        assert (pipe.run_dir.root / "09_report" / "figures" / fig).stat().st_size > 1000


def test_rerun_does_nothing_and_stage_runs_alone(ci_run):
    pipe, manifests = ci_run
    again = Pipeline(load_config("ci"), pipe.run_dir.root).run()
    assert all(again[s]["finished_at"] == manifests[s]["finished_at"] for s in STAGES)
    answers_before = pipe.run_dir.path("answers", "answers.jsonl").read_text()
    redo = Pipeline(load_config("ci"), pipe.run_dir.root).run_stage("report", force=True)
    assert redo["finished_at"] >= manifests["report"]["finished_at"]
    assert pipe.run_dir.path("answers", "answers.jsonl").read_text() == answers_before


def test_cli_rejects_malformed_prompt_file(tmp_path, capsys):
    bad = tmp_path / "prompts.jsonl"
    good = {"id": "x1", "category": "open_qa", "prompt": "Habari?", "references": ["Nzuri."]}
    bad.write_text(json.dumps(good) + "\n" + '{"id": "x2", "category": "open_qa", "prompt": ""}\n')
    code = main(
        [
            "run",
            "--preset",
            "ci",
            "--out",
            str(tmp_path / "run"),
            "--prompts",
            str(bad),
            "--stage",
            "prompts",
        ]
    )
    assert code == 2
    assert f"{bad}:2" in capsys.readouterr().err


def test_cli_imports_a_real_prompt_set_by_named_mapping(tmp_path, capsys):
    from realdata_helpers import realdata_path

    from tutorial_lib.jsonl import read_jsonl
    from tutorial_lib.records import Prompt

    src = realdata_path("swahili_instruct", "afriqa", "queries.afriqa.swa.en.test.json")
    out = tmp_path / "run"
    code = main(
        [
            "run",
            "--preset",
            "ci",
            "--out",
            str(out),
            "--prompts",
            str(src),
            "--mapping",
            "afriqa",
            "--set",
            "prompts.limit=null",
            "--stage",
            "prompts",
        ]
    )
    assert code == 0, capsys.readouterr().err
    prompts = read_jsonl(out / "01_prompts" / "prompts.jsonl", Prompt)
    n_rows = sum(1 for line in src.read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(prompts) == n_rows and all(p.source == "afriqa" for p in prompts)
    assert all(p.translation_origin == "source" and p.prompt_en for p in prompts)


def test_cli_unknown_mapping_is_a_clear_error(tmp_path, capsys):
    code = main(
        [
            "run",
            "--preset",
            "ci",
            "--out",
            str(tmp_path),
            "--prompts",
            "x.csv",
            "--mapping",
            "nope",
            "--stage",
            "prompts",
        ]
    )
    assert code == 2 and "known: afriinstruct" in capsys.readouterr().err


def test_budget_covers_the_whole_run_not_each_launch(tmp_path, capsys):
    # Part I alone fits a $60 budget; Part II then has too little left and is refused.
    out = tmp_path / "run"
    args = ["run", "--preset", "ci", "--out", str(out), "--set", "crowd.budget_usd=60"]
    assert main([*args, "--stage", "prompts", "--stage", "answers"]) == 0
    capsys.readouterr()
    assert main([*args, "--stage", "validation"]) == 2
    err = capsys.readouterr().err
    assert "budget" in err and "exceeds" in err
    assert not (out / "03_validation" / "manifest.json").exists()


def test_checkpoints_elsewhere_still_leave_the_result_in_the_run(tmp_path):
    elsewhere = tmp_path / "drive" / "ft"
    cfg = load_config(
        "ci",
        [
            f"finetune.output_dir={elsewhere}",
            "finetune.max_steps=2",
            "finetune.save_steps=2",
            "finetune.eval_steps=2",
        ],
    )
    pipe = Pipeline(cfg, tmp_path / "run")
    pipe.run(stages=["prompts", "answers", "validation", "decisions", "dataset", "finetune"])
    copied = json.loads(pipe.run_dir.path("finetune", "train_result.json").read_text())
    assert copied["steps"] == 2 and copied["model_dir"].startswith(str(elsewhere))
    assert (elsewhere / "model" / "config.json").exists()
