import time

import pytest

from tutorial_lib.rundir import RunDir, UnknownStageError


def test_manifest_marks_done_and_records_versions(tmp_path):
    run = RunDir(tmp_path / "run")
    assert not run.is_done("prompts")
    run.write_manifest(
        "prompts",
        preset="ci",
        seed=3,
        config={"a": 1},
        started=time.time(),
        rows={"prompts": 5},
        outputs=["x"],
    )
    m = run.read_manifest("prompts")
    assert run.is_done("prompts") and m["rows"] == {"prompts": 5} and m["seed"] == 3
    assert m["versions"]["torch"] and m["versions"]["python"]
    run.reset("prompts")
    assert not run.is_done("prompts")


def test_unknown_stage_and_missing_input_are_clear(tmp_path):
    run = RunDir(tmp_path)
    with pytest.raises(UnknownStageError, match="stages are prompts"):
        run.stage_dir("train")
    with pytest.raises(FileNotFoundError, match="--stage answers"):
        run.require("answers")


def test_reading_a_path_never_creates_the_stage_folder(tmp_path):
    run = RunDir(tmp_path / "run")
    path = run.path("decisions", "cost.json", create=False)
    assert path == tmp_path / "run" / "04_decisions" / "cost.json"
    assert not path.parent.exists()
    assert run.path("decisions", "cost.json").parent.is_dir()  # writing creates it
    assert run.config_path == tmp_path / "run" / "config.yaml"
    assert run.crowd_dir == tmp_path / "run" / "crowd"
