"""The `aggregate` command on both layouts, with clear errors and exit codes."""

import argparse

import pandas as pd
import pytest

from tutorial_lib.quality.commands import register


def parse(*argv):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(["aggregate", *argv])


def run(*argv):
    args = parse(*argv)
    return args.func(args)


@pytest.fixture
def toloka_votes(tmp_path):
    """Toloka export: 4 tasks x 3 workers, one careless worker, a multi-line INPUT."""
    lines = ["INPUT:answer\tOUTPUT:result\tASSIGNMENT:worker_id"]
    truth = {'"Jibu la\nkwanza"': "OK", "jibu2": "BAD", "jibu3": "OK", "jibu4": "BAD"}
    for task, y in truth.items():
        lines += [f"{task}\t{y}\tgood1", f"{task}\t{y}\tgood2", f"{task}\tOK\tcareless"]
    path = tmp_path / "assignments.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("method", ["mv", "wawa", "ds", "glad", "mace"])
def test_labels_from_toloka_export(tmp_path, toloka_votes, method):
    out = tmp_path / f"{method}.csv"
    assert run(str(toloka_votes), "--method", method, "--out", str(out)) == 0
    df = pd.read_csv(out, keep_default_na=False)
    assert list(df.columns) == ["task", "label", "confidence"]
    assert dict(zip(df.task, df.label)) == {
        "Jibu la\nkwanza": "OK",
        "jibu2": "BAD",
        "jibu3": "OK",
        "jibu4": "BAD",
    }


def test_texts_from_crowdkit_layout(tmp_path):
    path = tmp_path / "texts.csv"
    path.write_text(
        "task,worker,text\nt1,a,habari yako\nt1,b,habari yako\nt1,c,habari zako\n", encoding="utf-8"
    )
    for method in ("rover", "hrrasa"):
        out = tmp_path / f"{method}.csv"
        assert run(str(path), "--method", method, "--out", str(out)) == 0
        assert pd.read_csv(out).to_dict("list") == {"task": ["t1"], "text": ["habari yako"]}


def test_pairwise_bt(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text(
        "worker,left,right,label\nw1,a,b,a\nw2,a,b,a\nw3,b,c,b\nw1,a,c,a\n", encoding="utf-8"
    )
    out = tmp_path / "bt.csv"
    assert run(str(path), "--method", "bt", "--out", str(out)) == 0
    assert list(pd.read_csv(out)["item"]) == ["a", "b", "c"]


def test_errors_give_exit_code_2_and_a_message(tmp_path, toloka_votes, capsys):
    out = str(tmp_path / "o.csv")
    assert run(str(toloka_votes), "--method", "median", "--out", out) == 2
    assert "unknown method 'median'" in capsys.readouterr().err
    assert run(str(toloka_votes), "--method", "ds", "--label-col", "OUTPUT:x", "--out", out) == 2
    err = capsys.readouterr().err
    assert "no column 'OUTPUT:x'" in err and "INPUT:answer" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert run(str(empty), "--out", out) == 2
    assert "empty file" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()
