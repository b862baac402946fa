"""``tutorial-lib evaluate`` writes the result JSON and fails clearly on bad input."""

import argparse
import json
from pathlib import Path

import pytest

from tutorial_lib.evaluate.commands import register

SMOKE = Path(__file__).resolve().parents[2] / "data" / "smoke"


def _run(argv):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_evaluate_writes_the_result(tiny_model_dir, tmp_path):
    out = tmp_path / "res" / "xcopa.json"
    code = _run(
        [
            "evaluate",
            "--model",
            str(tiny_model_dir),
            "--task",
            "xcopa",
            "--lang",
            "sw",
            "--data-file",
            str(SMOKE / "xcopa" / "test.sw.jsonl"),
            "--limit",
            "4",
            "--batch-size",
            "3",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    res = json.loads(out.read_text("utf-8"))
    assert {"task", "n", "accuracy", "predictions"} <= set(res) and res["n"] == 4
    assert res["task"] == "xcopa" and res["harness_task"] == "xcopa_sw"
    assert set(res["predictions"][0]) == {"idx", "pred", "label", "scores"}


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--task", "xcopa", "--lang", "yo"], "no language 'yo'"),
        (["--task", "xnli", "--data-file", "/nonexistent/test.jsonl"], "no such xnli file"),
        (["--task", "xnli"], "--data-file"),  # no file, Hub offline in tests
    ],
)
def test_evaluate_fails_with_a_clear_message(tiny_model_dir, tmp_path, caplog, argv, message):
    out = tmp_path / "r.json"
    code = _run(["evaluate", "--model", str(tiny_model_dir), "--out", str(out), *argv])
    assert code == 2 and not out.exists()
    assert message in caplog.text


def test_missing_model_folder(tmp_path, caplog):
    code = _run(
        [
            "evaluate",
            "--model",
            str(tmp_path / "a" / "b" / "model"),
            "--task",
            "xcopa",
            "--out",
            str(tmp_path / "r.json"),
        ]
    )
    assert code == 2 and "does not exist" in caplog.text
