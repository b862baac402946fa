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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import EvaluateConfig

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
        """Seconds left of the budget; negative once it is overrun.

        Returns:
            ``60 * minutes`` minus the seconds since the object was made.

        Examples:
            >>> now = iter([0.0, 90.0])
            >>> EvalBudget(2, clock=lambda: next(now)).left()
            30.0
        """
        return 60.0 * self.minutes - (self.clock() - self.started)

    def fraction(self, full_cost_s: float) -> float:
        """The share of the remaining work that fits: 1.0 when all of it does.

        Only ``SAFETY`` (85%) of the time left is handed out, leaving room for
        loading models, the ranking and writing files.

        Args:
            full_cost_s: estimated seconds to score everything that remains;
                zero or less means nothing to fit.

        Returns:
            A share in [0, 1].

        Examples:
            >>> now = iter([0.0, 0.0])
            >>> EvalBudget(1, clock=lambda: next(now)).fraction(102.0)
            0.5
        """
        if full_cost_s <= 0:
            return 1.0
        return max(0.0, min(1.0, SAFETY * self.left() / full_cost_s))


def subset_size(total: int, fraction: float, floor: int) -> int:
    """How many of ``total`` items to score: ``fraction`` of them, never fewer than ``floor``.

    The floor (one batch) keeps a tight budget from producing an empty,
    meaningless score.

    Args:
        total: items available.
        fraction: share that fits the budget, in [0, 1] (rounded down).
        floor: the fewest items to score (capped at ``total``).

    Returns:
        A count between ``min(floor, total)`` and ``total``.

    Examples:
        >>> subset_size(5010, 0.1, floor=32), subset_size(5010, 0.0, floor=32)
        (501, 32)
    """
    return min(total, max(min(floor, total), math.floor(fraction * total)))


def subset_note(task: str, n: int, total: int, seed: int, minutes: float) -> str | None:
    """The line every output carries when a task was scored on a subset, else None.

    Args:
        task: the benchmark name, e.g. ``"xnli"``.
        n: documents scored.
        total: documents in the task's split.
        seed: the seed that ordered the stratified subset (to reproduce it).
        minutes: ``evaluate.time_budget_min``, the reason for the subset.

    Returns:
        One sentence naming the subset, or None when all ``total`` were scored.

    Examples:
        >>> subset_note("xnli", 501, 5010, seed=0, minutes=10)  # doctest: +ELLIPSIS
        'xnli: scored a label-stratified subset (seed 0) of 501 of 5010 documents to fit ...'
        >>> subset_note("xnli", 5010, 5010, seed=0, minutes=10) is None
        True
    """
    if n >= total:
        return None
    return (
        f"{task}: scored a label-stratified subset (seed {seed}) of {n} of {total} documents "
        f"to fit evaluate.time_budget_min={minutes:g}"
    )


def timed(fn: Callable, *args, **kwargs) -> float:
    """Seconds one call takes (its result is discarded: a throughput probe).

    Args:
        fn: the function to time.
        *args: its positional arguments.
        **kwargs: its keyword arguments.

    Returns:
        Wall-clock seconds (``time.perf_counter``).
    """
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


@dataclass
class EvaluationPlan:
    """Which documents of each task and how many held-out prompts are scored, and why."""

    picked: dict[str, list[int]]
    n_heldout: int
    notes: list[str] = field(default_factory=list)


def _stratified_orders(docs: dict, lang: str, seed: int) -> dict[str, list[int]]:
    """Each task's documents in a seeded order whose every prefix keeps the label shares."""
    from .tasks import build_requests

    return {
        task: stratified_order([r.label for r in build_requests(task, lang, task_docs)], seed)
        for task, (task_docs, _) in docs.items()
    }


def _probe_benchmarks(loaded: dict, docs: dict, orders: dict, cfg: EvaluateConfig):
    """Time the first batch of every task and model; ``(estimated total s, probe s)``."""
    from .scoring import evaluate_task

    estimate, probe_s = 0.0, 0.0
    for task, (task_docs, _) in docs.items():
        probe = [task_docs[i] for i in orders[task][: min(cfg.batch_size, len(task_docs))]]
        if not probe:
            continue
        for model, tokenizer in loaded.values():
            seconds = timed(
                evaluate_task,
                model,
                tokenizer,
                task,
                lang=cfg.lang,
                docs=probe,
                batch_size=cfg.batch_size,
            )
            probe_s += seconds
            estimate += seconds / len(probe) * len(task_docs)
    return estimate, probe_s


def _probe_generation(loaded: dict, heldout: list[dict], generation: dict[str, int]):
    """Time one small batch of generation per model; ``(estimated s, probe s, batch size)``."""
    from .generation import generate_answers

    n_gen = min(4, len(heldout))
    estimate, probe_s = 0.0, 0.0
    if not n_gen:
        return estimate, probe_s, n_gen
    prompts = [r["prompt"] for r in heldout[:n_gen]]
    for model, tokenizer in loaded.values():
        seconds = timed(generate_answers, model, tokenizer, prompts, **generation)
        probe_s += seconds
        estimate += seconds / n_gen * len(heldout)
    return estimate, probe_s, n_gen


def _budget_note(budget: EvalBudget, probe_s: float, estimate: float, share: float) -> str:
    return (
        f"evaluate.time_budget_min={budget.minutes:g}: the first batches took {probe_s:.1f}s; "
        f"scoring everything would take about {estimate:.0f}s, {max(budget.left(), 0):.0f}s "
        f"were left, so {min(share, 1):.0%} of the work was kept"
    )


def plan_evaluation(
    loaded: dict,
    docs: dict[str, tuple[list[dict], object]],
    heldout: list[dict],
    cfg: EvaluateConfig,
    seed: int,
    generation: dict[str, int],
    budget: EvalBudget | None,
) -> EvaluationPlan:
    """Which documents of each task and how many held-out prompts to score, and why.

    Without a budget: all of them. With one: time the first batch of every task and
    model and one batch of generation, then keep the stratified share that fits.

    Args:
        loaded: model name -> ``(model, tokenizer)``.
        docs: task -> ``(documents, data file)``.
        heldout: the held-out rows (``prompt``, ``references``).
        cfg: the evaluate section (language, batch size).
        seed: orders the stratified subsets.
        generation: ``generate_answers`` limits (``max_new_tokens``, ``max_input_tokens``).
        budget: the stage's time budget, or None to score everything.

    Returns:
        An :class:`EvaluationPlan`; its notes say what was left out and why.
    """
    orders = _stratified_orders(docs, cfg.lang, seed)
    if budget is None:
        return EvaluationPlan({t: sorted(o) for t, o in orders.items()}, len(heldout))
    scoring_s, scoring_probe_s = _probe_benchmarks(loaded, docs, orders, cfg)
    generation_s, generation_probe_s, n_gen = _probe_generation(loaded, heldout, generation)
    estimate = scoring_s + generation_s
    share = budget.fraction(estimate)
    picked = {
        t: sorted(orders[t][: subset_size(len(d), share, cfg.batch_size)])
        for t, (d, _) in docs.items()
    }
    n_heldout = subset_size(len(heldout), share, n_gen)
    notes = [_budget_note(budget, scoring_probe_s + generation_probe_s, estimate, share)]
    notes += [
        n
        for t, (d, _) in docs.items()
        if (n := subset_note(t, len(picked[t]), len(d), seed, budget.minutes))
    ]
    if n_heldout < len(heldout):
        notes.append(f"held-out prompts: generated for the first {n_heldout} of {len(heldout)}")
    return EvaluationPlan(picked, n_heldout, notes)
