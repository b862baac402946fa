"""Text similarity helpers for quality rules: normalisation, shingles, MinHash.

Kept apart from the rules so that the copy, duplicate and control checks
share one definition of "the same text" (case, accents of punctuation and
spacing do not count).
"""

from __future__ import annotations

import re
import unicodedata

from datasketch import MinHash

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower-case, NFKC, punctuation to spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def shingles(text: str, k: int = 5) -> set[str]:
    """Character k-grams of the normalised text (the whole text when shorter than k)."""
    norm = normalise(text)
    if not norm:
        return set()
    if len(norm) <= k:
        return {norm}
    return {norm[i : i + k] for i in range(len(norm) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """|a ∩ b| / |a ∪ b|, 0 for two empty sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def containment(part: set[str], whole: set[str]) -> float:
    """Share of ``part``'s shingles found in ``whole`` (how much of part was copied)."""
    if not part:
        return 0.0
    return len(part & whole) / len(part)


def minhash(items: set[str], num_perm: int = 64, seed: int = 1) -> MinHash:
    """A MinHash signature of a shingle set (stable across runs: fixed seed)."""
    m = MinHash(num_perm=num_perm, seed=seed)
    for item in items:
        m.update(item.encode("utf-8"))
    return m
