"""Reading crowd files: crowd-kit and Toloka layouts, CSV and TSV, quoted line breaks, errors."""

import pytest

from tutorial_lib.quality.io import CrowdFileError, read_crowd_file, read_pairwise_file

TOLOKA_TSV = (
    "INPUT:audio\tOUTPUT:transcription\tASSIGNMENT:worker_id\tASSIGNMENT:status\n"
    "a1.mp3\thabari ya asubuhi\tw1\tAPPROVED\n"
    'a1.mp3\t"habari\r\nya asubuhi"\tw2\tAPPROVED\n'
    "a2.mp3\tNA\tw1\tAPPROVED\n"
)


def test_toloka_tsv_with_quoted_line_break(tmp_path):
    path = tmp_path / "export.tsv"
    path.write_bytes(TOLOKA_TSV.encode("utf-8"))
    df = read_crowd_file(path, "text")
    assert list(df.columns) == ["task", "worker", "text"]
    assert len(df) == 3
    assert df.text[1] == "habari\r\nya asubuhi"  # one field, line break kept
    assert df.text[2] == "NA"  # not turned into a missing value
    assert list(df.task) == ["a1.mp3", "a1.mp3", "a2.mp3"]


def test_toloka_csv_with_several_inputs_and_a_chosen_output(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "INPUT:prompt,INPUT:answer,OUTPUT:helpful,OUTPUT:harmless,ASSIGNMENT:worker_id\n"
        '"Eleza, kwa ufupi","Jibu la\nmistari miwili",1,1,w1\n'
        '"Eleza, kwa ufupi","Jibu la\nmistari miwili",0,1,w2\n',
        encoding="utf-8",
    )
    with pytest.raises(CrowdFileError, match="several OUTPUT columns.*--label-col"):
        read_crowd_file(path)
    df = read_crowd_file(path, label_col="OUTPUT:helpful")
    assert list(df.label) == ["1", "0"]
    assert df.task[0] == "Eleza, kwa ufupi | Jibu la\nmistari miwili"


def test_crowdkit_layout_and_overrides(tmp_path):
    path = tmp_path / "votes.txt"  # no telling extension: separator sniffed from the header
    path.write_text("item\trater\tverdict\nx\ta\t1\nx\tb\t0\n", encoding="utf-8")
    with pytest.raises(
        CrowdFileError, match=r"no task column.*columns found: item, rater, verdict"
    ):
        read_crowd_file(path)
    df = read_crowd_file(path, task_col="item", worker_col="rater", label_col="verdict")
    assert df.to_dict("list") == {"task": ["x", "x"], "worker": ["a", "b"], "label": ["1", "0"]}
    with pytest.raises(CrowdFileError, match="no column 'nope' \\(--worker-col\\)"):
        read_crowd_file(path, task_col="item", worker_col="nope", label_col="verdict")


@pytest.mark.parametrize(
    "content,match",
    [
        ("", "empty file"),
        ("task,worker,label\n", "header only"),
        ("task,worker,label\nt1,w1\n", r":2: row has 2 fields but the header has 3"),
        ("task,worker,label\nt1,w1,1\nt2,,1\n", r":3: empty worker"),
        ("task,worker,label\nt1,w1,\n", r":2: empty label"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CrowdFileError, match=match) as info:
        read_crowd_file(path)
    assert "bad.csv" in str(info.value)


def test_line_numbers_count_quoted_line_breaks(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text('task,worker,text\nt1,w1,"one\ntwo\nthree"\nt2,,x\n', encoding="utf-8")
    with pytest.raises(CrowdFileError, match=r"multi.csv:5: empty worker"):
        read_crowd_file(path, "text")


def test_pairwise_file(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("worker,left,right,label\nw1,a,b,a\nw2,a,b,c\n", encoding="utf-8")
    with pytest.raises(CrowdFileError, match=r"pairs.csv:3: label 'c' is neither left nor right"):
        read_pairwise_file(path)
