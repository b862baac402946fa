"""Near-duplicate search: the prefix-filtered index finds exactly the brute-force pairs."""

from __future__ import annotations

import itertools
import random
import unicodedata

from tutorial_lib.dataset.dedup import cluster, keep_novel, near_duplicate_pairs
from tutorial_lib.quality.textsim import jaccard, word_shingles


def _texts(seed: int, n: int = 150) -> list[str]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(25)]
    texts = [" ".join(rng.choices(vocab, k=rng.randint(1, 12))) for _ in range(n)]
    # Near-copies: drop or add one word.
    return (
        texts
        + [t + " ziada" for t in texts[:20]]
        + [" ".join(t.split()[1:]) or t for t in texts[20:40]]
    )


def test_pairs_equal_brute_force():
    for seed, threshold in itertools.product(range(3), [0.3, 0.5, 0.8, 1.0]):
        texts = _texts(seed)
        sets = [word_shingles(t) for t in texts]
        brute = [
            (i, j)
            for i, j in itertools.combinations(range(len(texts)), 2)
            if jaccard(sets[i], sets[j]) >= threshold
        ]
        assert [(i, j) for i, j, _ in near_duplicate_pairs(texts, threshold)] == brute


def test_shingles_ignore_case_punctuation_and_normal_form():
    a = unicodedata.normalize("NFD", "Mtoto anasoma kitabu cha Ñaña.")
    b = "mtoto ANASOMA kitabu, cha ñaña!"
    assert word_shingles(a) == word_shingles(b)
    assert word_shingles("a b c", n=2) == {"a b", "b c"}


def test_cluster_is_transitive():
    assert cluster(5, [(0, 1, 0.9), (1, 3, 0.9)]) == [0, 0, 2, 0, 4]


def test_keep_novel_keeps_the_first_of_each_group():
    texts = ["moja mbili tatu nne tano", "nyingine kabisa", "moja mbili tatu nne tano sita"]
    kept, dropped = keep_novel(texts, 0.8)
    assert kept == [0, 1] and dropped == {2: 0}


def test_cluster_ids_are_the_smallest_index_of_each_component():
    assert cluster(4, []) == [0, 1, 2, 3]
    assert cluster(0, []) == []
    assert cluster(6, [(4, 5, 1.0), (2, 5, 0.8), (0, 1, 0.9)]) == [0, 0, 2, 3, 2, 2]


def test_symbol_only_texts_compare_equal_and_empty_texts_never_do():
    assert jaccard(word_shingles("?!"), word_shingles(" ?! ")) == 1.0
    assert word_shingles("   ") == frozenset() and jaccard(frozenset(), frozenset()) == 0.0
    assert near_duplicate_pairs(["", "", "?!", "?!"], 0.8) == [(2, 3, 1.0)]
