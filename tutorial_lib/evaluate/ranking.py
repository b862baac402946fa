"""Human ranking: side-by-side comparison tasks and a Bradley-Terry ranking with uncertainty.

Workers see one prompt and two answers (A and B, which model is which
randomised per comparison, so position bias averages out) and say which is
more helpful: label 0 = A better, 1 = B better (the crowd wing's ranking
project). Any crowd backend (simulated, room, Toloka) or the notebook widget
returns ``records.Assignment`` rows with that label; the ranking maps them back
to models and fits Bradley-Terry (crowd-kit, through
:mod:`tutorial_lib.quality.pairwise`). Bootstrap over comparisons gives
a 95% interval, because with a few dozen votes the ordering may be noise.

Taught in notebooks/05_hands_on_mt5.
"""

from __future__ import annotations

import hashlib
import logging
import random

import numpy as np
import pandas as pd

from ..quality.pairwise import PAIRWISE_COLUMNS, check_pairwise, make_pairwise_aggregator

logger = logging.getLogger(__name__)


def comparison_id(prompt_id: str, name_a: str, name_b: str) -> str:
    """A stable id for one prompt's comparison of two models (order of the names ignored).

    Stable across reruns, so a comparison already paid for is recognised and
    never posted (or paid) twice.

    Args:
        prompt_id: the held-out prompt's id.
        name_a: one model's name.
        name_b: the other model's name.

    Returns:
        ``cmp_`` plus 12 hex digits of a SHA-1 of the prompt id and sorted names.

    Examples:
        >>> comparison_id("p1", "base", "tuned") == comparison_id("p1", "tuned", "base")
        True
    """
    key = "|".join([prompt_id, *sorted([name_a, name_b])])
    return f"cmp_{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}"


def _prompt_fields(row) -> tuple[str, str]:
    if isinstance(row, dict):
        return str(row["id"] if "id" in row else row["prompt_id"]), row["prompt"]
    return row.id, row.prompt


def build_comparisons(
    prompt_rows, answers_a: list[str], answers_b: list[str], name_a: str, name_b: str, seed: int = 0
) -> list[dict]:
    """Ranking task dicts (crowd wing's schema), the A/B side of each model drawn at random.

    Args:
        prompt_rows: the prompts, ``records.Prompt`` objects or dicts with
            ``id`` (or ``prompt_id``) and ``prompt``.
        answers_a: model A's answer to each prompt.
        answers_b: model B's answer to each prompt.
        name_a: model A's name (what the ranking reports).
        name_b: model B's name; must differ from ``name_a``.
        seed: draws which model is shown on the left, per comparison.

    Returns:
        One task per prompt: ``task_id``, ``prompt_id``, ``prompt``, ``answer_a``,
        ``answer_b``, ``model_a``, ``model_b`` (the models as shown, A left).

    Raises:
        ValueError: if the three lists differ in length or the names are equal.

    Examples:
        >>> tasks = build_comparisons([{"id": "p1", "prompt": "Habari?"}], ["Nzuri"], ["Salama"],
        ...                           "base", "tuned")
        >>> sorted([tasks[0]["model_a"], tasks[0]["model_b"]])
        ['base', 'tuned']

    Taught in notebooks/05_hands_on_mt5.
    """
    if not (len(prompt_rows) == len(answers_a) == len(answers_b)):
        raise ValueError(
            f"{len(prompt_rows)} prompts, {len(answers_a)} answers of {name_a}, "
            f"{len(answers_b)} answers of {name_b}: lengths must match"
        )
    if name_a == name_b:
        raise ValueError(f"the two models need different names, both are {name_a!r}")
    rng = random.Random(seed)
    tasks = []
    for row, ans_a, ans_b in zip(prompt_rows, answers_a, answers_b):
        prompt_id, prompt = _prompt_fields(row)
        sides = [(name_a, ans_a), (name_b, ans_b)]
        if rng.random() < 0.5:
            sides.reverse()
        tasks.append(
            {
                "task_id": comparison_id(prompt_id, name_a, name_b),
                "prompt_id": prompt_id,
                "prompt": prompt,
                "answer_a": sides[0][1],
                "answer_b": sides[1][1],
                "model_a": sides[0][0],
                "model_b": sides[1][0],
            }
        )
    return tasks


