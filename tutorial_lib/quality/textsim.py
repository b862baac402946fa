"""Text similarity for the whole kit: one normalisation, shingles, Jaccard, containment, MinHash.

The quality rules (an answer copying the prompt, near-duplicate answers,
control answers) and dataset curation (near-duplicate prompts across the
split, lexical novelty of training answers) share one definition of "the same
text", so a threshold means the same thing in both wings. The rules, for
every caller:

- **Normalisation**: NFKC, case-folded, every run of non-word characters
  (punctuation, spaces) becomes one space. Case, accents' normal form and
  punctuation do not count.
- **Shingles**: character k-grams (:func:`char_shingles`) or word n-grams
  (:func:`word_shingles`) of the normalised text. A text shorter than one
  shingle is one shingle. A text without any word character (``"?!"``) is its
  own single shingle (case-folded, spaces collapsed), so two identical
  symbol-only answers still compare equal. An empty or blank text has none.
- **Jaccard** ``|a & b| / |a | b|`` is 0.0 when either set is empty: an empty
  text is similar to nothing, not even to another empty text (so empty
  answers are never near-duplicates of each other; they are ``too_short``).
"""

from __future__ import annotations

import re
import unicodedata

from datasketch import MinHash

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower-case (case-fold), NFKC, punctuation to spaces, whitespace collapsed.

    Args:
        text: any text (None counts as empty).

    Returns:
        The normalised text.

    Examples:
        >>> normalise("  Habari, ZA asubuhi?! ")
        'habari za asubuhi'
    """
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def _symbols_only(text: str) -> frozenset[str]:
    """The fallback for a text without word characters: itself, or nothing when blank."""
    folded = " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())
    return frozenset([folded]) if folded else frozenset()


def char_shingles(text: str, k: int = 5) -> frozenset[str]:
    """Character ``k``-grams of the normalised text (see the module's rules).

    Args:
        text: the text.
        k: the shingle length in characters.

    Returns:
        The set of k-grams.

    Examples:
        >>> sorted(char_shingles("Jambo!", k=4))
        ['ambo', 'jamb']
        >>> char_shingles("?!") == char_shingles(" ?! "), char_shingles("   ")
        (True, frozenset())
    """
    norm = normalise(text)
    if not norm:
        return _symbols_only(text)
    if len(norm) <= k:
        return frozenset([norm])
    return frozenset(norm[i : i + k] for i in range(len(norm) - k + 1))


def word_shingles(text: str, n: int = 1) -> frozenset[str]:
    """Word ``n``-grams of the normalised text (see the module's rules).

    Args:
        text: the text.
        n: words per shingle (1: the set of words).

    Returns:
        The set of n-grams, each as its words joined by one space.

    Examples:
        >>> sorted(word_shingles("Mtoto anasoma, mtoto anaandika.", n=2))
        ['anasoma mtoto', 'mtoto anaandika', 'mtoto anasoma']
    """
    words = normalise(text).split()
    if not words:
        return _symbols_only(text)
    if len(words) < n:
        return frozenset([" ".join(words)])
    return frozenset(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    """``|a & b| / |a | b|``; 0.0 when either set is empty.

    Args:
        a: one shingle set.
        b: the other.

    Returns:
        The similarity, 0..1.

    Examples:
        >>> jaccard(word_shingles("mvua inanyesha leo"), word_shingles("mvua inanyesha sana leo"))
        0.75
        >>> jaccard(word_shingles(""), word_shingles(""))
        0.0
    """
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def containment(part: frozenset[str] | set[str], whole: frozenset[str] | set[str]) -> float:
    """Share of ``part``'s shingles found in ``whole`` (how much of part was copied); 0 when empty.

    Args:
        part: the shingles of the text that may have copied.
        whole: the shingles of the source.

    Returns:
        The share, 0..1.
    """
    if not part:
        return 0.0
    return len(part & whole) / len(part)


def minhash(items: frozenset[str] | set[str], num_perm: int = 64, seed: int = 1) -> MinHash:
    """A MinHash signature of a shingle set (stable across runs: fixed seed).

    Args:
        items: the shingles.
        num_perm: the number of permutations (signature length).
        seed: the hash seed.

    Returns:
        A datasketch ``MinHash``.
    """
    m = MinHash(num_perm=num_perm, seed=seed)
    for item in items:
        m.update(item.encode("utf-8"))
    return m
