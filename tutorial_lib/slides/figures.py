"""Figures the deck embeds as ``![caption](kit:NAME)``, drawn by the kit at build time.

Each entry calls the same library function a notebook cell calls, so a slide
cannot show a number the kit no longer produces. Figures are cached per build
(one deck may show a figure twice) and rendered to PNG bytes.

Taught in notebooks/01_crowdsourcing_basics (the deck that goes with it).
"""
from __future__ import annotations

import io
import logging
from collections.abc import Callable
from functools import cache

logger = logging.getLogger(__name__)

SEED_PROMPTS = "data/prompts/seed_sw.jsonl"


def _seed_prompts():
    from ..config import resolve_path
    from ..data.prompts import load_prompts

    return load_prompts(resolve_path(SEED_PROMPTS))


def language_share():
    from ..facts import plot_language_share

    return plot_language_share()


def fertility():
    from ..facts import fertility_experiment, plot_fertility

    return plot_fertility(fertility_experiment(_seed_prompts(), shares=(0.03, 0.5)))


def seed_categories():
    from ..viz import plot_category_counts

    return plot_category_counts([{"category": p.category} for p in _seed_prompts()])


def fair_pay():
    from ..facts import plot_reward_curve

    return plot_reward_curve()


def cost_by_overlap():
    from ..facts import plot_cost_by_overlap

    return plot_cost_by_overlap()


FIGURES: dict[str, Callable] = {
    "language_share": language_share,
    "fertility": fertility,
    "seed_categories": seed_categories,
    "fair_pay": fair_pay,
    "cost_by_overlap": cost_by_overlap,
}


@cache
def render(name: str) -> bytes:
    """PNG bytes of figure ``name``; an unknown name raises ``KeyError`` listing the known ones."""
    if name not in FIGURES:
        raise KeyError(f"unknown kit figure {name!r}; known: {', '.join(sorted(FIGURES))}")
    fig = FIGURES[name]()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    logger.info("drew kit figure %s (%d bytes)", name, buf.tell())
    return buf.getvalue()
