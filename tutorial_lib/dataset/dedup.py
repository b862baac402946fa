"""Near-duplicate detection: exact Jaccard similarity on word shingles, with a prefix filter.

Used twice in curation: to keep near-duplicate *prompts* on one side of the
train/held-out split (else the held-out score measures memorisation), and to
drop near-duplicate *answers* from the training selection (lexical novelty).

Why not MinHash LSH here: on 1,134 AfriQA Swahili questions, datasketch's LSH
(64 permutations) found 37 of the 41 pairs at Jaccard >= 0.8; short texts have
few shingles and the estimate is noisy. The prefix filter of all-pairs
similarity joins (Bayardo et al. 2007) is exact: two sets with Jaccard >= t
must share a token among the first ``|s| - ceil(t|s|) + 1`` tokens of each,
rarest first. So candidates are few, every pair above the threshold is found,
and the threshold means exactly what it says.

Shingles and Jaccard come from :mod:`tutorial_lib.quality.textsim` (one rule
for the kit: NFKC, case-folded, punctuation ignored; 0.0 when either set is
empty). Shingles are single words by default. Prompts are short (AfriQA
questions average 7 words): bigram Jaccard finds 8 near-duplicate pairs there,
word-set Jaccard 41 (reordered words, a dropped "Je,", one place name changed
in a template), which is what must not straddle a split.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from tqdm.auto import tqdm

from ..quality.textsim import jaccard, word_shingles

_PROGRESS_MIN = 2000
_EPS = 1e-9


def _prefix_len(n: int, threshold: float) -> int:
    return n - math.ceil(threshold * n - _EPS) + 1


class _Index:
    """Inverted index over the rare-first prefixes of the sets inserted so far."""

    def __init__(self, sets: list[frozenset[str]], threshold: float):
        freq = Counter(tok for s in sets for tok in s)
        self.rank = {tok: (freq[tok], tok) for tok in freq}
        self.sets, self.threshold = sets, threshold
        self.postings: dict[str, list[int]] = defaultdict(list)

    def _prefix(self, i: int) -> list[str]:
        ordered = sorted(self.sets[i], key=self.rank.__getitem__)
        return ordered[: _prefix_len(len(ordered), self.threshold)]

    def matches(self, j: int) -> list[tuple[int, float]]:
        """Indexed items whose Jaccard with item ``j`` reaches the threshold."""
        s, seen, out = self.sets[j], set(), []
        for tok in self._prefix(j):
            for i in self.postings.get(tok, ()):
                if i in seen:
                    continue
                seen.add(i)
                sim = jaccard(self.sets[i], s)
                if sim >= self.threshold - _EPS:
                    out.append((i, sim))
        return sorted(out)

    def insert(self, i: int) -> None:
        for tok in self._prefix(i):
            self.postings[tok].append(i)


def near_duplicate_pairs(
    texts: list[str], threshold: float, size: int = 1
) -> list[tuple[int, int, float]]:
    """All index pairs ``(i, j, similarity)`` with ``i < j`` and Jaccard >= ``threshold``.

    Args:
        texts: the texts to compare.
        threshold: the Jaccard at or above which two texts are near-duplicates, in (0, 1].
        size: words per shingle.

    Returns:
        The pairs, sorted; empty texts pair with nothing.

    Raises:
        ValueError: a threshold outside (0, 1].

    Examples:
        >>> near_duplicate_pairs(["Je, mji mkuu wa Kenya ni upi?", "Mji mkuu wa Kenya ni upi",
        ...                       "Mvua inanyesha"], 0.8)
        [(0, 1, 0.8571428571428571)]
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"near-duplicate threshold must be in (0, 1], got {threshold!r}")
    sets = [word_shingles(t, size) for t in texts]
    index = _Index(sets, threshold)
    pairs = []
    for j in tqdm(range(len(sets)), desc="near-duplicates", disable=len(sets) < _PROGRESS_MIN):
        if not sets[j]:
            continue
        pairs.extend((i, j, sim) for i, sim in index.matches(j))
        index.insert(j)
    return sorted(pairs)


def cluster(n: int, pairs: Iterable[tuple[int, int, float]]) -> list[int]:
    """Connected components of the near-duplicate graph: per item, its component's smallest index.

    Transitive on purpose: if A~B and B~C, all three stay on one side of a split.

    Args:
        n: the number of items.
        pairs: ``(i, j, similarity)`` edges, as :func:`near_duplicate_pairs` returns.

    Returns:
        For each item, the smallest item index in its component (its cluster id).

    Examples:
        >>> cluster(5, [(0, 1, 0.9), (1, 3, 0.9)])
        [0, 0, 2, 0, 4]
    """
    edges = np.array([(i, j) for i, j, _ in pairs], dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    first = np.full(component.max(initial=-1) + 1, n, dtype=np.int64)
    np.minimum.at(first, component, np.arange(n))
    return first[component].tolist()


def keep_novel(
    texts: list[str], threshold: float, size: int = 1
) -> tuple[list[int], dict[int, int]]:
    """Greedy lexical-novelty filter over texts given best first.

    Args:
        texts: the texts, best first.
        threshold: the Jaccard at or above which a text duplicates a kept one, in (0, 1].
        size: words per shingle.

    Returns:
        The kept indices and, for each dropped index, the kept index it
        duplicates (so a report can show what replaced it).

    Raises:
        ValueError: a threshold outside (0, 1].
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"near-duplicate threshold must be in (0, 1], got {threshold!r}")
    sets = [word_shingles(t, size) for t in texts]
    index = _Index(sets, threshold)
    kept: list[int] = []
    dropped: dict[int, int] = {}
    for j in tqdm(range(len(sets)), desc="lexical novelty", disable=len(sets) < _PROGRESS_MIN):
        dup = index.matches(j) if sets[j] else []
        if dup:
            dropped[j] = dup[0][0]
            continue
        kept.append(j)
        if sets[j]:
            index.insert(j)
    return kept, dropped
