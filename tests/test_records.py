import json
import unicodedata

import pytest

from tutorial_lib.jsonl import append_jsonl, read_jsonl, write_jsonl
from tutorial_lib.records import Assignment, Prompt, RecordError


def _prompt(**kw):
    base = {
        "id": "p1",
        "category": "open_qa",
        "prompt": "Habari?",
        "prompt_en": "Hi?",
        "references": ["Nzuri."],
    }
    return {**base, **kw}


def test_roundtrip_and_nfc(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Café ya Ñairobi")
    path = tmp_path / "p.jsonl"
    write_jsonl(path, [Prompt(**_prompt(prompt=decomposed))])
    (back,) = read_jsonl(path, Prompt)
    assert back.prompt == unicodedata.normalize("NFC", decomposed) != decomposed


@pytest.mark.parametrize(
    "line, fragment",
    [
        ("{not json", "invalid JSON"),
        (json.dumps({"id": "p2", "category": "open_qa"}), "missing field"),
        (json.dumps(_prompt(prompt="   ")), "empty or whitespace"),
        (json.dumps(_prompt(category="poetry")), "category"),
        (json.dumps({**_prompt(), "extra_col": 1}), "unknown field"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, line, fragment):
    path = tmp_path / "prompts.jsonl"
    path.write_text(json.dumps(_prompt()) + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(RecordError) as err:
        read_jsonl(path, Prompt)
    assert f"{path}:3" in str(err.value) and fragment in str(err.value)


def test_bad_encoding_names_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_bytes(json.dumps(_prompt()).encode() + b"\n" + b'{"id": "\xff\xfe"}\n')
    with pytest.raises(RecordError, match=r"p\.jsonl:2: not valid UTF-8"):
        read_jsonl(path, Prompt)


def test_append_keeps_earlier_rows(tmp_path):
    path = tmp_path / "a.jsonl"
    make = lambda i: Assignment(
        f"a{i}", "p1", "w_1", "answers", "simulated", "2026-01-01", 3.0, answer="  jibu "
    )
    append_jsonl(path, [make(1)])
    append_jsonl(path, [make(2)])
    rows = read_jsonl(path, Assignment)
    assert [r.assignment_id for r in rows] == ["a1", "a2"]
    assert rows[0].answer == "  jibu "  # kept exactly as written


def test_assignment_rejects_negative_duration():
    with pytest.raises(RecordError, match="duration_s"):
        Assignment("a", "t", "w", "answers", "simulated", "now", -1.0)
