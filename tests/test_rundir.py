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
