"""Selection of accepted answers for fine-tuning, with every filter's cost made visible.

More rows is not always better: a few hundred helpful, varied answers teach an
instruction format better than thousands of near-copies from one category.
Each filter here returns what it kept and a ``{"step", "removed", "remaining",
"detail"}`` record, so the trade-off (how many rows each choice costs) shows up
in the data card and in the notebook's filter plot.

Filters, in order:

1. ``min_score``: ranking by aggregated helpfulness; rows below ``cfg.min_score`` go.
2. ``near_duplicate_answer``: lexical novelty; an answer whose word-set Jaccard
   with a better-ranked kept answer reaches ``cfg.dedup_threshold`` goes.
3. ``category_cap``: category balance; no category above a cap (fills
   ``cfg.max_train`` evenly when set, else twice the median category size).
4. ``max_train``: the overall budget ``cfg.max_train``.

Where a cap or budget forces a choice, rows are taken round-robin over answer
length bins (short / medium / long tertiles), best score first in each bin, so
the selection keeps a spread of lengths instead of only the longest answers
(tertiles are taken within the rows being capped: a category, or the pool).
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from statistics import median

from ..config import DatasetConfig
from .dedup import keep_novel

logger = logging.getLogger(__name__)
N_LENGTH_BINS = 3


def filter_record(step: str, before: int, after: int, detail: str = "", **extra) -> dict:
    """One line of the filter table: how many rows a step removed and how many remain.

    Args:
        step: the filter's name as the data card shows it, e.g. ``"min_score"``.
        before: rows going into the step.
        after: rows it kept.
        detail: one human sentence saying what the step removes.
        **extra: more JSON-ready keys for the record (examples, quotas, reasons).

    Returns:
        ``{"step", "removed", "remaining", "detail", **extra}``.

    Examples:
        >>> filter_record("min_score", 10, 7, "aggregated score < 0.5")
        {'step': 'min_score', 'removed': 3, 'remaining': 7, 'detail': 'aggregated score < 0.5'}
    """
    return {"step": step, "removed": before - after, "remaining": after, "detail": detail, **extra}


def rank(rows: list[dict]) -> list[dict]:
    """Best first: aggregated score, then confidence, then id (a stable tie-break).

    Every filter that must choose between rows uses this one order, so the
    same inputs always give the same selection.

    Args:
        rows: candidate rows with ``score``, ``confidence`` and ``id``.

    Returns:
        A new sorted list; ``rows`` is left as it was.

    Examples:
        >>> rows = [{"id": "b", "score": 0.9, "confidence": 0.5},
        ...         {"id": "a", "score": 0.9, "confidence": 0.5},
        ...         {"id": "c", "score": 1.0, "confidence": 0.1}]
        >>> [r["id"] for r in rank(rows)]
        ['c', 'a', 'b']
    """
    return sorted(rows, key=lambda r: (-float(r["score"]), -float(r["confidence"]), str(r["id"])))


def answer_words(row: dict) -> int:
    """Answer length in words (what the length spread is measured in).

    Args:
        row: a row with an ``answer``.

    Returns:
        The number of whitespace-separated words.

    Examples:
        >>> answer_words({"answer": "Habari  ya asubuhi"})
        3
    """
    return len(str(row["answer"]).split())


def length_bins(rows: list[dict], n_bins: int = N_LENGTH_BINS) -> dict[str, int]:
    """A length bin (0 = shortest third) per row id, from tertiles of answer length.

    Args:
        rows: rows with ``id`` and ``answer``; the cut points come from these rows only.
        n_bins: how many bins (3: short / medium / long).

    Returns:
        ``{row id: bin}`` with bins ``0 .. n_bins - 1``; empty for no rows. Rows
        as long as a cut point go to the longer bin.

    Examples:
        >>> rows = [{"id": str(n), "answer": "neno " * n} for n in range(1, 7)]
        >>> length_bins(rows)
        {'1': 0, '2': 0, '3': 1, '4': 1, '5': 2, '6': 2}
    """
    lengths = sorted(answer_words(r) for r in rows)
    if not lengths:
        return {}
    cuts = [lengths[min(len(lengths) - 1, (len(lengths) * k) // n_bins)] for k in range(1, n_bins)]
    return {r["id"]: sum(answer_words(r) >= c for c in cuts) for r in rows}


def spread_pick(rows: list[dict], k: int) -> list[dict]:
    """``k`` rows taken round-robin over length bins, best first inside each bin.

    Bins are tertiles of the rows given (one category's, or the whole pool's),
    since natural lengths differ by category: a long classification answer is
    a short creative-writing one.

    Args:
        rows: rows with ``id``, ``answer``, ``score`` and ``confidence``.
        k: how many to take; all rows when ``k >= len(rows)``.

    Returns:
        The picked rows, best first (see :func:`rank`).
    """
    bins = length_bins(rows)
    queues: dict[int, list[dict]] = defaultdict(list)
    for row in rank(rows):
        queues[bins.get(row["id"], 0)].append(row)
    picked: list[dict] = []
    order = sorted(queues)
    while len(picked) < k and any(queues.values()):
        for b in order:
            if queues[b] and len(picked) < k:
                picked.append(queues[b].pop(0))
    return rank(picked)


def filter_min_score(rows: list[dict], min_score: float) -> tuple[list[dict], dict]:
    """Keep rows whose aggregated helpfulness reaches ``min_score``.

    Args:
        rows: rows with ``score``, the aggregated P(helpful).
        min_score: the lowest score kept (inclusive), in [0, 1].

    Returns:
        ``(kept rows, filter record)``; kept rows keep their order.
    """
    kept = [r for r in rows if float(r["score"]) >= min_score]
    return kept, filter_record("min_score", len(rows), len(kept), f"aggregated score < {min_score}")


def filter_near_duplicates(rows: list[dict], threshold: float) -> tuple[list[dict], dict]:
    """Drop answers that are near-copies of a better-ranked kept answer (any prompt).

    Args:
        rows: rows with ``id``, ``answer``, ``score`` and ``confidence``.
        threshold: word-set Jaccard at or above which an answer is a near-copy, in (0, 1].

    Returns:
        ``(kept rows best first, filter record)``; the record's ``examples`` names
        up to five ``{"dropped", "kept"}`` id pairs so a reader can check the call.
    """
    ranked = rank(rows)
    kept_idx, dropped = keep_novel([r["answer"] for r in ranked], threshold)
    kept = [ranked[i] for i in kept_idx]
    examples = [
        {"dropped": ranked[j]["id"], "kept": ranked[i]["id"]} for j, i in list(dropped.items())[:5]
    ]
    return kept, filter_record(
        "near_duplicate_answer",
        len(rows),
        len(kept),
        f"word-set Jaccard >= {threshold} with a better answer",
        examples=examples,
    )


def category_cap(counts: dict[str, int], max_train: int | None) -> int:
    """The per-category cap: water-filling to ``max_train``, else twice the median count.

    Water-filling finds the largest cap ``c`` with ``sum(min(n, c)) <= max_train``,
    so small categories keep everything and large ones share what is left.

    Args:
        counts: rows per category.
        max_train: the overall row budget; None for no budget.

    Returns:
        The most rows any one category may keep (0 when there are no categories).

    Examples:
        >>> category_cap({"poem": 50, "recipe": 5, "advice": 10}, max_train=30)
        15
        >>> category_cap({"poem": 50, "recipe": 5, "advice": 10}, max_train=None)
        20
    """
    if not counts:
        return 0
    sizes = list(counts.values())
    if max_train is None:
        return max(1, math.ceil(2 * median(sizes)))
    if sum(sizes) <= max_train:
        return max(sizes)
    lo, hi = 1, max(sizes)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(min(n, mid) for n in sizes) <= max_train:
            lo = mid
        else:
            hi = mid - 1
    return lo


def category_quotas(counts: dict[str, int], max_train: int | None) -> dict[str, int]:
    """Rows allowed per category: the cap, plus one for the largest categories to fill the budget.

    An integer cap alone can leave the budget short (8 categories of 10 and a
    budget of 30: cap 3 keeps 24); the remainder goes one row each to the
    categories with the most rows left over (ties by name).

    Args:
        counts: rows per category.
        max_train: the overall row budget; None: every category gets the cap.

    Returns:
        ``{category: rows allowed}``, summing to at most ``max_train``.

    Examples:
        >>> category_quotas({"a": 10, "b": 10, "c": 10, "d": 2}, max_train=20)
        {'a': 6, 'b': 6, 'c': 6, 'd': 2}
    """
    cap = category_cap(counts, max_train)
    quotas = {c: min(n, cap) for c, n in counts.items()}
    if max_train is not None:
        spare = max_train - sum(quotas.values())
        for cat in sorted((c for c, n in counts.items() if n > cap), key=lambda c: (-counts[c], c)):
            if spare <= 0:
                break
            quotas[cat] += 1
            spare -= 1
    return quotas


def filter_category_cap(rows: list[dict], cfg: DatasetConfig) -> tuple[list[dict], dict]:
    """Cap each category so that no single category dominates the training mix.

    Args:
        rows: rows with ``category`` plus what :func:`spread_pick` needs.
        cfg: the ``dataset`` section: ``balance_categories`` switches the step on,
            ``max_train`` sizes the quotas (see :func:`category_quotas`).

    Returns:
        ``(kept rows best first, filter record)``; the record carries the
        ``quotas`` and the ``capped`` categories.
    """
    if not cfg.balance_categories:
        return rows, filter_record(
            "category_cap", len(rows), len(rows), "balance_categories is off"
        )
    by_cat: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_cat[row["category"]].append(row)
    quotas = category_quotas({c: len(v) for c, v in by_cat.items()}, cfg.max_train)
    kept = [r for cat in sorted(by_cat) for r in spread_pick(by_cat[cat], quotas[cat])]
    cap = max(quotas.values(), default=0)
    capped = sorted(c for c, v in by_cat.items() if len(v) > quotas[c])
    return rank(kept), filter_record(
        "category_cap",
        len(rows),
        len(kept),
        f"at most {cap} rows per category",
        quotas=quotas,
        capped=capped,
    )


def filter_max_train(rows: list[dict], max_train: int | None) -> tuple[list[dict], dict]:
    """Apply the overall training budget, keeping a spread of answer lengths.

    Args:
        rows: rows after the other filters.
        max_train: the budget in rows; None for no budget.

    Returns:
        ``(kept rows, filter record)``; the rows pass through untouched when
        the budget is not reached.
    """
    if max_train is None or len(rows) <= max_train:
        detail = "no budget set" if max_train is None else f"budget {max_train} not reached"
        return rows, filter_record("max_train", len(rows), len(rows), detail)
    kept = spread_pick(rows, max_train)
    return kept, filter_record("max_train", len(rows), len(kept), f"budget of {max_train} rows")


def select_for_training(rows: list[dict], cfg: DatasetConfig) -> tuple[list[dict], list[dict]]:
    """Run the four selection filters in order: min score, near-duplicates, category cap, budget.

    Args:
        rows: accepted answer rows of training-side prompts, with ``id``, ``answer``,
            ``score``, ``confidence`` and ``category``.
        cfg: the ``dataset`` section (``min_score``, ``dedup_threshold``,
            ``balance_categories``, ``max_train``).

    Returns:
        ``(selected rows best first, one filter record per step)``.
    """
    steps = []
    rows, rec = filter_min_score(rows, cfg.min_score)
    steps.append(rec)
    rows, rec = filter_near_duplicates(rows, cfg.dedup_threshold)
    steps.append(rec)
    rows, rec = filter_category_cap(rows, cfg)
    steps.append(rec)
    rows, rec = filter_max_train(rows, cfg.max_train)
    steps.append(rec)
    for rec in steps:
        logger.info(
            "selection %-22s removed %4d, %4d remain", rec["step"], rec["removed"], rec["remaining"]
        )
    return rank(rows), steps
