"""An evaluation that fits its time slot: measure throughput first, then score a stratified subset.

Scoring the full XNLI test set (5,010 documents, twice: base and fine-tuned) can
take longer than a tutorial slot on a small GPU. With ``evaluate.time_budget_min``
the evaluate stage times the first batch of every task and model, and one batch
of held-out generation, then scores the largest seeded, label-stratified subset
that fits what is left. Every output states its subset size; nothing is silently
partial. Without a budget everything is scored.

Taught in notebooks/05_hands_on_mt5.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

SAFETY = 0.85  # leave room for loading, the ranking and writing files


def stratified_order(labels: Sequence[Hashable], seed: int) -> list[int]:
    """An order of indices whose every prefix keeps each label's share (seeded, reproducible).

    Args:
        labels: one label per document.
        seed: the run's seed.

    Returns:
        A permutation of ``range(len(labels))``; take its first ``k`` for a stratified subset.

    Examples:
        >>> order = stratified_order(["a"] * 6 + ["b"] * 3, seed=0)
        >>> sorted("ab"[i >= 6] for i in order[:3])
        ['a', 'a', 'b']
    """
    rng = random.Random(seed)
    groups: dict = defaultdict(list)
    for i, label in enumerate(labels):
        groups[label].append(i)
    keyed = []
    for rank, label in enumerate(sorted(groups, key=repr)):
        members = groups[label]
        rng.shuffle(members)
        keyed += [((k + 0.5) / len(members), rank, i) for k, i in enumerate(members)]
    return [i for *_, i in sorted(keyed)]


@dataclass
class EvalBudget:
    """A wall-clock budget for one evaluate stage, and the subset sizes it allows.

    Args:
        minutes: the budget; the clock starts when the object is made.
        clock: seconds, monotonic (tests pass a fake).
    """

    minutes: float
    clock: Callable[[], float] = time.monotonic
    started: float = field(init=False)

    def __post_init__(self) -> None:
        if not self.minutes > 0:
            raise ValueError(f"evaluate.time_budget_min must be > 0, got {self.minutes!r}")
        self.started = self.clock()

    def left(self) -> float:
        """Seconds left."""
        return 60.0 * self.minutes - (self.clock() - self.started)

    def fraction(self, full_cost_s: float) -> float:
        """The share of the remaining work that fits: 1.0 when all of it does."""
        if full_cost_s <= 0:
            return 1.0
        return max(0.0, min(1.0, SAFETY * self.left() / full_cost_s))


def subset_size(total: int, fraction: float, floor: int) -> int:
    """How many of ``total`` items to score: ``fraction`` of them, never fewer than ``floor``."""
    return min(total, max(min(floor, total), math.floor(fraction * total)))


def subset_note(task: str, n: int, total: int, seed: int, minutes: float) -> str | None:
    """The line every output carries when a task was scored on a subset, else None."""
    if n >= total:
        return None
    return (
        f"{task}: scored a label-stratified subset (seed {seed}) of {n} of {total} documents "
        f"to fit evaluate.time_budget_min={minutes:g}"
    )


def timed(fn: Callable, *args, **kwargs) -> float:
    """Seconds one call takes (its result is discarded: a throughput probe)."""
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start
