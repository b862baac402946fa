"""Post-acceptance: verdicts with reasons, applied once on the backend, bounded re-collection."""

import collections

import pytest
from assignments import answer, vote

from tutorial_lib.config import QualityConfig, load_config, resolve_path
from tutorial_lib.crowd.collect import collect_answers
from tutorial_lib.crowd.simulated import SimulatedCrowd
from tutorial_lib.jsonl import read_jsonl
from tutorial_lib.quality.overlap import validate_dynamic
from tutorial_lib.quality.postaccept import decide, post_accept
from tutorial_lib.quality.rules import check_answers
from tutorial_lib.quality.worker_comments import comment_for
from tutorial_lib.records import Prompt, QCResult


@pytest.fixture
def case():
    answers = [answer("good"), answer("bad", worker="w2"), answer("english", worker="w3", round=1)]
    votes = [vote("good", w, 1) for w in "xyz"] + [vote("bad", w, 0) for w in "xyz"]
    qc = [
        QCResult("good", "p1", "w1", True),
        QCResult("bad", "p1", "w2", True),
        QCResult("english", "p1", "w3", False, ["wrong_language", "fast_submission"]),
    ]
    return answers, votes, qc


def test_decide_accepts_by_votes_and_rejects_qc_failures_with_reasons(case):
    answers, votes, qc = case
    by_id = {d.assignment_id: d for d in decide(answers, votes, qc, QualityConfig(), "mv")}
    assert by_id["good"].verdict == "accept" and by_id["good"].score == 1.0
    assert by_id["bad"].verdict == "reject" and by_id["bad"].reasons == ["not_helpful"]
    assert by_id["bad"].confidence == 1.0  # P(not helpful)
    english = by_id["english"]
    assert english.verdict == "reject" and english.votes == 0 and english.round == 1
    assert english.reasons == ["wrong_language", "fast_submission"]
    assert "language" in english.comment and "quickly" in english.comment


def test_comments_follow_the_language_with_english_fallback():
    assert comment_for("accept", [], "sw") == "Asante! Jibu lako limekubaliwa."
    assert comment_for("reject", ["too_short"], "yo") == "The answer is too short."
    assert comment_for("reject", [], "en").startswith("Validators judged")


def test_decide_refuses_missing_qc_or_missing_votes(case):
    answers, votes, qc = case
    with pytest.raises(ValueError, match="no QC result"):
        decide(answers, votes, qc[:2], QualityConfig())
    with pytest.raises(ValueError, match="passed QC but have no validation votes.*good"):
        decide(answers, votes[3:], qc, QualityConfig())


class CountingCrowd(SimulatedCrowd):
    """The simulated crowd, counting accept/reject calls per assignment."""

    calls: collections.Counter

    def accept(self, assignment_id, comment=""):
        self.calls[assignment_id] += 1
        super().accept(assignment_id, comment)

    def reject(self, assignment_id, comment):
        self.calls[assignment_id] += 1
        super().reject(assignment_id, comment)


@pytest.fixture
def run(tmp_path):
    prompts = read_jsonl(resolve_path("data/prompts/seed_sw.jsonl"), Prompt)[:40]
    cfg = load_config("ci", {"crowd": {"validation_overlap": 2}, "quality": {"max_rounds": 2}})

    def crowd():
        sim = CountingCrowd(prompts, tmp_path / "crowd", seed=11)
        sim.calls = collections.Counter()
        return sim

    sim = crowd()
    answers = collect_answers(sim, prompts, 2, tmp_path / "answers.jsonl")
    qc = check_answers(prompts, answers, cfg.quality)
    passed = {q.assignment_id for q in qc if q.passed}
    votes = validate_dynamic(
        sim,
        [a for a in answers if a.assignment_id in passed],
        prompts,
        cfg.crowd,
        tmp_path / "votes.jsonl",
    )

    def post(backend):
        return post_accept(
            backend,
            prompts,
            answers,
            votes,
            qc,
            cfg.quality,
            cfg.crowd,
            tmp_path / "re_answers.jsonl",
            tmp_path / "re_votes.jsonl",
            lang=cfg.prompts.lang,
        )

    return prompts, answers, votes, qc, sim, crowd, post


def test_post_accept_decides_applies_and_recollects(run):
    _, answers, _, qc, sim, _, post = run
    decisions, all_answers, all_votes = post(sim)
    assert len(decisions) == len(all_answers) > len(answers)  # re-collected answers were added
    assert len({d.assignment_id for d in decisions}) == len(decisions)
    # every verdict was applied exactly once, and the returned records say so
    assert set(sim.calls) == {d.assignment_id for d in decisions} and max(sim.calls.values()) == 1
    status = {a.assignment_id: a.status for a in all_answers}
    assert all(status[d.assignment_id] == d.verdict + "ed" for d in decisions)
    backend_status = {a.assignment_id: a.status for a in sim.fetch("sim-tutorial-answers-sw-v1")}
    assert all(backend_status[d.assignment_id] == status[d.assignment_id] for d in decisions)
    # QC failures were not validated (no votes) but still decided, with their reasons
    failed = {q.assignment_id: q.reasons for q in qc if not q.passed}
    for d in decisions:
        if d.assignment_id in failed:
            assert d.verdict == "reject" and d.votes == 0 and d.reasons == failed[d.assignment_id]
    # re-collection only for prompts with no accepted answer in the round before
    by_round = collections.defaultdict(set)
    for d in decisions:
        by_round[d.round].add(d.prompt_id)
    accepted0 = {d.prompt_id for d in decisions if d.round == 0 and d.verdict == "accept"}
    assert by_round[1] and not (by_round[1] & accepted0)
    assert max(by_round) <= 2
    # new answers got votes; every re-collected answer that passed QC was validated
    voted = {v.task_id for v in all_votes}
    assert all(d.votes > 0 for d in decisions if d.assignment_id in voted)


def test_post_accept_rerun_pays_nobody_twice(run):
    _, _, _, _, sim, crowd, post = run
    first, answers1, votes1 = post(sim)
    again = crowd()
    second, answers2, votes2 = post(again)
    assert not again.calls  # nothing applied again
    assert [d.verdict for d in second] == [d.verdict for d in first]
    assert len(answers2) == len(answers1) and len(votes2) == len(votes1)
