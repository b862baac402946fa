"""Prompt split on real Swahili questions (AfriQA): no near-duplicate straddles train and held-out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tutorial_lib.dataset.split import split_prompts
from tutorial_lib.quality.textsim import jaccard, word_shingles
from tutorial_lib.records import CATEGORIES, Prompt

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"


def _afriqa() -> list[Prompt]:
    folder = REALDATA / "swahili_instruct" / "afriqa"
    if not folder.exists():
        pytest.skip(f"real data not available: {folder}")
    prompts, seen = [], set()
    for path in sorted(folder.glob("queries.afriqa.swa.en.*.json")):
        for line in path.read_text(encoding="utf-8").splitlines():
            q = json.loads(line)["question"]
            if q not in seen:
                seen.add(q)
                prompts.append(
                    Prompt(
                        id=f"q{len(prompts)}",
                        category=CATEGORIES[len(prompts) % 2],
                        prompt=q,
                        references=["x"],
                    )
                )
    return prompts


@pytest.mark.realdata
def test_afriqa_split_has_no_cross_split_near_duplicates():
    prompts = _afriqa()
    split = split_prompts(prompts, {p.id: True for p in prompts}, 0.2, 0.8, seed=0)
    assert split.near_duplicate_pairs, "AfriQA has near-duplicate questions; none were found"
    assert not split.train & split.heldout
    assert len(split.train) + len(split.heldout) == len(prompts)
    assert abs(len(split.heldout) - 0.2 * len(prompts)) <= 3
    sets = {p.id: word_shingles(p.prompt) for p in prompts}
    held = sorted(split.heldout)
    # Only pairs that share a word can reach the threshold: check those exhaustively.
    by_word: dict[str, list[str]] = {}
    for pid in held:
        for w in sets[pid]:
            by_word.setdefault(w, []).append(pid)
    for tid in split.train:
        cands = {h for w in sets[tid] for h in by_word.get(w, ())}
        assert all(jaccard(sets[tid], sets[h]) < 0.8 for h in cands), tid


def test_ineligible_clusters_stay_in_train():
    prompts = [
        Prompt(id=f"p{i}", category="open_qa", prompt=f"swali namba {i} kuhusu mada {i}")
        for i in range(20)
    ]
    eligible = {p.id: i % 2 == 0 for i, p in enumerate(prompts)}
    split = split_prompts(prompts, eligible, 0.3, 0.8, seed=1)
    assert split.heldout and all(eligible[pid] for pid in split.heldout)
    assert len(split.heldout) == 6
    assert not split.train & split.heldout
