"""SmoothedDawidSkene's own EM against crowd-kit's DawidSkene: same estimates, time per fit.

The kit's smoothed Dawid-Skene (``tutorial_lib/quality/smoothed_ds.py``) runs
its own numpy EM instead of overriding crowd-kit's private ``_m_step``. With
``smoothing=0`` it must give crowd-kit 1.4.2's ``DawidSkene`` estimates; this
script checks that on simulated binary votes (the shape of the validation
project: 3 votes per answer, validators of varying skill) and times both.

Run: .venv/bin/python benchmarks/smoothed_ds.py [--tasks N] [--repeats R]
The last output line is JSON.
"""

from __future__ import annotations

import argparse
import json
import time

import crowdkit.aggregation as ck
import numpy as np
import pandas as pd

from tutorial_lib.quality.smoothed_ds import SmoothedDawidSkene


def simulated_votes(n_tasks: int, seed: int = 0) -> pd.DataFrame:
    """Binary votes: 3 of 20 validators per task, accuracy 0.6-0.98 by validator."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_tasks):
        truth = int(rng.integers(0, 2))
        for w in rng.choice(20, 3, replace=False):
            right = rng.random() < 0.6 + 0.02 * w
            rows.append((f"t{t}", f"w{w}", truth if right else 1 - truth))
    return pd.DataFrame(rows, columns=["task", "worker", "label"])


def best_time(fit, repeats: int) -> float:
    """The fastest of ``repeats`` fits, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fit()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    votes = simulated_votes(args.tasks)
    ours = SmoothedDawidSkene(smoothing=0.0).fit(votes)
    theirs = ck.DawidSkene(n_iter=100).fit(votes)
    diff = np.abs(
        ours.probas_.sort_index().to_numpy() - theirs.probas_.sort_index().to_numpy()
    ).max()
    same = bool((ours.labels_.sort_index() == theirs.labels_.sort_index()).all())
    t_ours = best_time(lambda: SmoothedDawidSkene(smoothing=0.0).fit(votes), args.repeats)
    t_smooth = best_time(lambda: SmoothedDawidSkene(smoothing=1.0).fit(votes), args.repeats)
    t_theirs = best_time(lambda: ck.DawidSkene(n_iter=100).fit(votes), args.repeats)
    print(f"{args.tasks} tasks, {len(votes)} votes; same labels: {same}; max |dP| {diff:.2e}")
    print(
        f"crowd-kit DawidSkene {t_theirs:.3f} s; own EM {t_ours:.3f} s (smoothing 1: {t_smooth:.3f} s)"
    )
    print(
        json.dumps(
            {
                "tasks": args.tasks,
                "votes": len(votes),
                "same_labels": same,
                "max_proba_diff": float(diff),
                "crowdkit_ds_s": round(t_theirs, 4),
                "own_em_s": round(t_ours, 4),
                "own_em_smoothed_s": round(t_smooth, 4),
                "iterations": [len(ours.loss_history_), len(theirs.loss_history_)],
            }
        )
    )


if __name__ == "__main__":
    main()