def votes_frame(assignments, tasks: list[dict], include_rejected: bool = False) -> pd.DataFrame:
    """Ranking assignments as crowd-kit pairwise rows: worker, left, right, label (the winner).

    Args:
        assignments: ranking ``Assignment`` records, ``label`` 0 (A better) or 1 (B better).
        tasks: the comparison tasks they answer (:func:`build_comparisons`).
        include_rejected: keep assignments whose status is ``rejected``; by
            default they are left out and counted in the log.

    Returns:
        A frame with ``worker, left, right, label`` where ``left``/``right`` are
        the models as shown and ``label`` is the winning model's name.

    Raises:
        ValueError: an assignment of another kind, an unknown task id, or a
            label other than 0/1 (the message names the assignment).

    Taught in notebooks/03_answer_validation.
    """
    by_id = {t["task_id"]: t for t in tasks}
    rows, rejected = [], 0
    for a in assignments:
        if a.kind != "ranking":
            raise ValueError(f"assignment {a.assignment_id}: kind {a.kind!r}, expected 'ranking'")
        if a.status == "rejected" and not include_rejected:
            rejected += 1
            continue
        task = by_id.get(a.task_id)
        if task is None:
            raise ValueError(
                f"assignment {a.assignment_id}: task {a.task_id!r} is not among the "
                f"{len(by_id)} comparison tasks given"
            )
        if a.label not in (0, 1):
            raise ValueError(
                f"assignment {a.assignment_id}: label {a.label!r}; expected 0 (A "
                "better) or 1 (B better)"
            )
        winner = task["model_a"] if a.label == 0 else task["model_b"]
        rows.append([a.worker_id, task["model_a"], task["model_b"], winner])
    if rejected:
        logger.info("left out %d rejected ranking assignments", rejected)
    return pd.DataFrame(rows, columns=PAIRWISE_COLUMNS)


# Iterations per fit: the bootstrap refits hundreds of times, and noisy BT is the slow one.
N_ITER = {"bt": 200, "noisybt": 50}


def _fit(frame: pd.DataFrame, models: list[str], method: str) -> np.ndarray:
    scores = make_pairwise_aggregator(method, n_iter=N_ITER.get(method, 100)).fit_predict(frame)
    return np.array([float(scores.get(m, 0.0)) for m in models])


def _votes_table(votes, tasks: list[dict] | None, include_rejected: bool) -> pd.DataFrame:
    """The votes as checked ``worker, left, right, label`` rows (a frame or Assignment records)."""
    if isinstance(votes, pd.DataFrame):
        missing = [c for c in PAIRWISE_COLUMNS if c not in votes.columns]
        if missing:
            raise ValueError(f"votes frame lacks column(s) {', '.join(missing)}")
        frame = votes[list(PAIRWISE_COLUMNS)].reset_index(drop=True)
    else:
        if tasks is None:
            raise ValueError("ranking assignments need the comparison tasks (tasks=...)")
        frame = votes_frame(votes, tasks, include_rejected)
    if frame.empty:
        raise ValueError("no ranking votes to aggregate")
    check_pairwise(frame, "ranking")
    return frame


def _bootstrap(
    frame: pd.DataFrame, models: list[str], method: str, n_bootstrap: int, seed: int
) -> np.ndarray:
    """Scores refitted on ``n_bootstrap`` resamples of the votes (one row per resample)."""
    if not n_bootstrap:
        return _fit(frame, models, method)[None, :]
    rng = np.random.default_rng(seed)
    return np.array(
        [
            _fit(frame.iloc[rng.integers(0, len(frame), len(frame))], models, method)
            for _ in range(n_bootstrap)
        ]
    )


def rank_models(
    votes,
    tasks: list[dict] | None = None,
    n_bootstrap: int = 200,
    seed: int = 0,
    method: str = "bt",
    include_rejected: bool = False,
) -> pd.DataFrame:
    """Bradley-Terry ranking of models with a bootstrap 95% interval.

    Args:
        votes: a DataFrame with ``worker, left, right, label`` (label = the
            winning model), or ranking ``Assignment`` records.
        tasks: the comparison tasks from :func:`build_comparisons` (needed with records).
        n_bootstrap: resamples of the votes for the interval (0: no interval).
        seed: the resampling seed.
        method: ``bt`` or ``noisybt`` (see :mod:`tutorial_lib.quality.pairwise`).
        include_rejected: count votes whose assignment was rejected.

    Returns:
        One row per model, best first: ``model, score, ci_low, ci_high, wins,
        comparisons, win_rate, rank`` (``bt`` scores sum to 1; higher is better).

    Raises:
        ValueError: no votes, a missing column, a winner that was not in the
            pair, or records without their tasks.

    Examples:
        >>> votes = pd.DataFrame({"worker": ["w1", "w2", "w3"], "left": ["mt5", "mt5", "base"],
        ...                       "right": ["base", "base", "mt5"], "label": ["mt5", "mt5", "mt5"]})
        >>> rank_models(votes, n_bootstrap=0)[["model", "wins", "comparisons", "rank"]]
          model  wins  comparisons  rank
        0   mt5     3            3     1
        1  base     0            3     2
    """
    frame = _votes_table(votes, tasks, include_rejected)
    models = sorted(set(frame["left"]) | set(frame["right"]))
    point = _fit(frame, models, method)
    low, high = np.percentile(_bootstrap(frame, models, method, n_bootstrap, seed), [2.5, 97.5], 0)
    wins = frame["label"].value_counts()
    seen = pd.concat([frame["left"], frame["right"]]).value_counts()
    table = pd.DataFrame(
        {
            "model": models,
            "score": point,
            "ci_low": low,
            "ci_high": high,
            "wins": [int(wins.get(m, 0)) for m in models],
            "comparisons": [int(seen.get(m, 0)) for m in models],
        }
    )
    table["win_rate"] = table["wins"] / table["comparisons"]
    table = table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table
