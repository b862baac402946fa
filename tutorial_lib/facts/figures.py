"""Figures for notebook 01: why low-resource languages lag, and what fair pay costs.

The first fact is cited, not computed: how little Swahili there is in a large
English-first pretraining corpus (GPT-3's own published per-language word
counts). The second is computed live, offline: train a small SentencePiece
tokenizer on an English-heavy mix and on a balanced mix of the kit's parallel
prompts and count how many pieces each language needs for the same meaning
("fertility"; Rust et al. 2021, https://aclanthology.org/2021.acl-long.243/;
Petrov et al. 2023, https://arxiv.org/abs/2305.15425). More pieces per word
means a shorter effective context, higher cost and a harder learning problem.
Two pricing figures (reward per task, cost by overlap) draw on ``crowd.pricing``.

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable

from ..finetune.models import fertility
from ..viz import NotebookFigure

logger = logging.getLogger(__name__)

# GPT-3 training data, share of words per language (selected rows, verbatim).
GPT3_SOURCE = (
    "OpenAI, GPT-3 dataset statistics, languages_by_word_count.csv, "
    "https://github.com/openai/gpt-3/blob/cf8c236919d8dae322be5535410853f20b0b4c7a/"
    "dataset_statistics/languages_by_word_count.csv"
)
GPT3_WORDS = {
    "en": ("English", 181_014_683_608, 92.64708),
    "fr": ("French", 3_553_061_536, 1.81853),
    "de": ("German", 2_870_869_396, 1.46937),
    "es": ("Spanish", 1_510_070_974, 0.77289),
    "ja": ("Japanese", 217_047_918, 0.11109),
    "zh": ("Chinese", 193_517_396, 0.09905),
    "ar": ("Arabic", 60_839_973, 0.03114),
    "hi": ("Hindi", 9_434_632, 0.00483),
    "af": ("Afrikaans", 5_461_216, 0.00280),
    "rw": ("Kinyarwanda", 1_430_208, 0.00073),
    "sw": ("Swahili", 585_858, 0.00030),
    "lg": ("Luganda", 261_217, 0.00013),
}


def language_share(codes: Iterable[str] | None = None) -> list[dict]:
    """Rows ``{"code","language","words","percent","source"}`` from GPT-3's published counts.

    Taught in notebooks/01_crowdsourcing_basics.
    """
    codes = list(codes) if codes is not None else list(GPT3_WORDS)
    unknown = [c for c in codes if c not in GPT3_WORDS]
    if unknown:
        raise KeyError(f"no share recorded for {unknown}; known codes: {', '.join(GPT3_WORDS)}")
    return [
        {
            "code": c,
            "language": GPT3_WORDS[c][0],
            "words": GPT3_WORDS[c][1],
            "percent": GPT3_WORDS[c][2],
            "source": GPT3_SOURCE,
        }
        for c in codes
    ]


def _share_bars(
    labels: list[str],
    values: list[float],
    hot: list[bool],
    color: str,
    xlabel: str,
    title: str,
    height: float,
):
    """Horizontal log-scale bars with value labels; ``hot`` bars in the highlight colour."""
    fig = NotebookFigure(figsize=(7, height), dpi=100)
    ax = fig.add_subplot()
    labels, values = labels[::-1], values[::-1]
    ax.barh(labels, values, color=["#d95f02" if h else color for h in hot[::-1]])
    ax.set_xscale("log")
    for y, v in enumerate(values):
        ax.text(v * 1.15, y, f"{v:g}%", va="center", fontsize=8)
    ax.set_xlim(min(values) / 3, max(values) * 20)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_language_share(rows: list[dict] | None = None, highlight: str = "sw"):
    """Horizontal bars of word share on a log axis; ``highlight`` is drawn in a second colour.

    Taught in notebooks/01_crowdsourcing_basics.
    """
    rows = rows if rows is not None else language_share()
    hot = next((r for r in rows if r["code"] == highlight), None)
    return _share_bars(
        [r["language"] for r in rows],
        [r["percent"] for r in rows],
        [r["code"] == highlight for r in rows],
        "#7570b3",
        "share of words in GPT-3's training data (%, log scale)",
        f"{hot['language']}: {hot['percent']:g}% of the words" if hot else "",
        3.6,
    )


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
    Returns rows ``{"sw_share","sw_fertility","en_fertility","premium","vocab_size"}``.

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


def plot_reward_curve(
    hourly_rates: Iterable[float] = (2.0, 6.0, 12.0),
    seconds: Iterable[float] = (15, 30, 60, 120, 180, 240),
):
    """Reward per assignment against task time, one line per hourly target (fair pay, visually).

    Taught in notebooks/01_crowdsourcing_basics.
    """
    from ..crowd.pricing import reward_per_assignment

    seconds = list(seconds)
    fig = NotebookFigure(figsize=(6.4, 3.4), dpi=100)
    ax = fig.add_subplot()
    for hourly in hourly_rates:
        ax.plot(
            seconds,
            [reward_per_assignment(s, hourly) for s in seconds],
            marker="o",
            label=f"${hourly:g}/h",
        )
    ax.set_xlabel("median seconds per task (measure it in a pilot)")
    ax.set_ylabel("reward per assignment (USD)")
    ax.legend(title="target pay")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_cost_by_overlap(
    crowd_cfg=None, n_prompts: int = 160, overlaps: Iterable[int] = range(1, 6)
):
    """Stacked bars: Part I answers plus Part II votes, as the validation overlap grows.

    Taught in notebooks/01_crowdsourcing_basics.
    """
    from ..config import CrowdConfig
    from ..crowd.pricing import estimate_cost

    c = crowd_cfg or CrowdConfig()
    overlaps = list(overlaps)
    answers = estimate_cost(
        n_prompts,
        c.answer_overlap,
        c.seconds_per_answer,
        c.hourly_pay_usd,
        c.control_share,
        c.platform_fee,
    ).total_usd
    votes = [
        estimate_cost(
            n_prompts * c.answer_overlap,
            k,
            c.seconds_per_vote,
            c.hourly_pay_usd,
            c.control_share,
            c.platform_fee,
        ).total_usd
        for k in overlaps
    ]
    fig = NotebookFigure(figsize=(6.4, 3.4), dpi=100)
    ax = fig.add_subplot()
    ax.bar(overlaps, [answers] * len(overlaps), label="Part I answers", color="#7570b3")
    ax.bar(
        overlaps, votes, bottom=[answers] * len(overlaps), label="Part II votes", color="#d95f02"
    )
    ax.set_xlabel("validation votes per answer (overlap)")
    ax.set_ylabel("total cost, USD (fees included)")
    ax.set_title(
        f"{n_prompts} prompts x {c.answer_overlap} answers at ${c.hourly_pay_usd:g}/h", fontsize=10
    )
    ax.legend()
    fig.tight_layout()
    return fig


# Registry ids behind the two-source language chart: (language, GPT-3 word share, CC page share).
DATA_SHARE_IDS = (
    ("English", "gpt3_en_word_share", "cc_eng_page_share_2024_42"),
    ("German", None, "cc_deu_page_share_2024_42"),
    ("Hindi", None, "cc_hin_page_share_2024_42"),
    ("Swahili", "gpt3_sw_word_share", "cc_swa_page_share_2024_42"),
    ("Yoruba", None, "cc_yor_page_share_2024_42"),
)


def data_share_rows() -> list[dict]:
    """Rows ``{"language","common_crawl_pct","gpt3_pct","sources"}`` read from the registry."""
    from .registry import get

    rows = []
    for language, gpt3_id, cc_id in DATA_SHARE_IDS:
        cc = get(cc_id)
        gpt3 = get(gpt3_id) if gpt3_id else None
        rows.append(
            {
                "language": language,
                "common_crawl_pct": cc.value,
                "gpt3_pct": gpt3.value if gpt3 else None,
                "sources": "; ".join(f.source_url for f in (cc, gpt3) if f),
            }
        )
    return rows


def plot_data_share(rows: list[dict] | None = None, highlight: str = "Swahili"):
    """Log-scale bars: share of Common Crawl pages (CC-MAIN-2024-42) per language, sourced.

    Taught in notebooks/01_crowdsourcing_basics.
    """
    rows = rows if rows is not None else data_share_rows()
    return _share_bars(
        [r["language"] for r in rows],
        [r["common_crawl_pct"] for r in rows],
        [r["language"] == highlight for r in rows],
        "#1b9e77",
        "share of HTML pages by primary language, Common Crawl CC-MAIN-2024-42 (%, log)",
        "Web text is not shared out by speakers",
        3.4,
    )


def plot_published_results(
    matrix: dict[str, dict[str, float]] | None = None,
    tasks: tuple[str, ...] = ("xcopa", "xnli", "xstorycloze"),
):
    """Grouped bars of published Swahili accuracy per model (registry), with chance lines.

    Taught in notebooks/01_crowdsourcing_basics.
    """
    from .registry import benchmark_matrix

    matrix = matrix if matrix is not None else benchmark_matrix("sw")
    chance = {"xcopa": 0.5, "xnli": 1 / 3, "xstorycloze": 0.5}
    fig = NotebookFigure(figsize=(7.2, 3.6), dpi=100)
    ax = fig.add_subplot()
    width = 0.8 / max(len(matrix), 1)
    for i, (model, scores) in enumerate(matrix.items()):
        xs = [t + i * width - 0.4 + width / 2 for t in range(len(tasks))]
        ax.bar(xs, [scores.get(task, 0) for task in tasks], width, label=model)
    for t, task in enumerate(tasks):
        ax.hlines(chance[task], t - 0.45, t + 0.45, colors="grey", linestyles="dashed")
    ax.set_xticks(
        range(len(tasks)), [t.upper() if t != "xstorycloze" else "XStoryCloze" for t in tasks]
    )
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy in Swahili (published)")
    ax.set_title("Published results in Swahili (dashed: chance)", fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig
