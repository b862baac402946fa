"""Selection filters: each removes what it says, counts add up, caps balance and spread lengths."""

from __future__ import annotations

import itertools
import random

from tutorial_lib.config import DatasetConfig
from tutorial_lib.dataset.select import (
    category_cap,
    category_quotas,
    filter_min_score,
    filter_near_duplicates,
    select_for_training,
)


def _row(i, cat="open_qa", score=0.8, words=10, text=None):
    answer = text or " ".join(f"neno{i}x{k}" for k in range(words))
    return {
        "id": f"a{i:03d}",
        "prompt_id": f"p{i}",
        "prompt": "swali",
        "answer": answer,
        "category": cat,
        "score": score,
        "confidence": 0.9,
    }


def test_min_score_removes_exactly_the_low_rows():
    rows = [_row(i, score=s) for i, s in enumerate([0.2, 0.5, 0.7, 0.49, 1.0])]
    kept, rec = filter_min_score(rows, 0.5)
    assert {r["id"] for r in kept} == {"a001", "a002", "a004"}
    assert (rec["removed"], rec["remaining"]) == (2, 3)


def test_near_duplicate_answers_keep_the_better_one():
    base = "Wali hupikwa kwa maji na chumvi kidogo hadi uive vizuri kabisa"
    rows = [
        _row(0, score=0.6, text=base + " leo."),
        _row(1, score=0.9, text=base),
        _row(2, score=0.7, text="Maharagwe huchemshwa kwa saa mbili kabla ya kuungwa"),
    ]
    kept, rec = filter_near_duplicates(rows, 0.8)
    assert [r["id"] for r in kept] == ["a001", "a002"]
    assert rec["removed"] == 1 and rec["examples"] == [{"dropped": "a000", "kept": "a001"}]


def test_category_cap_is_the_largest_cap_within_budget():
    rng = random.Random(1)
    for _ in range(200):
        counts = {f"c{k}": rng.randint(1, 30) for k in range(rng.randint(1, 8))}
        budget = rng.randint(len(counts), sum(counts.values()) + 5)
        cap = category_cap(counts, budget)
        fits = [
            c
            for c in range(1, max(counts.values()) + 1)
            if sum(min(n, c) for n in counts.values()) <= budget
        ]
        assert cap == max(fits)
        quotas = category_quotas(counts, budget)
        assert sum(quotas.values()) == min(budget, sum(counts.values()))
        assert all(quotas[c] == n for c, n in counts.items() if n <= cap)
        assert all(cap <= quotas[c] <= cap + 1 for c, n in counts.items() if n > cap)
        assert all(quotas[c] <= counts[c] for c in counts)


def test_cap_keeps_a_spread_of_lengths():
    # The long answers score best; a score-only cap would keep three long ones.
    rows = [
        _row(i, score=0.6 + 0.01 * i + (0.3 if w == 60 else 0), words=w)
        for i, w in enumerate([3, 3, 3, 15, 15, 15, 60, 60, 60])
    ]
    rows += [_row(100 + i, cat="closed_qa", words=5) for i in range(3)]
    cfg = DatasetConfig(min_score=0.5, max_train=6)
    kept, _ = select_for_training(rows, cfg)
    open_lengths = sorted(len(r["answer"].split()) for r in kept if r["category"] == "open_qa")
    assert open_lengths == [3, 15, 60]
    assert len(kept) == 6


def test_steps_account_for_every_removed_row():
    rng = random.Random(0)
    cats = ["open_qa", "closed_qa", "summarization"]
    rows = [
        _row(i, cat=rng.choice(cats), score=rng.random(), words=rng.randint(2, 40))
        for i in range(120)
    ]
    rows += [dict(_row(500 + i), answer=rows[i]["answer"]) for i in range(10)]  # exact copies
    for balance, budget in itertools.product([True, False], [None, 25]):
        cfg = DatasetConfig(min_score=0.3, max_train=budget, balance_categories=balance)
        kept, steps = select_for_training(rows, cfg)
        assert [s["step"] for s in steps] == [
            "min_score",
            "near_duplicate_answer",
            "category_cap",
            "max_train",
        ]
        assert len(rows) - sum(s["removed"] for s in steps) == len(kept) == steps[-1]["remaining"]
        assert all(r["score"] >= 0.3 for r in kept)
        assert [r["score"] for r in kept] == sorted((r["score"] for r in kept), reverse=True)
        assert len({r["answer"] for r in kept}) == len(kept)
        if budget:
            assert len(kept) == budget
        if not balance:
            assert steps[2]["removed"] == 0
