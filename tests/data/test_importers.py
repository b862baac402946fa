"""Importers by column mapping: CSV/TSV/JSON/JSONL/Hub, errors with file and line."""

import json

import pytest

from tutorial_lib.data import DataSourceError, MappingError, load_prompts, needs_translation
from tutorial_lib.data.importers import parse_references
from tutorial_lib.records import RecordError

QA = {
    "prompt": "swali",
    "prompt_en": "question",
    "references": "jibu",
    "category": "=open_qa",
    "translation_origin": "=source",
}


def test_csv_quoted_newline_and_physical_line_of_a_later_bad_row(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "swali,question,jibu\n"
        '"Mstari wa kwanza\nmstari wa pili",First line,"Jibu, lenye koma"\n'
        "Swali la pili?,Second?,Ndiyo\n"
        ",Empty?,Hapana\n",
        encoding="utf-8",
    )
    with pytest.raises(RecordError, match=rf"{path}:5: prompt text \(column 'swali'\) is empty"):
        load_prompts(path, mapping=QA)
    prompts = load_prompts(path, mapping=QA, limit=2)
    assert prompts[0].prompt == "Mstari wa kwanza\nmstari wa pili"
    assert prompts[0].references == ["Jibu, lenye koma"]
    assert [p.id for p in prompts] == ["p-0", "p-1"]  # derived ids: <source>-<row index>


