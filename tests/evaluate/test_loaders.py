"""Loading the benchmark files in their original formats, and clear errors for bad ones."""

import csv
import json

import pytest
from realdata_helpers import realdata_path

from tutorial_lib.evaluate.loaders import (
    DataFileError,
    hub_parquet_url,
    load_task_docs,
    read_local,
)
from tutorial_lib.evaluate.templates import UnknownLanguageError

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


@pytest.mark.realdata
@pytest.mark.parametrize(
    "task,parts,count",
    [
        ("xcopa", ("xcopa", "data", "sw", "test.sw.jsonl"), 500),
        ("xcopa", ("xcopa", "data", "sw", "val.sw.jsonl"), 100),
        ("xstorycloze", ("xstorycloze", "spring2016.val.sw.tsv.split_20_80_eval.tsv"), 1511),
        ("xstorycloze", ("xstorycloze", "spring2016.val.sw.tsv.split_20_80_train.tsv"), 360),
        ("xnli", ("xnli", "sw", "test.jsonl"), 5010),
    ],
)
def test_real_files_load_with_the_right_counts(task, parts, count):
    docs = load_task_docs(task, "sw", realdata_path(*parts))
    assert len(docs) == count
    assert [d["_row"] for d in docs] == list(range(count))


@pytest.mark.realdata
def test_real_xstorycloze_rows_match_an_independent_read():
    path = realdata_path("xstorycloze", "spring2016.val.sw.tsv.split_20_80_eval.tsv")
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    docs = load_task_docs("xstorycloze", "sw", path)
    quoted = [i for i, r in enumerate(rows) if any('"' in c for c in r)]
    for i in quoted[:5] + [0, len(rows) - 1]:
        doc = docs[i]
        assert doc["input_sentence_1"] == rows[i][1] and doc["sentence_quiz2"] == rows[i][6]
        assert doc["answer_right_ending"] == int(rows[i][7])


def test_tsv_without_quoting_keeps_quote_characters(tmp_path):
    path = tmp_path / "spring2016.val.sw.tsv.split_20_80_eval.tsv"
    row = ["id1", '"Habari," alisema.', "B.", "C.", "D.", 'Mwisho "mzuri".', "Mwisho mbaya.", "1"]
    path.write_text("\t".join(STORY_HEADER) + "\n" + "\t".join(row) + "\n", "utf-8")
    doc = read_local("xstorycloze", path)[0]
    assert doc["input_sentence_1"] == '"Habari," alisema.'
    assert doc["sentence_quiz1"] == 'Mwisho "mzuri".' and doc["answer_right_ending"] == 1


def test_malformed_jsonl_names_file_and_line(tmp_path):
    path = tmp_path / "test.sw.jsonl"
    good = {"premise": "A.", "choice1": "B.", "choice2": "C.", "question": "cause", "label": 0}
    path.write_text(json.dumps(good) + "\n" + "{not json\n", "utf-8")
    with pytest.raises(ValueError, match=r"test\.sw\.jsonl:2"):
        read_local("xcopa", path)
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "label": 3}) + "\n", "utf-8")
    with pytest.raises(DataFileError, match=r"test\.sw\.jsonl:2.*label"):
        read_local("xcopa", path)
    path.write_text(json.dumps({k: v for k, v in good.items() if k != "choice2"}) + "\n", "utf-8")
    with pytest.raises(DataFileError, match=r"test\.sw\.jsonl:1.*choice2"):
        read_local("xcopa", path)
    path.write_text(json.dumps({**good, "question": "why"}) + "\n", "utf-8")
    with pytest.raises(DataFileError, match=r":1.*'question'"):
        read_local("xcopa", path)


def test_malformed_tsv_names_file_and_line(tmp_path):
    path = tmp_path / "eval.tsv"
    ok = ["id", "a", "b", "c", "d", "e", "f", "2"]
    path.write_text(
        "\t".join(STORY_HEADER) + "\n" + "\t".join(ok) + "\n" + "\t".join(ok[:5]) + "\n", "utf-8"
    )
    with pytest.raises(
        DataFileError, match=r"eval\.tsv:3: row has 5 fields but the header has 8.*read unquoted"
    ):
        read_local("xstorycloze", path)
    path.write_text("\t".join(STORY_HEADER[:-1]) + "\n", "utf-8")
    with pytest.raises(DataFileError, match=r"eval\.tsv:1: header lacks .*answer_right_ending"):
        read_local("xstorycloze", path)
    path.write_text("\t".join(STORY_HEADER) + "\n" + "\t".join(ok[:-1] + ["3"]) + "\n", "utf-8")
    with pytest.raises(DataFileError, match=r"eval\.tsv:2: .*answer_right_ending.*1\.\.2"):
        read_local("xstorycloze", path)


def test_xnli_original_tsv_is_filtered_by_language(tmp_path):
    path = tmp_path / "xnli.test.tsv"
    header = ["language", "gold_label", "sentence1", "sentence2"]
    rows = [
        ["en", "entailment", "A man.", "A person."],
        ["sw", "contradiction", "Mtu.", "Hakuna mtu."],
        ["sw", "neutral", "Mvua.", "Baridi."],
    ]
    path.write_text("\n".join("\t".join(r) for r in [header, *rows]) + "\n", "utf-8")
    docs = read_local("xnli", path, lang="sw")
    assert [(d["premise"], d["label"], d["_row"]) for d in docs] == [
        ("Mtu.", 2, 1),
        ("Mvua.", 1, 2),
    ]


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such xcopa file"):
        load_task_docs("xcopa", "sw", tmp_path / "absent.jsonl")
    odd = tmp_path / "data.xml"
    odd.write_text("<x/>", "utf-8")
    with pytest.raises(DataFileError, match="unknown format"):
        read_local("xcopa", odd)


def test_offline_hub_error_suggests_a_local_file(monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(DataFileError, match="--data-file"):
        load_task_docs("xnli", "sw")
    assert hub_parquet_url("xnli", "sw").endswith(
        "facebook/xnli@refs%2Fconvert%2Fparquet/sw/validation/*.parquet"
    )


def test_unknown_language_lists_the_harness_codes():
    with pytest.raises(UnknownLanguageError, match="et, ht, id"):
        load_task_docs("xcopa", "yo", "whatever.jsonl")
