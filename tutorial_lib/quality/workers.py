"""Per-worker summaries and bans, as a crowd platform keeps them.

A writer is judged by how many of their answers pass the rules and how many
were submitted implausibly fast; a validator by their estimated skill,
their agreement with the other validators of the same answers (leave-one-out
majority, so a worker does not agree with themselves) and fast votes.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pandas as pd

from ..records import Assignment, QCResult
from .aggregate import make_label_aggregator

COLUMNS = [
    "worker",
    "answers",
    "flagged",
    "pass_rate",
    "fast_answers",
    "votes",
    "fast_votes",
    "agreement",
    "skill",
    "reasons",
]


def leave_one_out_agreement(votes: list[Assignment]) -> dict[str, float]:
    """Share of each worker's votes equal to the strict majority of the others on that task.

    Votes with no strict majority among the others (too few, or a tie) do not count.

    Args:
        votes: validation (or ranking) assignments with ``task_id``, ``worker_id`` and ``label``.

    Returns:
        ``{worker id: share in [0, 1]}``, only for workers with at least one vote that counts.

    Examples:
        >>> from types import SimpleNamespace as V
        >>> votes = [V(assignment_id=f"v{i}", task_id="a1", worker_id=w, label=l)
        ...          for i, (w, l) in enumerate([("w1", 1), ("w2", 1), ("w3", 0)])]
        >>> leave_one_out_agreement(votes)  # w1 and w2 each face a 1-1 tie: not judged
        {'w3': 0.0}
    """
    by_task: dict[str, list[Assignment]] = defaultdict(list)
    for v in votes:
        by_task[v.task_id].append(v)
    hits: Counter = Counter()
    seen: Counter = Counter()
    for task_votes in by_task.values():
        for v in task_votes:
            others = Counter(o.label for o in task_votes if o.assignment_id != v.assignment_id)
            top = others.most_common(2)
            if not top or (len(top) == 2 and top[0][1] == top[1][1]):
                continue
            seen[v.worker_id] += 1
            hits[v.worker_id] += int(v.label == top[0][0])
    return {w: hits[w] / seen[w] for w in seen}


def _writer_rows(qc: list[QCResult]) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    for r in qc:
        row = rows.setdefault(
            r.worker_id, {"answers": 0, "flagged": 0, "fast_answers": 0, "reasons": Counter()}
        )
        row["answers"] += 1
        row["flagged"] += int(not r.passed)
        row["fast_answers"] += int("fast_submission" in r.reasons)
        row["reasons"].update(r.reasons)
    return rows


def _validator_skills(votes: list[Assignment], method: str) -> dict:
    """Each validator's estimated accuracy from aggregating all the votes (empty: no votes)."""
    if not votes:
        return {}
    df = pd.DataFrame(
        {
            "task": [v.task_id for v in votes],
            "worker": [v.worker_id for v in votes],
            "label": [v.label for v in votes],
        }
    )
    return make_label_aggregator(method).fit(df).skills_.to_dict()


def worker_summary(
    qc: list[QCResult],
    votes: list[Assignment] | None = None,
    *,
    method: str = "mv",
    vote_fast_seconds: float = 5.0,
) -> pd.DataFrame:
    """One row per worker (writers from ``qc``, validators from ``votes``).

    Args:
        qc: the quality rules' results on Part I answers (one per answer).
        votes: Part II votes; votes without a label are ignored.
        method: the aggregation method whose ``skills_`` estimate each
            validator's accuracy (see :func:`~.aggregate.make_label_aggregator`).
        vote_fast_seconds: a vote faster than this counts as ``fast_votes``.

    Returns:
        A frame sorted by worker with columns ``worker, answers, flagged,
        pass_rate, fast_answers, votes, fast_votes, agreement, skill, reasons``
        (reason -> count); rates a worker has no data for are NaN.

    Taught in notebooks/02_collecting_answers.
    """
    writers = _writer_rows(qc)
    votes = [v for v in (votes or []) if v.label is not None]
    agree = leave_one_out_agreement(votes)
    skills = _validator_skills(votes, method)
    n_votes, fast_votes = (
        Counter(v.worker_id for v in votes),
        Counter(v.worker_id for v in votes if v.duration_s < vote_fast_seconds),
    )
    rows = []
    for w in sorted(set(writers) | set(n_votes)):
        wr = writers.get(w, {"answers": 0, "flagged": 0, "fast_answers": 0, "reasons": Counter()})
        rows.append(
            {
                "worker": w,
                "answers": wr["answers"],
                "flagged": wr["flagged"],
                "pass_rate": (1 - wr["flagged"] / wr["answers"]) if wr["answers"] else float("nan"),
                "fast_answers": wr["fast_answers"],
                "votes": n_votes.get(w, 0),
                "fast_votes": fast_votes.get(w, 0),
                "agreement": agree.get(w, float("nan")),
                "skill": float(skills[w]) if w in skills else float("nan"),
                "reasons": dict(wr["reasons"]),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def banned_workers(
    summary: pd.DataFrame,
    *,
    min_tasks: int = 5,
    min_pass_rate: float = 0.5,
    min_skill: float = 0.7,
    min_agreement: float = 0.6,
    max_fast_share: float = 0.5,
) -> set[str]:
    """Workers a platform would ban, judged only once they did ``min_tasks`` of a kind.

    A writer is banned below ``min_pass_rate`` or when more than
    ``max_fast_share`` of their answers were too fast; a validator below
    ``min_skill`` or ``min_agreement``, or with too many fast votes.
    A missing (NaN) rate never bans.

    Args:
        summary: :func:`worker_summary`'s frame.
        min_tasks: answers (or votes) a worker needs before being judged on them.
        min_pass_rate: the lowest share of a writer's answers that pass the rules.
        min_skill: the lowest estimated validator accuracy.
        min_agreement: the lowest leave-one-out agreement of a validator.
        max_fast_share: the highest share of too-fast answers or votes.

    Returns:
        The banned worker ids.

    Taught in notebooks/02_collecting_answers.
    """
    banned = set()
    for row in summary.itertuples(index=False):
        if row.answers >= min_tasks and (
            row.pass_rate < min_pass_rate or row.fast_answers / row.answers > max_fast_share
        ):
            banned.add(row.worker)
        if row.votes >= min_tasks and (
            row.skill < min_skill
            or row.agreement < min_agreement
            or row.fast_votes / row.votes > max_fast_share
        ):
            banned.add(row.worker)
    return banned
