"""One answer's way through post-acceptance, for a worked example: votes -> verdict -> comment.

Taught in notebooks/03_answer_validation.
"""

from __future__ import annotations


def decision_trace(
    decisions,
    answers,
    votes,
    prompts=None,
    verdict: str | None = None,
    assignment_id: str | None = None,
) -> dict:
    """The prompt, the answer, every vote on it, the aggregated score and the verdict with comment.

    Args:
        decisions: the decisions stage's ``Decision`` records.
        answers: all Part I assignments (any round).
        votes: all Part II assignments (``task_id`` is the answer's id).
        prompts: optional ``Prompt`` records to show the prompt text.
        verdict: pick the first answer with this verdict (``accept``/``reject``) that had votes.
        assignment_id: or name the answer directly.

    Returns:
        A dict ready for ``widgets.show_table`` / printing.

    Raises:
        LookupError: when no decision matches.

    Taught in notebooks/03_answer_validation.
    """
    by_answer = {}
    for v in votes:
        by_answer.setdefault(v.task_id, []).append(v)
    pick = [
        d
        for d in decisions
        if (assignment_id is None or d.assignment_id == assignment_id)
        and (verdict is None or d.verdict == verdict)
        and (assignment_id is not None or by_answer.get(d.assignment_id))
    ]
    if not pick:
        raise LookupError(
            f"no decision with verdict={verdict!r} assignment_id={assignment_id!r} that had votes"
        )
    d = pick[0]
    answer = next((a for a in answers if a.assignment_id == d.assignment_id), None)
    prompt = next((p.prompt for p in prompts or [] if p.id == d.prompt_id), d.prompt_id)
    return {
        "prompt": prompt,
        "answer": answer.answer if answer else "",
        "votes": [(v.worker_id[:8], v.label) for v in by_answer.get(d.assignment_id, [])],
        "score_p_helpful": round(d.score, 3),
        "confidence": round(d.confidence, 3),
        "verdict": d.verdict,
        "reasons": d.reasons,
        "comment_to_worker": d.comment,
    }
