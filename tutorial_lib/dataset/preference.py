"""Preference pairs for DPO/RLHF from answers of different aggregated helpfulness.

The crowd already paid for the signal: when one prompt has an accepted answer
and a worse one (rejected by the validators, or accepted with a clearly lower
score), the pair ``(prompt, chosen, rejected)`` is exactly what TRL's
``DPOTrainer`` reads (string columns ``prompt``, ``chosen``, ``rejected``).
Provenance keys ride along; TRL ignores extra columns.

Only answers the validators actually voted on can be ``rejected`` by default:
an answer refused by quality control for speed or a duplicate says little about
helpfulness, and an empty or off-language reply teaches DPO nothing useful.

Taught in notebooks/04_instruction_finetuning.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict

logger = logging.getLogger(__name__)
MIN_MARGIN = 0.2
MAX_PAIRS_PER_PROMPT = 4
_SPACE = re.compile(r"\s+")


def _same_text(a: str, b: str) -> bool:
    return _SPACE.sub(" ", a).strip().casefold() == _SPACE.sub(" ", b).strip().casefold()


def _pairs_for_prompt(cands: list[dict], min_margin: float, limit: int) -> tuple[list[dict], int]:
    pairs, identical = [], 0
    for chosen in cands:
        if chosen["verdict"] != "accept":
            continue
        for rejected in cands:
            if rejected is chosen or float(rejected["score"]) > float(chosen["score"]) - min_margin:
                continue
            if _same_text(chosen["answer"], rejected["answer"]):
                identical += 1
                continue
            pairs.append(_pair(chosen, rejected))
    pairs.sort(key=lambda p: (-p["margin"], p["chosen_id"], p["rejected_id"]))
    return pairs[:limit], identical


def _pair(chosen: dict, rejected: dict) -> dict:
    margin = round(float(chosen["score"]) - float(rejected["score"]), 6)
    return {
        "prompt": chosen["prompt"],
        "chosen": chosen["answer"],
        "rejected": rejected["answer"],
        "prompt_id": chosen["prompt_id"],
        "category": chosen["category"],
        "chosen_id": chosen["id"],
        "rejected_id": rejected["id"],
        "chosen_score": float(chosen["score"]),
        "rejected_score": float(rejected["score"]),
        "rejected_verdict": rejected["verdict"],
        "margin": margin,
    }


def preference_pairs(
    candidates: list[dict],
    *,
    min_margin: float = MIN_MARGIN,
    max_pairs_per_prompt: int = MAX_PAIRS_PER_PROMPT,
    include_unvoted: bool = False,
) -> tuple[list[dict], dict]:
    """TRL-ready ``{"prompt", "chosen", "rejected"}`` pairs plus counts of what was skipped.

    A pair needs an accepted ``chosen`` whose score beats ``rejected``'s by at
    least ``min_margin`` (tiny gaps are aggregation noise, not preference) and a
    different text; only the strongest pairs per prompt are kept, so prompts
    with many answers do not dominate.

    Args:
        candidates: answer rows with ``id``, ``prompt_id``, ``prompt``, ``answer``,
            ``category``, ``score``, ``verdict`` and ``votes``; empty answers are skipped.
        min_margin: smallest gap in aggregated P(helpful) (0-1) that makes a pair.
        max_pairs_per_prompt: pairs kept per prompt, largest margin first.
        include_unvoted: let answers no validator voted on be ``rejected`` too; by
            default they are skipped and counted (a QC refusal is not a preference).

    Returns:
        ``(pairs, stats)``: the pairs, by prompt id then falling margin, with
        provenance (``prompt_id``, ``chosen_id``, ``rejected_id``, scores,
        ``margin``); ``stats`` counts ``pairs``, ``prompts_with_pairs``,
        ``skipped_identical_text`` and ``skipped_unvoted_rejects``.

    Raises:
        ValueError: if ``min_margin`` is negative.
    """
    if min_margin < 0:
        raise ValueError(f"min_margin must be >= 0, got {min_margin!r}")
    by_prompt: dict[str, list[dict]] = defaultdict(list)
    unvoted = 0
    for cand in candidates:
        if not str(cand["answer"]).strip():
            continue
        if not include_unvoted and int(cand.get("votes") or 0) == 0 and cand["verdict"] != "accept":
            unvoted += 1
            continue
        by_prompt[cand["prompt_id"]].append(cand)
    pairs, identical = [], 0
    for pid in sorted(by_prompt):
        cands = sorted(by_prompt[pid], key=lambda c: str(c["id"]))
        got, same = _pairs_for_prompt(cands, min_margin, max_pairs_per_prompt)
        pairs.extend(got)
        identical += same
    stats = {
        "pairs": len(pairs),
        "prompts_with_pairs": len({p["prompt_id"] for p in pairs}),
        "skipped_identical_text": identical,
        "skipped_unvoted_rejects": unvoted,
    }
    logger.info("preference pairs: %d from %d prompts", len(pairs), stats["prompts_with_pairs"])
    return pairs, stats
