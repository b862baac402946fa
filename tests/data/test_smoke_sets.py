"""Smoke sets: the real benchmark formats, balanced, and none of the real text."""

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

SMOKE = Path(__file__).resolve().parents[2] / "data" / "smoke"
REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
STORY = "spring2016.val.sw.tsv.split_20_80_{}.tsv"
STORY_HEADER = [
    "InputStoryid",
    "InputSentence1",
    "InputSentence2",
    "InputSentence3",
    "InputSentence4",
    "RandomFifthSentenceQuiz1",
    "RandomFifthSentenceQuiz2",
    "AnswerRightEnding",
]


def _jsonl(path):
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _tsv(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def _real(*parts):
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path}")
    return path


def test_xcopa_smoke_format_and_balance():
    rows = _jsonl(SMOKE / "xcopa" / "test.sw.jsonl")
    assert len(rows) == 20
    assert all(
        list(r) == ["premise", "choice1", "choice2", "question", "label", "idx", "changed"]
        for r in rows
    )
    assert Counter(r["question"] for r in rows) == {"cause": 10, "effect": 10}
    assert Counter(r["label"] for r in rows) == {0: 10, 1: 10}
    assert [r["idx"] for r in rows] == list(range(20))


def test_xnli_smoke_format_and_balance():
    rows = _jsonl(SMOKE / "xnli" / "test.sw.jsonl")
    assert len(rows) == 21
    assert all(list(r) == ["premise", "hypothesis", "label"] for r in rows)
    assert Counter(r["label"] for r in rows) == {0: 7, 1: 7, 2: 7}
    by_premise = Counter(r["premise"] for r in rows)
    assert set(by_premise.values()) == {3}  # like XNLI: each premise with one hypothesis per label


def test_xstorycloze_smoke_format():
    for split, n in (("eval", 20), ("train", 6)):
        path = SMOKE / "xstorycloze" / STORY.format(split)
        assert path.read_text(encoding="utf-8").splitlines()[0].split("\t") == STORY_HEADER
        rows = _tsv(path)
        assert len(rows) == n
        assert all(None not in r and all(v.strip() for v in r.values()) for r in rows)
        assert {r["AnswerRightEnding"] for r in rows} == {"1", "2"}
        assert len({r["InputStoryid"] for r in rows}) == n


def test_smoke_keys_match_the_real_files():
    assert list(_jsonl(SMOKE / "xcopa" / "test.sw.jsonl")[0]) == list(
        _jsonl(_real("xcopa", "data", "sw", "test.sw.jsonl"))[0]
    )
    assert list(_jsonl(SMOKE / "xnli" / "test.sw.jsonl")[0]) == list(
        _jsonl(_real("xnli", "sw", "test.jsonl"))[0]
    )
    real_header = (
        _real("xstorycloze", STORY.format("eval")).read_text(encoding="utf-8").splitlines()[0]
    )
    assert real_header.split("\t") == STORY_HEADER


def test_smoke_sets_copy_no_real_text():
    real_copa = {
        r[k]
        for r in _jsonl(_real("xcopa", "data", "sw", "test.sw.jsonl"))
        for k in ("premise", "choice1", "choice2")
    }
    ours = {
        r[k]
        for r in _jsonl(SMOKE / "xcopa" / "test.sw.jsonl")
        for k in ("premise", "choice1", "choice2")
    }
    assert not ours & real_copa
    real_nli = {r["premise"] for r in _jsonl(_real("xnli", "sw", "test.jsonl"))}
    assert not {r["premise"] for r in _jsonl(SMOKE / "xnli" / "test.sw.jsonl")} & real_nli
    real_story = {
        v
        for split in ("eval", "train")
        for r in _tsv(_real("xstorycloze", STORY.format(split)))
        for k, v in r.items()
        if k.startswith("Input")
    }
    ours = {
        v
        for split in ("eval", "train")
        for r in _tsv(SMOKE / "xstorycloze" / STORY.format(split))
        for k, v in r.items()
        if k.startswith("Input")
    }
    assert not ours & real_story
