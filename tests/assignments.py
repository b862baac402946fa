"""Crowd records for tests: one answer or vote with the fields every backend fills in."""

from tutorial_lib.records import Assignment


def answer(aid, prompt="p1", worker="w1", round=0, text="jibu", duration=90.0):
    """A Part I answer ``aid`` to ``prompt`` by ``worker``."""
    return Assignment(
        assignment_id=aid,
        task_id=prompt,
        worker_id=worker,
        kind="answers",
        backend="simulated",
        submitted_at="t",
        duration_s=duration,
        answer=text,
        round=round,
    )


def vote(task, worker, label, duration=20.0):
    """A Part II vote by ``worker`` on answer ``task``."""
    return Assignment(
        assignment_id=f"v-{task}-{worker}",
        task_id=task,
        worker_id=worker,
        kind="validation",
        backend="simulated",
        submitted_at="t",
        duration_s=duration,
        label=label,
    )
