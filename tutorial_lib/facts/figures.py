"""Figures for notebook 01: why low-resource languages lag, and what fair pay costs.

These facts are cited, not computed: how little Swahili there is in a large
English-first pretraining corpus (GPT-3's own published per-language word
counts), in Common Crawl, and in published benchmark results (all from the
registry). Two pricing figures (reward per task, cost by overlap) draw on
``crowd.pricing``. The live tokenizer experiment is :mod:`.tokenization`.

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..viz import NotebookFigure

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
    """How little of GPT-3's training text each language had, from OpenAI's published counts.

    Args:
        codes: ISO 639-1 codes to keep, in this order (any of :data:`GPT3_WORDS`);
            None for every recorded language, English first.

    Returns:
        One row per code: ``{"code", "language", "words", "percent", "source"}``,
        ``percent`` being the share of all training words (0-100).

    Raises:
        KeyError: a code has no recorded share (the message lists the known codes).

    Examples:
        >>> [(r["language"], r["percent"]) for r in language_share(["sw", "en"])]
        [('Swahili', 0.0003), ('English', 92.64708)]

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

    A log axis is what makes the point: on a linear one every language but
    English is an invisible sliver.

    Args:
        rows: rows of :func:`language_share`; None draws every recorded language.
        highlight: the code to colour and name in the title (``"sw"``).

    Returns:
        The matplotlib figure (shows itself in a notebook).

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


def plot_reward_curve(
    hourly_rates: Iterable[float] = (2.0, 6.0, 12.0),
    seconds: Iterable[float] = (15, 30, 60, 120, 180, 240),
):
    """Reward per assignment against task time, one line per hourly target (fair pay, visually).

    Rewards come from :func:`~tutorial_lib.crowd.pricing.reward_per_assignment`,
    the same rule the crowd backends pay by.

    Args:
        hourly_rates: target pay in USD per hour, one line each.
        seconds: median task times in seconds (the x axis).

    Returns:
        The matplotlib figure.

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

    Costs come from :func:`~tutorial_lib.crowd.pricing.estimate_cost` (control
    tasks and platform fee included), so the bars match what a launch would charge.

    Args:
        crowd_cfg: the ``crowd`` config section (pay, task times, overlap, fee);
            None uses :class:`~tutorial_lib.config.CrowdConfig`'s defaults.
        n_prompts: prompts sent to Part I.
        overlaps: validation votes per answer to compare, one bar each.

    Returns:
        The matplotlib figure.

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
    """Two sources side by side per language: Common Crawl's page share and GPT-3's word share.

    Returns:
        One row per language of :data:`DATA_SHARE_IDS`:
        ``{"language", "common_crawl_pct", "gpt3_pct", "sources"}``, percentages
        (0-100) from the facts registry, ``gpt3_pct`` None where GPT-3 has no
        recorded share, ``sources`` the URLs joined by ``"; "``.

    Examples:
        >>> data_share_rows()[3]["language"], data_share_rows()[3]["gpt3_pct"]
        ('Swahili', 0.0003)
    """
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

    Args:
        rows: rows of :func:`data_share_rows`; None reads them from the registry.
        highlight: the language drawn in the highlight colour.

    Returns:
        The matplotlib figure.

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

    The dashed chance line per task is what a model that guesses scores, so a
    bar near it means the model has not learned the task in Swahili.

    Args:
        matrix: ``{model: {task: accuracy 0-1}}``; None reads
            :func:`~tutorial_lib.facts.registry.benchmark_matrix` for Swahili.
        tasks: the tasks to draw, in order (``xcopa``, ``xnli``, ``xstorycloze``);
            a missing score is drawn as 0 (no visible bar).

    Returns:
        The matplotlib figure.

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
