"""Each QC rule fires on a crafted bad answer and stays quiet on a good one."""

import pytest

from tutorial_lib.config import QualityConfig
from tutorial_lib.quality.rules import (
    REASONS,
    check_answers,
    copies_prompt,
    find_near_duplicates,
    matches_control,
    reason_counts,
)
from tutorial_lib.records import Assignment, Prompt

PROMPTS = [
    Prompt(
        id="p1",
        category="open_qa",
        prompt="Mji mkuu wa Kenya ni upi na una sifa gani?",
        prompt_en="What is the capital of Kenya and what is it known for?",
    ),
    Prompt(
        id="p2",
        category="brainstorming",
        prompt="Taja njia tatu za kuokoa maji nyumbani.",
        prompt_en="Name three ways to save water at home.",
    ),
    Prompt(
        id="p3",
        category="general_qa",
        prompt="Kwa nini mvua hunyesha?",
        prompt_en="Why does it rain?",
    ),
]
GOOD = {
    "p1": "Mji mkuu wa Kenya ni Nairobi. Ni kituo kikubwa cha biashara na una mbuga ya wanyama.",
    "p2": "Funga bomba unapopiga mswaki, rekebisha mabomba yanayovuja, na tumia maji ya mvua bustanini.",
    "p3": "Jua hupasha maji joto, mvuke hupanda angani na kupoa, kisha matone huanguka kama mvua.",
}


def ans(aid, pid, text, worker="w1", duration=90.0, at="2024-01-01T10:00:00"):
    return Assignment(
        assignment_id=aid,
        task_id=pid,
        worker_id=worker,
        kind="answers",
        backend="simulated",
        submitted_at=at,
        duration_s=duration,
        answer=text,
    )


def good_answers():
    return [ans(f"a{i}", pid, text, worker=f"w{i}") for i, (pid, text) in enumerate(GOOD.items())]


@pytest.fixture(scope="module")
def cfg():
    return QualityConfig()


def run(answers, cfg, **kw):
    return {r.assignment_id: r for r in check_answers(PROMPTS, answers, cfg, **kw)}


def test_good_answers_pass_every_rule(cfg):
    results = run(good_answers(), cfg)
    assert all(r.passed and r.reasons == [] for r in results.values())
    assert all(r.lang == "sw" for r in results.values())


@pytest.mark.parametrize(
    "text,reason",
    [
        ("The capital of Kenya is Nairobi, a big city with a national park.", "wrong_language"),
        ("Nairobi.", "too_short"),
        ("Mji mkuu wa Kenya ni Nairobi. " * 80, "too_long"),
        ("Mji mkuu wa Kenya ni upi na una sifa gani?", "copied_prompt"),
        ("Jibu: mji mkuu wa Kenya ni upi na una sifa gani", "copied_prompt"),
    ],
)
def test_each_text_rule_fires_on_its_crafted_answer(cfg, text, reason):
    results = run(good_answers() + [ans("bad", "p1", text, worker="w9")], cfg)
    assert reason in results["bad"].reasons
    assert not results["bad"].passed
    assert all(results[f"a{i}"].passed for i in range(3))


def test_fast_submission_uses_the_configured_threshold(cfg):
    results = run(
        [
            ans("fast", "p1", GOOD["p1"], duration=cfg.fast_seconds - 1),
            ans("ok", "p2", GOOD["p2"], duration=cfg.fast_seconds + 1),
        ],
        cfg,
    )
    assert results["fast"].reasons == ["fast_submission"]
    assert results["ok"].passed


def test_near_duplicate_flags_the_later_copy_not_the_original(cfg):
    original = ans("orig", "p1", GOOD["p1"], worker="w1", at="2024-01-01T10:00:00")
    copy = ans(
        "copy",
        "p3",
        GOOD["p1"].replace("Nairobi.", "Nairobi!"),
        worker="w2",
        at="2024-01-01T10:05:00",
    )
    results = run([copy, original], cfg)  # input order must not matter
    assert results["orig"].passed
    assert "near_duplicate" in results["copy"].reasons
    assert results["copy"].details["duplicate_of"] == "orig"