def test_csv_wrong_field_count_and_bad_utf8_name_the_line(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("swali,question,jibu\nA?,A?,a\nB?,B?\n", encoding="utf-8")
    with pytest.raises(RecordError, match=rf"{path}:3: row has 2 fields but the header has 3"):
        load_prompts(path, mapping=QA)
    path.write_bytes(b"swali,question,jibu\nA?,A?,a\nB\xff?,B?,b\n")
    with pytest.raises(RecordError, match=rf"{path}:3: not valid UTF-8"):
        load_prompts(path, mapping=QA)


def test_tsv_without_header_and_without_quoting(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text('Alisema "habari" kwa sauti?\t3\nSwali "la pili\t5,600\n', encoding="utf-8")
    mapping = {
        "header": ["q", "a"],
        "quoting": "none",
        "prompt": "q",
        "references": "a",
        "category": "=open_qa",
        "source": "=maths",
    }
    prompts = load_prompts(path, mapping=mapping)
    assert [(p.id, p.prompt, p.references) for p in prompts] == [
        ("maths-0", 'Alisema "habari" kwa sauti?', ["3"]),
        ("maths-1", 'Swali "la pili', ["5,600"]),
    ]


def test_tsv_with_aligned_english_file(tmp_path):
    (tmp_path / "sw.tsv").write_text("Swali moja?\t1\nSwali mbili?\t2\n", encoding="utf-8")
    (tmp_path / "en.tsv").write_text("Question one?\t1\nQuestion two?\t2\n", encoding="utf-8")
    mapping = {
        "header": ["q", "a"],
        "align": {"path": "en.tsv", "header": ["q_en", "a_en"]},
        "prompt": "q",
        "prompt_en": "q_en",
        "references": "a",
        "category": "=open_qa",
    }
    prompts = load_prompts(tmp_path / "sw.tsv", mapping=mapping)
    assert [(p.prompt, p.prompt_en) for p in prompts] == [
        ("Swali moja?", "Question one?"),
        ("Swali mbili?", "Question two?"),
    ]
    (tmp_path / "en.tsv").write_text("Question one?\t1\n", encoding="utf-8")
    with pytest.raises(RecordError, match="has 1 rows but .*sw.tsv has 2"):
        load_prompts(tmp_path / "sw.tsv", mapping=mapping)


def test_json_array_reports_the_line_of_the_bad_object(tmp_path):
    path = tmp_path / "p.json"
    rows = [
        {"instruction": "Eleza mvua.", "output": "Mvua ni maji.", "task": "QA"},
        {"instruction": "Panga.", "output": "sports", "task": "topic-classification"},
        {"instruction": "Tafsiri.", "output": "Habari.", "task": "translation"},
        {"instruction": "  ", "output": "x", "task": "QA"},
    ]
    path.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
    mapping = {
        "prompt": "instruction",
        "references": "output",
        "category": {
            "column": "task",
            "values": {"QA": "closed_qa", "topic-classification": "classification"},
            "default": "general_qa",
        },
    }
    starts = [n for n, line in enumerate(path.read_text().splitlines(), 1) if line == "  {"]
    line_of_fourth = starts[3]
    with pytest.raises(RecordError, match=rf"{path}:{line_of_fourth}: prompt text"):
        load_prompts(path, mapping=mapping)
    prompts = load_prompts(path, mapping=mapping, limit=3)
    assert [p.category for p in prompts] == ["closed_qa", "classification", "general_qa"]


def test_jsonl_mapping_with_ids_constants_and_filter(tmp_path):
    path = tmp_path / "aya.jsonl"
    rows = [
        {"uid": "a1", "inputs": "Habari gani?", "targets": "Nzuri.", "language": "Swahili"},
        {"uid": "a2", "inputs": "Bonjour?", "targets": "Oui.", "language": "French"},
        {"uid": "a3", "inputs": "Jina lako ni nani?", "targets": "Asha.", "language": "Swahili"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    mapping = {
        "id": "uid",
        "prompt": "inputs",
        "references": "targets",
        "category": "=general_qa",
        "filter": {"language": "Swahili"},
        "translation_origin": "=source",
    }
    prompts = load_prompts(path, mapping=mapping, source="aya")
    assert [(p.id, p.source, p.translation_origin) for p in prompts] == [
        ("a1", "aya", "source"),
        ("a3", "aya", "source"),
    ]
    with pytest.raises(ValueError, match="no prompts matching filter"):
        load_prompts(path, mapping={**mapping, "filter": {"language": "Zulu"}})


def test_unknown_column_names_it_and_lists_the_available_ones(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("swali,jibu\nA?,a\n", encoding="utf-8")
    with pytest.raises(
        MappingError, match=r"'prompt_en' names column 'question'.*available columns: swali, jibu"
    ):
        load_prompts(path, mapping=QA)
    with pytest.raises(MappingError, match="unknown key.*promt"):
        load_prompts(path, mapping={"promt": "swali"})
    with pytest.raises(MappingError, match="not Prompt fields"):
        load_prompts(path)  # no mapping: columns must already be Prompt fields


def test_duplicate_mapped_id_is_an_error(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,swali\nx,A?\ny,B?\nx,C?\n", encoding="utf-8")
    with pytest.raises(
        RecordError, match=rf"{path}:4: duplicate id 'x' \(first seen at {path}:2\)"
    ):
        load_prompts(path, mapping={"id": "id", "prompt": "swali", "category": "=open_qa"})


def test_english_only_rows_wait_for_translation(tmp_path):
    path = tmp_path / "dolly.jsonl"
    path.write_text(
        json.dumps(
            {
                "instruction": "Why is the sky blue?",
                "context": "",
                "response": "Rayleigh scattering.",
                "category": "open_qa",
            }
        )
        + "\n"
    )
    [p] = load_prompts(
        path, mapping={"prompt_en": "instruction", "context": "context", "category": "category"}
    )
    assert (p.prompt, p.prompt_en, p.references) == (
        "Why is the sky blue?",
        "Why is the sky blue?",
        [],
    )
    assert needs_translation(p)
    [q] = load_prompts(
        path,
        mapping={"prompt": "instruction", "category": "category", "translation_origin": "=machine"},
    )
    assert (q.translation_origin, q.translation_model) == ("machine", "unknown")
    assert not needs_translation(q)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("['Ndio']", ["Ndio"]),
        ("['Léon M'ba']", ["Léon M'ba"]),  # AfriQA writes unescaped quotes inside the list
        ('["a", "b"]', ["a", "b"]),
        ("[]", []),
        (["x", " ", "y"], ["x", "y"]),
        ("Jibu moja.", ["Jibu moja."]),
        ("", []),
        (None, []),
        (18, ["18"]),
    ],
)
def test_parse_references(value, expected):
    assert parse_references(value) == expected


def test_hub_source_offline_says_to_use_a_local_file(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(
        DataSourceError, match=r"hf:NoSuchOrg/no_such_set.*offline.*local JSONL/CSV file"
    ):
        load_prompts(
            "hf:NoSuchOrg/no_such_set", mapping={"prompt": "inputs", "category": "=open_qa"}
        )
