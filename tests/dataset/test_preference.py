"""Preference pairs: TRL's prompt/chosen/rejected strings, chosen better than rejected, train-side only."""

from __future__ import annotations

from datasets import Dataset

from tutorial_lib.config import DatasetConfig
from tutorial_lib.dataset import build_dataset, preference_pairs


def _cand(aid, pid, score, verdict, votes=3, text=None):
    return {
        "id": aid,
        "prompt_id": pid,
        "prompt": f"swali {pid}",
        "answer": text or f"jibu {aid}",
        "category": "open_qa",
        "score": score,
        "verdict": verdict,
        "votes": votes,
    }


def test_pairs_from_world_are_valid(world):
    ds = build_dataset(
        world.prompts, world.answers, world.decisions, world.qc, DatasetConfig(), votes=world.votes
    )
    score = {d.assignment_id: d.score for d in world.decisions}
    verdict = {d.assignment_id: d.verdict for d in world.decisions}
    heldout = {r["prompt_id"] for r in ds.heldout}
    assert ds.preference
    for pair in ds.preference:
        assert all(isinstance(pair[k], str) and pair[k] for k in ("prompt", "chosen", "rejected"))
        assert pair["chosen"] != pair["rejected"]
        assert score[pair["chosen_id"]] > score[pair["rejected_id"]]
        assert verdict[pair["chosen_id"]] == "accept"
        assert pair["prompt_id"] not in heldout
    hf = Dataset.from_list(ds.preference)  # the form TRL's DPO/reward trainers read
    assert {"prompt", "chosen", "rejected"} <= set(hf.column_names) and len(hf) == len(
        ds.preference
    )


def test_margin_identical_text_and_unvoted_rejects():
    cands = [
        _cand("a", "p", 0.9, "accept"),
        _cand("b", "p", 0.8, "accept"),
        _cand("c", "p", 0.1, "reject"),
        _cand("d", "p", 0.0, "reject", votes=0),
        _cand("e", "p", 0.2, "reject", text="jibu a"),
    ]
    pairs, stats = preference_pairs(cands, min_margin=0.2)
    got = {(p["chosen_id"], p["rejected_id"]) for p in pairs}
    assert got == {("a", "c"), ("b", "c"), ("b", "e")}  # a-b too close, a-e same text, d unvoted
    assert stats["skipped_identical_text"] == 1 and stats["skipped_unvoted_rejects"] == 1
    pairs, _ = preference_pairs(cands, min_margin=0.2, include_unvoted=True)
    assert ("a", "d") in {(p["chosen_id"], p["rejected_id"]) for p in pairs}


def test_pairs_per_prompt_are_capped_strongest_first():
    cands = [_cand("top", "p", 1.0, "accept")] + [
        _cand(f"r{i}", "p", 0.1 * i, "reject") for i in range(6)
    ]
    pairs, _ = preference_pairs(cands, max_pairs_per_prompt=2)
    assert [p["rejected_id"] for p in pairs] == ["r0", "r1"]
    assert pairs[0]["margin"] >= pairs[1]["margin"]


def test_no_pairs_without_an_accepted_answer():
    cands = [_cand("x", "p", 0.4, "reject"), _cand("y", "p", 0.0, "reject")]
    assert preference_pairs(cands)[0] == []
