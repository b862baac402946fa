"""Acceptance and rejection by annotator group: is one region's Swahili judged more harshly?

A validator crowd drawn mostly from one place can reject correct answers written in
another variety (Kenyan vs Tanzanian usage, Congolese loans). The check is simple and
should run on every real batch: share of answers accepted per writer group, with a
rough 95% interval, and the largest gap between groups. On the simulated crowd the
region has no effect by construction, so its gaps show what chance alone produces.

Taught in notebooks/03_answer_validation.
"""

from __future__ import annotations

import math
from collections import Counter


def acceptance_by_group(decisions, groups: dict[str, str]) -> list[dict]:
    """Rows ``{"group","answers","accepted","rejected","acceptance","ci_low","ci_high"}``.

    Args:
        decisions: ``records.Decision`` objects (or dicts) with ``worker_id`` and ``verdict``.
        groups: worker id -> group label; workers not in it count as ``unknown``.

    Returns:
        One row per group, largest group first; the interval is a Wilson 95% interval.
    """
    total, accepted = Counter(), Counter()
    for d in decisions:
        get = d.get if isinstance(d, dict) else lambda k, d=d: getattr(d, k)
        group = groups.get(get("worker_id"), "unknown")
        total[group] += 1
        accepted[group] += get("verdict") == "accept"
    rows = []
    for group, n in total.most_common():
        low, high = wilson(accepted[group], n)
        rows.append(
            {
                "group": group,
                "answers": n,
                "accepted": accepted[group],
                "rejected": n - accepted[group],
                "acceptance": round(accepted[group] / n, 3),
                "ci_low": round(low, 3),
                "ci_high": round(high, 3),
            }
        )
    return rows


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (sensible for small n).

    Unlike the normal approximation it never leaves [0, 1] and does not
    collapse to a zero-width interval at 0 or n successes, which matters for
    groups of a handful of answers.

    Args:
        k: successes (accepted answers).
        n: trials (answers); 0 gives the uninformative ``(0.0, 1.0)``.
        z: the normal quantile; 1.96 for a 95% interval.

    Returns:
        ``(low, high)``, clipped to [0, 1].

    Examples:
        >>> tuple(round(x, 3) for x in wilson(8, 10))
        (0.49, 0.943)
        >>> wilson(0, 0)
        (0.0, 1.0)
    """
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def largest_gap(rows: list[dict], min_answers: int = 5) -> dict | None:
    """The two groups (with at least ``min_answers``) whose acceptance differs most.

    Args:
        rows: :func:`acceptance_by_group`'s rows.
        min_answers: groups with fewer answers are left out (their share is noise).

    Returns:
        ``{"highest", "lowest", "gap", "intervals_overlap"}``, or None when fewer
        than two groups are big enough. Overlapping intervals mean the gap may
        be chance.

    Examples:
        >>> rows = acceptance_by_group(
        ...     [{"worker_id": w, "verdict": v} for w, v in
        ...      [("ke1", "accept")] * 9 + [("ke1", "reject")] + [("tz1", "accept")] * 5
        ...      + [("tz1", "reject")] * 5], {"ke1": "Kenya", "tz1": "Tanzania"})
        >>> largest_gap(rows)
        {'highest': 'Kenya', 'lowest': 'Tanzania', 'gap': 0.4, 'intervals_overlap': True}
    """
    big = [r for r in rows if r["answers"] >= min_answers]
    if len(big) < 2:
        return None
    hi, lo = max(big, key=lambda r: r["acceptance"]), min(big, key=lambda r: r["acceptance"])
    overlap = lo["ci_high"] >= hi["ci_low"]
    return {
        "highest": hi["group"],
        "lowest": lo["group"],
        "gap": round(hi["acceptance"] - lo["acceptance"], 3),
        "intervals_overlap": overlap,
    }