def test_same_prompt_needs_a_near_verbatim_copy(cfg):
    other = "Nairobi ndio mji mkuu. Watu wengi huishi huko na kuna ofisi nyingi za serikali."
    reordered = (
        "Ni kituo kikubwa cha biashara na una mbuga ya wanyama. Mji mkuu wa Kenya ni Nairobi."
    )
    first = ans("x", "p1", GOOD["p1"], at="2024-01-01T09:00:00")
    found = find_near_duplicates(
        [first, ans("y", "p1", other, worker="w2"), ans("z", "p1", reordered, worker="w3")],
        cfg.near_duplicate_threshold,
    )
    assert found == {}  # an honest second answer from the same facts is not a copy
    verbatim = ans("v", "p1", GOOD["p1"].lower(), worker="w4")
    assert find_near_duplicates([first, verbatim], cfg.near_duplicate_threshold) == {
        "v": ("x", 1.0)
    }


def test_failed_control_only_when_the_known_answer_is_missing(cfg):
    control = {"p1": "Nairobi"}
    results = run(
        [
            ans("right", "p1", GOOD["p1"], worker="w1"),
            ans(
                "typo",
                "p1",
                "Mji mkuu wa Kenya ni Nairob, mji mkubwa sana wa biashara.",
                worker="w2",
            ),
            ans(
                "wrong",
                "p1",
                "Mji mkuu wa Kenya ni Mombasa, mji ulio karibu na bahari.",
                worker="w3",
            ),
        ],
        cfg,
        control=control,
    )
    assert results["right"].passed and results["typo"].passed
    assert results["wrong"].reasons == ["failed_control"]
    assert results["wrong"].details["control_expected"] == "Nairobi"


def test_banned_worker_is_flagged_but_kept(cfg):
    answers = good_answers()
    qc = check_answers(PROMPTS, answers, cfg, banned={"w1"})
    assert [r.assignment_id for r in qc] == [a.assignment_id for a in answers]
    assert {r.assignment_id: r.reasons for r in qc}["a1"] == ["banned_worker"]


def test_several_reasons_are_all_kept(cfg):
    results = run([ans("junk", "p2", "ok", duration=2.0)], cfg)
    assert {"too_short", "fast_submission"} <= set(results["junk"].reasons)
    counts = reason_counts(list(results.values()))
    assert set(counts) == set(REASONS) and counts["too_short"] == 1


def test_unknown_prompt_and_wrong_kind_are_clear_errors(cfg):
    with pytest.raises(ValueError, match="prompt 'p404'"):
        check_answers(PROMPTS, [ans("x", "p404", GOOD["p1"])], cfg)
    vote = Assignment(
        assignment_id="v1",
        task_id="a1",
        worker_id="w",
        kind="validation",
        backend="simulated",
        submitted_at="t",
        duration_s=10,
        label=1,
    )
    with pytest.raises(ValueError, match="kind 'validation'"):
        check_answers(PROMPTS, [vote], cfg)


def test_copy_and_control_helpers():
    assert copies_prompt(PROMPTS[1].prompt_en, PROMPTS[1]) == 1.0  # English prompt copied
    assert copies_prompt(GOOD["p2"], PROMPTS[1]) < 0.5
    assert matches_control("Jibu ni NAIROBI kabisa", "Nairobi")
    assert not matches_control("Mombasa", "Nairobi")


def test_length_counts_visible_characters_and_control_characters_are_flagged(cfg):
    padded = ans("zw", "p1", "Ndiyo ni hivyo" + "\u200b" * 20 + "\u0301" * 10)
    bell = ans("bel", "p2", GOOD["p2"] + "\u0007", worker="w2")
    by_id = run([padded, bell], cfg)
    assert "too_short" in by_id["zw"].reasons and by_id["zw"].details["chars"] == 14
    assert "control_characters" in by_id["bel"].reasons
    assert by_id["bel"].details["bad_character"].startswith("U+0007")
