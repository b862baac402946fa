"""The facts registry: every fact sourced and dated, and notebooks/slides take numbers from it."""

import json
import re
from pathlib import Path

import pytest

from tutorial_lib.cli import main
from tutorial_lib.facts import registry
from tutorial_lib.facts.figures import GPT3_WORDS

ROOT = Path(__file__).resolve().parent.parent


def test_every_fact_has_source_and_date():
    facts = registry.all_facts()
    assert len(facts) >= 30
    by_cat = {}
    for fact in facts:
        by_cat.setdefault(fact.category, []).append(fact)
        assert fact.source_url.startswith("https://") and fact.claim.strip()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", fact.retrieved)
        assert fact.retrieved <= "2026-12-31"
    assert len(by_cat) >= 5 and all(len(v) >= 3 for v in by_cat.values())


def test_bad_entries_are_refused_with_the_field_named():
    good = {
        "id": "x",
        "category": "swahili",
        "claim": "c",
        "value": 1,
        "unit": "",
        "source_url": "https://example.org",
        "retrieved": "2026-11-30",
    }
    registry.check_entry(good)
    for key, bad in (
        ("source_url", ""),
        ("retrieved", "30/11/2026"),
        ("category", "misc"),
        ("source_url", "example.org"),
    ):
        with pytest.raises(registry.FactError, match=key):
            registry.check_entry({**good, key: bad})
    with pytest.raises(registry.FactError, match="no fact"):
        registry.get("gpt3_nope")


def test_registry_agrees_with_the_gpt3_table():
    assert registry.value("gpt3_sw_word_share") == pytest.approx(GPT3_WORDS["sw"][2])
    assert registry.value("gpt3_en_word_share") == pytest.approx(GPT3_WORDS["en"][2])


def test_benchmark_matrix_is_accuracy_in_0_1():
    matrix = registry.benchmark_matrix("sw")
    assert len(matrix) >= 3
    assert all(0.3 < acc <= 1 for scores in matrix.values() for acc in scores.values())


def test_cli_lists_and_dumps(capsys):
    assert main(["facts"]) == 0
    text = capsys.readouterr().out
    assert "## Published results in Swahili" in text and "retrieved 2026-11-30" in text
    assert main(["facts", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"id", "category", "claim", "value", "source_url", "retrieved"} <= set(rows[0])


def _distinctive(value) -> str | None:
    """The literal form of a registry number unlikely to appear by accident (decimals, >=1000)."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:g}"
    if isinstance(value, (int, float)) and value >= 1000:
        return f"{int(value):,}"
    return None


def _teaching_texts():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        yield path.name, "\n".join("".join(c["source"]) for c in nb["cells"])
    for path in sorted((ROOT / "slides").glob("*.md")):
        yield path.name, path.read_text(encoding="utf-8")


def test_notebooks_and_slides_do_not_type_registry_numbers():
    typed = []
    for name, text in _teaching_texts():
        for fact in registry.all_facts():
            literal = _distinctive(fact.value)
            if literal and re.search(rf"(?<![\d.]){re.escape(literal)}(?![\d])", text):
                typed.append(f"{name}: {literal} ({fact.id}) -> use facts.value/cite")
    assert not typed, typed
