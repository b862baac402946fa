"""Runs that never lie, lose or pay twice: fingerprints, --force, one ledger, one lock."""

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from tutorial_lib.cli import main
from tutorial_lib.config import load_config
from tutorial_lib.crowd.ledger import run_ledger
from tutorial_lib.pipeline import Pipeline
from tutorial_lib.rundir import STAGE_DIRS

CROWD = ["prompts", "answers", "validation", "decisions"]


@pytest.fixture
def ci_copy(ci_run_dir, tmp_path):
    """A private copy of the shared finished ``ci`` run, free to change."""
    out = tmp_path / "ci"
    shutil.copytree(ci_run_dir, out)
    return out


def _finished(out, stage):
    path = out / STAGE_DIRS[stage] / "manifest.json"
    return json.loads(path.read_text())["finished_at"] if path.exists() else None


def _crowd_state(out):
    state = json.loads((out / "crowd" / "_state.json").read_text())
    return len(state["assignments"]), json.loads((out / "04_decisions" / "cost.json").read_text())[
        "total_usd"
    ]


def test_forced_decisions_pay_nothing_twice_on_the_simulated_crowd(ci_copy):
    before = _crowd_state(ci_copy)
    spent = run_ledger(ci_copy / "crowd", "simulated").spent_usd(("answers", "validation"))
    decisions = (ci_copy / "04_decisions" / "decisions.jsonl").read_text()
    for _ in range(3):  # the third used to end in "already accepted"
        assert (
            main(
                ["run", "--preset", "ci", "--out", str(ci_copy), "--stage", "decisions", "--force"]
            )
            == 0
        )
        assert _crowd_state(ci_copy) == before
        assert (
            run_ledger(ci_copy / "crowd", "simulated").spent_usd(("answers", "validation")) == spent
        )
    assert (ci_copy / "04_decisions" / "decisions.jsonl").read_text() == decisions
    assert before[1] == pytest.approx(spent)  # cost.json is the ledger's sum


def test_forced_validation_collects_no_more_votes(ci_copy):
    votes = (ci_copy / "03_validation" / "votes.jsonl").read_text().splitlines()
    spent = run_ledger(ci_copy / "crowd", "simulated").spent_usd()
    assert (
        main(
            [
                "run",
                "--preset",
                "ci",
                "--out",
                str(ci_copy),
                "--force",
                "validation",
                "--stage",
                "validation",
            ]
        )
        == 0
    )
    again = (ci_copy / "03_validation" / "votes.jsonl").read_text().splitlines()
    assert Counter(json.loads(v)["assignment_id"] for v in again) == Counter(
        json.loads(v)["assignment_id"] for v in votes
    )
    assert run_ledger(ci_copy / "crowd", "simulated").spent_usd() == spent


def test_force_invalidates_every_later_stage(ci_copy):
    kept = {s: _finished(ci_copy, s) for s in CROWD}
    assert (
        main(
            [
                "run",
                "--preset",
                "ci",
                "--out",
                str(ci_copy),
                "--force",
                "dataset",
                "--stage",
                "dataset",
            ]
        )
        == 0
    )
    assert all(_finished(ci_copy, s) is None for s in ("finetune", "evaluate", "report"))
    assert {s: _finished(ci_copy, s) for s in CROWD} == kept
    with pytest.raises(FileNotFoundError, match="finetune"):
        Pipeline(load_config("ci"), ci_copy).run(["report"])


def test_changed_setting_reruns_its_stage_and_below_only(ci_copy, capsys):
    kept = {s: _finished(ci_copy, s) for s in [*CROWD, "dataset"]}
    code = main(
        [
            "run",
            "--preset",
            "ci",
            "--out",
            str(ci_copy),
            "--set",
            "finetune.max_steps=4",
            "--set",
            "finetune.save_steps=2",
            "--set",
            "finetune.eval_steps=2",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert {s: _finished(ci_copy, s) for s in kept} == kept
    result = json.loads((ci_copy / "06_finetune" / "train_result.json").read_text())
    assert result["steps"] == 4  # a fresh run, not the old 12-step checkpoint resumed
    report = (ci_copy / STAGE_DIRS["report"] / "report.md").read_text()
    assert "| steps | 4 |" in report.replace("  ", " ")
    manifest = json.loads((ci_copy / "06_finetune" / "manifest.json").read_text())
    assert manifest["fingerprint"]["config"]["finetune.max_steps"] == 4


def test_preset_switch_recomputes_what_the_preset_changes(tmp_path, capsys):
    out = tmp_path / "run"
    upto = [
        "--stage",
        "prompts",
        "--stage",
        "answers",
        "--stage",
        "validation",
        "--stage",
        "decisions",
        "--stage",
        "dataset",
    ]
    assert main(["run", "--preset", "ci", "--out", str(out), *upto]) == 0
    ci_rows = json.loads((out / "05_dataset" / "manifest.json").read_text())["rows"]
    # demo differs from ci in seed, steps and prompt count; a limit keeps the test short
    assert (
        main(["run", "--preset", "demo", "--out", str(out), "--set", "prompts.limit=40", *upto])
        == 0
    )
    capsys.readouterr()
    for stage in ("prompts", "answers", "decisions", "dataset"):
        manifest = json.loads(
            (
                out / f"0{CROWD.index(stage) + 1 if stage in CROWD else 5}_"
                f"{stage}" / "manifest.json"
            ).read_text()
        )
        assert manifest["preset"] == "demo", stage
    prompts = json.loads((out / "01_prompts" / "manifest.json").read_text())["rows"]["prompts"]
    assert prompts == 40
    assert json.loads((out / "05_dataset" / "manifest.json").read_text())["rows"] != ci_rows


def test_a_busy_run_directory_stops_with_a_clear_message(tmp_path, capsys):
    from tutorial_lib.rundir import RunDir

    out = tmp_path / "run"
    with RunDir(out).lock():  # another process (here: another lock holder) is running
        code = main(
            [
                "run",
                "--preset",
                "ci",
                "--out",
                str(out),
                "--stage",
                "prompts",
                "--lock-timeout",
                "0",
            ]
        )
    assert code == 2
    assert "is in use by another tutorial-lib process" in capsys.readouterr().err
    assert not (out / "01_prompts").exists()


@pytest.mark.slow
def test_two_concurrent_runs_give_the_same_dataset_as_one(tmp_path, ci_run_dir):
    import os
    import subprocess
    import sys

    stages = [a for s in CROWD + ["dataset"] for a in ("--stage", s)]
    out = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "tutorial_lib",
        "run",
        "--preset",
        "ci",
        "--out",
        str(out),
        *stages,
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results[0][1][-2000:]
    single = ci_run_dir  # one uninterrupted ci run of the same settings
    for name in ("train.jsonl", "heldout.jsonl"):
        assert (out / "05_dataset" / name).read_text() == (single / "05_dataset" / name).read_text()
    collection = ("answers", "validation")
    assert run_ledger(out / "crowd", "simulated").spent_usd(collection) == run_ledger(
        single / "crowd", "simulated"
    ).spent_usd(collection)
