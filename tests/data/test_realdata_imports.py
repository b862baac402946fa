"""Real Swahili prompt sets import with their MAPPINGS, row for row (skipped without ../shared)."""

import json
from collections import Counter

import pytest
from realdata_helpers import realdata_path

from tutorial_lib.data import MAPPINGS, load_prompts

pytestmark = pytest.mark.realdata


@pytest.mark.parametrize("split", ["train", "dev", "test"])
def test_afriqa_imports_every_row(split):
    path = realdata_path("swahili_instruct", "afriqa", f"queries.afriqa.swa.en.{split}.json")
    source = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    prompts = load_prompts(path, mapping=MAPPINGS["afriqa"], source=f"afriqa-{split}")
    assert len(prompts) == len(source)
    assert [p.prompt for p in prompts] == [r["question"].strip() for r in source]
    assert [p.prompt_en for p in prompts] == [r["translated_question"].strip() for r in source]
    assert {p.translation_origin for p in prompts} == {"source"}
    # every non-empty answer list becomes references; quotes inside answers survive
    answered = sum(1 for r in source if r["answers"].strip() not in ("[]", ""))
    assert sum(1 for p in prompts if p.references) == answered


def test_mgsm_imports_every_row_with_aligned_english():
    path = realdata_path("swahili_instruct", "mgsm", "mgsm_sw.tsv")
    sw = path.read_text(encoding="utf-8").splitlines()
    en = (path.parent / "mgsm_en.tsv").read_text(encoding="utf-8").splitlines()
    prompts = load_prompts(path, mapping=MAPPINGS["mgsm"])
    assert len(prompts) == len(sw) == len(en)
    for p, sw_line, en_line in zip(prompts, sw, en):
        question, answer = sw_line.split("\t")
        assert (p.prompt, p.references, p.prompt_en) == (
            question.strip(),
            [answer.strip()],
            en_line.split("\t")[0].strip(),
        )
    assert {p.translation_origin for p in prompts} == {"human"}


def test_afriinstruct_imports_every_row_with_categories_from_task():
    path = realdata_path("swahili_instruct", "afriinstruct", "benchmark_swa_602.json")
    source = json.loads(path.read_text(encoding="utf-8"))
    prompts = load_prompts(path, mapping=MAPPINGS["afriinstruct"])
    assert len(prompts) == len(source)
    tasks = Counter(r["task"] for r in source)
    cats = Counter(p.category for p in prompts)
    assert cats["closed_qa"] == tasks["QA"]
    assert cats["classification"] == tasks["topic-classification"]
    assert cats["general_qa"] == len(source) - tasks["QA"] - tasks["topic-classification"]
    for p, row in zip(prompts, source):  # QA outputs are stringified lists: "['Moroni']"
        assert p.references and all(ref in row["output"] for ref in p.references), p.id
        assert not p.references[0].startswith("['"), p.id
