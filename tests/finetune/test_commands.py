"""`tutorial-lib finetune` and `python -m tutorial_lib.finetune.train`, single process."""

import argparse
import json
import logging

import pytest

from tutorial_lib.finetune.commands import register
from tutorial_lib.finetune.train import main


def _parse(argv):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(["finetune", *argv])


@pytest.fixture
def data_file(tmp_path, train_rows):
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in train_rows))
    return path


def test_preset_demo_without_model_trains_tiny_stand_in(tmp_path, data_file, capsys):
    out = tmp_path / "out"
    args = _parse(
        [
            "--data",
            str(data_file),
            "--output-dir",
            str(out),
            "--preset",
            "demo",
            "--max-steps",
            "2",
            "--save-steps",
            "2",
            "--batch-size",
            "4",
        ]
    )
    assert args.func(args) == 0
    result = json.loads((out / "train_result.json").read_text())
    assert result["used_tiny_stand_in"] and result["steps"] == 2
    assert result["n_heldout"] == 0  # a bare file has no held-out split
    assert "tiny local stand-in" in capsys.readouterr().out


def test_module_entry_point_resumes_a_finished_run(tmp_path, data_file):
    out = tmp_path / "out"
    argv = [
        "--data",
        str(data_file),
        "--output-dir",
        str(out),
        "--model",
        "tiny",
        "--max-steps",
        "2",
        "--save-steps",
        "1",
        "--batch-size",
        "4",
    ]
    assert main(argv) == 0
    assert main([*argv, "--resume"]) == 0
    result = json.loads((out / "train_result.json").read_text())
    assert result["steps"] == 2 and result["resumed_from"].endswith("checkpoint-2")


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--precision", "fp16"], "fp16 is refused"),
        (["--model", "google/mt5-small"], "offline"),
        (["--preset", "nosuch"], "preset 'nosuch' not found"),
    ],
)
def test_errors_exit_2_with_one_clear_line(tmp_path, data_file, caplog, extra, message):
    args = _parse(["--data", str(data_file), "--output-dir", str(tmp_path / "o"), *extra])
    with caplog.at_level(logging.ERROR):
        assert args.func(args) == 2
    assert message in caplog.text


def test_output_dir_required(data_file, caplog):
    args = _parse(["--data", str(data_file)])
    assert args.func(args) == 2
    assert "--output-dir is required" in caplog.text
