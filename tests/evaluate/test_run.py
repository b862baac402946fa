"""The evaluate stage's inputs come from the RunDir: which models, read without creating folders."""

import json

from tutorial_lib.evaluate.run import TRAIN_RESULT, model_paths, side_by_side_pairs
from tutorial_lib.rundir import RunDir


def _finetuned_run(root, base="tiny-base", model="m/ft"):
    run = RunDir(root)
    path = run.path("finetune", TRAIN_RESULT)
    path.write_text(json.dumps({"base_model": base, "model_dir": model}), encoding="utf-8")
    return run


def test_models_come_from_the_finetune_result_and_reading_creates_no_stage_folder(tmp_path):
    run = _finetuned_run(tmp_path / "run")
    assert model_paths(run) == {"base": "tiny-base", "fine-tuned": "m/ft"}
    assert not run.stage_dir("preference", create=False).exists()


def test_compare_with_a_run_directory_takes_its_finetuned_model_and_a_folder_as_is(tmp_path):
    run = _finetuned_run(tmp_path / "run")
    _finetuned_run(tmp_path / "decoder_run", model="d/ft")
    assert model_paths(run, str(tmp_path / "decoder_run"))["compared"] == "d/ft"
    folder = tmp_path / "some_model"
    folder.mkdir()
    assert model_paths(run, str(folder))["compared"] == str(folder)
    assert not RunDir.holds(folder, "finetune", TRAIN_RESULT)


def test_a_preference_tuned_model_joins_and_is_ranked_against_the_finetuned_one(tmp_path):
    run = _finetuned_run(tmp_path / "run")
    result = run.path("preference", "preference_result.json")
    result.write_text(json.dumps({"model_dir": "m/dpo"}), encoding="utf-8")
    models = model_paths(run)
    assert models["preference-tuned"] == "m/dpo"
    assert ("fine-tuned", "preference-tuned") in [(a, b) for a, b, _ in side_by_side_pairs(models)]
