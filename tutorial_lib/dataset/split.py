"""Train / held-out split BY PROMPT, keeping near-duplicate prompts together, stratified by category.

Splitting answers at random would put one prompt's answers on both sides and
the held-out score would reward memorising that prompt. So the unit of the
split is a *cluster* of prompts: a prompt plus every prompt whose word-set
Jaccard similarity reaches the threshold (transitively). Each category gives
the held-out side its proportional share of prompts (largest remainder, so the
total matches the requested fraction), always keeping at least one prompt of a
category on the training side. Everything is deterministic given the seed.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from ..instruction import model_input
from ..records import Prompt
from .dedup import cluster, near_duplicate_pairs


@dataclass
class PromptSplit:
    """Which prompts went where, and the near-duplicate clusters that constrained it."""

    train: set[str]
    heldout: set[str]
    cluster_of: dict[str, str]
    near_duplicate_pairs: list[tuple[str, str, float]]

    def side(self, prompt_id: str) -> str | None:
        """Which side of the split a prompt is on.

        Args:
            prompt_id: a prompt's id.

        Returns:
            ``"heldout"``, ``"train"``, or None for a prompt that was not split
            (not eligible, e.g. it had no reference and no accepted answer).

        Examples:
            >>> split = PromptSplit({"p1"}, {"p2"}, {}, [])
            >>> split.side("p2"), split.side("p9")
            ('heldout', None)
        """
        if prompt_id in self.heldout:
            return "heldout"
        return "train" if prompt_id in self.train else None


def prompt_clusters(prompts: list[Prompt], threshold: float) -> tuple[dict[str, str], list]:
    """A cluster id (its first prompt's id) per prompt id, and the near-duplicate pairs found.

    Args:
        prompts: the prompts; each is compared as the model sees it (prompt plus context).
        threshold: word-set Jaccard at or above which two prompts are near-duplicates.

    Returns:
        ``(cluster_of, pairs)``: ``{prompt id: cluster id}`` and the
        ``(id, id, similarity)`` pairs, similarity rounded to 4 places.
    """
    texts = [model_input(p.prompt, p.context) for p in prompts]
    pairs = near_duplicate_pairs(texts, threshold)
    roots = cluster(len(prompts), pairs)
    cluster_of = {p.id: prompts[root].id for p, root in zip(prompts, roots)}
    named = [(prompts[i].id, prompts[j].id, round(sim, 4)) for i, j, sim in pairs]
    return cluster_of, named


def _quotas(sizes: dict[str, int], fraction: float, rng: random.Random) -> dict[str, int]:
    """Held-out prompts per category: proportional, largest remainder, one train prompt kept."""
    total = round(fraction * sum(sizes.values()))
    exact = {c: fraction * n for c, n in sizes.items()}
    quota = {c: min(math.floor(x), max(sizes[c] - 1, 0)) for c, x in exact.items()}
    order = sorted(sizes, key=lambda c: (-(exact[c] - math.floor(exact[c])), rng.random()))
    for cat in order:
        if sum(quota.values()) >= total:
            break
        if quota[cat] < sizes[cat] - 1:
            quota[cat] += 1
    return quota


def split_prompts(
    prompts: list[Prompt],
    eligible: dict[str, bool],
    fraction: float,
    threshold: float,
    seed: int = 0,
) -> PromptSplit:
    """Assign every prompt in ``eligible`` to train or held-out, by cluster.

    Args:
        prompts: every prompt; those not in ``eligible`` are left out of both sides.
        eligible: prompt id -> whether it may be held out (it has at least one
            reference); a cluster goes to held-out only if all its members may.
        fraction: the held-out share of the eligible prompts, in (0, 1).
        threshold: word-set Jaccard that joins prompts into one cluster.
        seed: the shuffle seed; the same seed gives the same split.

    Returns:
        The split, with the clusters and near-duplicate pairs behind it.
    """
    chosen = [p for p in prompts if p.id in eligible]
    cluster_of, pairs = prompt_clusters(chosen, threshold)
    members: dict[str, list[Prompt]] = defaultdict(list)
    for p in chosen:
        members[cluster_of[p.id]].append(p)
    by_cat: dict[str, list[str]] = defaultdict(list)
    for root, group in members.items():
        cat = Counter(p.category for p in group).most_common()
        by_cat[min(c for c, n in cat if n == cat[0][1])].append(root)
    rng = random.Random(seed)
    sizes = {c: sum(len(members[r]) for r in roots) for c, roots in by_cat.items()}
    quota = _quotas(sizes, fraction, rng)
    heldout: set[str] = set()
    for cat in sorted(by_cat):
        roots = sorted(by_cat[cat])
        rng.shuffle(roots)
        taken = 0
        for root in roots:
            group = members[root]
            if taken + len(group) > quota[cat] or not all(eligible[p.id] for p in group):
                continue
            heldout.update(p.id for p in group)
            taken += len(group)
    train = {p.id for p in chosen} - heldout
    return PromptSplit(
        train=train, heldout=heldout, cluster_of=cluster_of, near_duplicate_pairs=pairs
    )
