"""The live tokenizer experiment of notebook 01: who pays more tokens for the same meaning.

Train a small SentencePiece tokenizer on an English-heavy mix and on a balanced
mix of the kit's parallel prompts, then count how many pieces each language
needs for the same held-out sentences ("fertility"; Rust et al. 2021,
https://aclanthology.org/2021.acl-long.243/; Petrov et al. 2023,
https://arxiv.org/abs/2305.15425). More pieces per word means a shorter
effective context, higher cost and a harder learning problem. Runs offline in
seconds on the shipped seed prompts.

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable

from ..finetune.models import fertility
from ..viz import NotebookFigure

logger = logging.getLogger(__name__)


def _parallel_pairs(prompts) -> list[tuple[str, str, list[str]]]:
    """(Swahili prompt, English prompt, other Swahili text) for prompts that have both."""
    pairs = []
    for p in prompts:
        if p.prompt_en.strip():
            extra = [t for t in (*p.references, p.context) if t.strip()]
            pairs.append((p.prompt, p.prompt_en, extra))
    if len(pairs) < 10:
        raise ValueError(f"need at least 10 prompts with an English original, got {len(pairs)}")
    return pairs


def _mix(sw: list[str], en: list[str], sw_share: float, rng: random.Random) -> list[str]:
    """All English text plus enough Swahili that Swahili is ``sw_share`` of the characters."""
    en_chars = sum(map(len, en))
    want = en_chars * sw_share / (1 - sw_share)
    pool, picked, have = sw[:], [], 0
    rng.shuffle(pool)
    while pool and have < want:
        text = pool.pop()
        picked.append(text)
        have += len(text)
    if have < want * 0.9:
        logger.warning(
            "only %d Swahili characters for a %.0f%% share (wanted %d)", have, sw_share * 100, want
        )
    return en + picked


def fertility_experiment(
    prompts,
    shares: Iterable[float] = (0.03, 0.5),
    vocab_size: int = 600,
    heldout_fraction: float = 0.25,
    seed: int = 0,
) -> list[dict]:
    """Train one tokenizer per Swahili share and measure both languages on held-out pairs.

    Held-out prompts are parallel (same meaning in both languages), so the ratio
    of Swahili to English tokens is the "tokenization premium" a Swahili user pays.

    Args:
        prompts: :class:`~tutorial_lib.records.Prompt` records; those with an
            English original (``prompt_en``) are used, at least 10 of them.
        shares: Swahili's share of the training characters (all English text plus
            enough Swahili), each in (0, 1); one tokenizer per share.
        vocab_size: pieces per tokenizer; small, to fit the seed set's few sentences.
        heldout_fraction: share of the parallel pairs kept out of training and
            measured (at least 5 pairs).
        seed: the shuffle's seed; the same seed gives the same rows.

    Returns:
        One row per share: ``{"sw_share", "vocab_size", "sw_fertility",
        "en_fertility", "premium"}``, fertility in tokens per word and ``premium``
        the Swahili/English token ratio on the same held-out meaning.

    Raises:
        ValueError: fewer than 10 prompts with an English original, or a share
            outside (0, 1).

    Taught in notebooks/01_crowdsourcing_basics.
    """
    from ..finetune.tiny import build_tiny_tokenizer

    rng = random.Random(seed)
    pairs = _parallel_pairs(prompts)
    rng.shuffle(pairs)
    n_held = max(5, int(len(pairs) * heldout_fraction))
    held, train = pairs[:n_held], pairs[n_held:]
    sw_train = [t for sw, _, extra in train for t in (sw, *extra)]
    en_train = [en for _, en, _ in train]
    rows = []
    for share in shares:
        if not 0 < share < 1:
            raise ValueError(f"share must be in (0, 1), got {share}")
        tok = build_tiny_tokenizer(_mix(sw_train, en_train, share, rng), vocab_size=vocab_size)
        sw_tokens = sum(len(tok.tokenize(sw)) for sw, _, _ in held)
        en_tokens = sum(len(tok.tokenize(en)) for _, en, _ in held)
        rows.append(
            {
                "sw_share": share,
                "vocab_size": len(tok),
                "sw_fertility": round(fertility(tok, [sw for sw, _, _ in held]), 3),
                "en_fertility": round(fertility(tok, [en for _, en, _ in held]), 3),
                "premium": round(sw_tokens / en_tokens, 3),
            }
        )
    return rows


def plot_fertility(rows: list[dict]):
    """Grouped bars: tokens per word for Swahili and English, one group per training mix.

    Args:
        rows: the rows of :func:`fertility_experiment`; each group's label shows
            its Swahili share and premium.

    Returns:
        The matplotlib figure.

    Taught in notebooks/01_crowdsourcing_basics.
    """
    fig = NotebookFigure(figsize=(6, 3.4), dpi=100)
    ax = fig.add_subplot()
    xs = range(len(rows))
    ax.bar(
        [x - 0.2 for x in xs],
        [r["sw_fertility"] for r in rows],
        0.4,
        label="Swahili",
        color="#d95f02",
    )
    ax.bar(
        [x + 0.2 for x in xs],
        [r["en_fertility"] for r in rows],
        0.4,
        label="English",
        color="#7570b3",
    )
    ax.set_xticks(
        list(xs), [f"{r['sw_share']:.0%} Swahili\n(premium x{r['premium']:.2f})" for r in rows]
    )
    ax.set_ylabel("tokens per word (held-out prompts)")
    ax.set_title("Same prompts, same vocabulary size: who pays more tokens?", fontsize=10)
    ax.legend()
    fig.tight_layout()
    return fig
