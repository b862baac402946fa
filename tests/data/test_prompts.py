"""Strict loading of the seed schema: every bad row names its file and line."""

import json
import unicodedata

import pytest

from tutorial_lib.data import load_prompts, prompt_texts
from tutorial_lib.records import Prompt, RecordError


def _row(i, **over):
    row = {
        "id": f"t-{i}",
        "category": "open_qa",
        "prompt": f"Swali namba {i}?",
        "prompt_en": f"Question {i}?",
        "references": [f"Jibu {i}."],
        "lang": "sw",
        "translation_origin": "human",
        "source": "test",
        "context": "",
    }
    row.update(over)
    return row


def _write(path, lines):
    path.write_bytes(
        b"".join((ln if isinstance(ln, bytes) else ln.encode("utf-8")) + b"\n" for ln in lines)
    )
    return path


def _good(i):
    return json.dumps(_row(i), ensure_ascii=False)


BAD_THIRD_LINES = {
    "invalid_json": ('{"id": "t-3", "category": ', "invalid JSON"),
    "missing_field": (
        json.dumps({k: v for k, v in _row(3).items() if k != "category"}),
        "missing field",
    ),
    "unknown_field": (json.dumps(_row(3, colour="red")), "unknown field"),
    "empty_prompt": (json.dumps(_row(3, prompt="")), "prompt"),
    "whitespace_prompt": (json.dumps(_row(3, prompt="   \t")), "prompt"),
    "empty_reference": (json.dumps(_row(3, references=[" "])), "references[0]"),
    "unknown_category": (json.dumps(_row(3, category="poetry")), "poetry"),
    "duplicate_id": (json.dumps(_row(3, id="t-1")), "duplicate id"),
    "bad_utf8": (b'{"id": "t-3", "prompt": "caf\xe9"}', "UTF-8"),
}


@pytest.mark.parametrize("kind", sorted(BAD_THIRD_LINES))
def test_bad_row_names_file_and_line(tmp_path, kind):
    line, words = BAD_THIRD_LINES[kind]
    path = _write(tmp_path / "p.jsonl", [_good(1), _good(2), line, _good(4)])
    with pytest.raises(RecordError) as err:
        load_prompts(path)
    assert f"{path}:3" in str(err.value)
    assert words in str(err.value)


def test_duplicate_id_names_the_first_occurrence(tmp_path):
    path = _write(tmp_path / "p.jsonl", [_good(1), _good(2), json.dumps(_row(9, id="t-2"))])
    with pytest.raises(
        RecordError, match=rf"{path}:3: duplicate id 't-2' \(first seen at {path}:2\)"
    ):
        load_prompts(path)


def test_text_is_nfc_normalised(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Habari ya café na Mwanaisha?")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    path = _write(
        tmp_path / "p.jsonl", [json.dumps(_row(1, prompt=decomposed, references=[decomposed]))]
    )
    [p] = load_prompts(path)
    assert p.prompt == unicodedata.normalize("NFC", decomposed)
    assert p.references == [p.prompt]


def test_blank_lines_are_not_rows_and_order_is_kept(tmp_path):
    path = _write(tmp_path / "p.jsonl", [_good(1), "", "  ", _good(2), _good(3)])
    assert [p.id for p in load_prompts(path)] == ["t-1", "t-2", "t-3"]


def test_limit_and_source_override(tmp_path):
    path = _write(tmp_path / "p.jsonl", [_good(i) for i in range(1, 6)])
    prompts = load_prompts(path, limit=2, source="mine")
    assert [(p.id, p.source) for p in prompts] == [("t-1", "mine"), ("t-2", "mine")]
    with pytest.raises(ValueError, match="limit"):
        load_prompts(path, limit=0)


def test_empty_file_and_unknown_format_are_errors(tmp_path):
    empty = _write(tmp_path / "e.jsonl", [""])
    with pytest.raises(ValueError, match="no prompts"):
        load_prompts(empty)
    with pytest.raises(ValueError, match="format"):
        load_prompts(empty, format="xml")
    with pytest.raises(ValueError, match="suffix"):
        load_prompts(tmp_path / "prompts.txt")
    with pytest.raises(FileNotFoundError, match="missing.jsonl"):
        load_prompts(tmp_path / "missing.jsonl")


def test_empty_mapping_means_the_strict_schema(tmp_path):
    """The config's default mapping is {}: it must read the seed schema, not fail."""
    path = _write(tmp_path / "p.jsonl", [_good(1)])
    assert load_prompts(path, mapping={})[0].id == "t-1"


def test_prompt_texts_collects_every_non_empty_text():
    p = Prompt(
        id="a",
        category="closed_qa",
        prompt="Swali?",
        prompt_en="Question?",
        references=["Jibu moja.", "Jibu mbili."],
        context="Kifungu.",
    )
    q = Prompt(id="b", category="open_qa", prompt="Swali jingine?")
    assert prompt_texts([p, q]) == [
        "Swali?",
        "Question?",
        "Kifungu.",
        "Jibu moja.",
        "Jibu mbili.",
        "Swali jingine?",
    ]


def test_balanced_subset_covers_every_category_in_file_order():
    from tutorial_lib.data import SEED_PATH
    from tutorial_lib.data.prompts import balanced_subset, load_prompts

    prompts = load_prompts(SEED_PATH)
    subset = balanced_subset(prompts, 20)
    counts = {}
    for p in subset:
        counts[p.category] = counts.get(p.category, 0) + 1
    assert (
        len(subset) == 20 and len(counts) == 8 and max(counts.values()) - min(counts.values()) <= 1
    )
    order = [prompts.index(p) for p in subset]
    assert order == sorted(order)
    assert balanced_subset(prompts, 10_000) == prompts
