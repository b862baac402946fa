"""The worked post-acceptance example picks a decided answer and lists its votes."""

import pytest

from tutorial_lib.quality.explain import decision_trace
from tutorial_lib.records import Assignment, Decision, Prompt


def _a(aid, task, kind, label=None, text=None):
    return Assignment(
        assignment_id=aid,
        task_id=task,
        worker_id=f"w-{aid}",
        kind=kind,
        backend="simulated",
        submitted_at="2026-01-01T00:00:00+00:00",
        duration_s=5,
        answer=text,
        label=label,
    )


def test_trace_shows_votes_verdict_and_comment():
    answers = [_a("ans1", "p1", "answers", text="Jibu."), _a("ans2", "p1", "answers", text="x")]
    votes = [_a("v1", "ans1", "validation", 1), _a("v2", "ans1", "validation", 0)]
    decisions = [
        Decision("ans2", "p1", "w", "reject", 0.1, 0.9, 0, ["too_short"], comment="short"),
        Decision("ans1", "p1", "w", "accept", 0.8, 0.8, 2, comment="asante"),
    ]
    prompts = [Prompt(id="p1", category="open_qa", prompt="Swali?")]
    trace = decision_trace(decisions, answers, votes, prompts, verdict="accept")
    assert trace["prompt"] == "Swali?" and trace["answer"] == "Jibu."
    assert [label for _, label in trace["votes"]] == [1, 0]
    assert trace["verdict"] == "accept" and trace["comment_to_worker"] == "asante"
    with pytest.raises(LookupError):
        decision_trace(decisions, answers, votes, verdict="reject")  # the reject had no votes
