"""Quality-control rules for Part I answers, before anyone pays to validate them.

Each rule adds a reason code (see :class:`tutorial_lib.records.QCResult`):
``wrong_language``, ``too_short`` (visible characters), ``too_long``,
``control_characters``, ``copied_prompt``, ``near_duplicate``, ``fast_submission``, ``failed_control``,
``banned_worker``. A flagged answer is kept with all its reasons and the
evidence in ``details``; nothing is deleted, so a reviewer can overrule a rule.
Per-worker summaries and bans live in :mod:`tutorial_lib.quality.workers`.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import logging

from datasketch import MinHashLSH

from ..config import QualityConfig
from ..records import Assignment, Prompt, QCResult
from ..text_limits import bad_characters, visible_length
from .langid import LanguageChecker
from .textsim import char_shingles, containment, jaccard, minhash, normalise
from .workers import banned_workers, worker_summary  # noqa: F401  (part of this module's API)

logger = logging.getLogger(__name__)

REASONS = (
    "wrong_language",
    "too_short",
    "too_long",
    "control_characters",
    "copied_prompt",
    "near_duplicate",
    "fast_submission",
    "failed_control",
    "banned_worker",
)
# Share of an answer's shingles found in the prompt above which it is a copy:
# an honest answer may repeat the question's words, not most of its text.
COPY_CONTAINMENT = 0.8
# Share of the control answer's character trigrams that must appear in the
# answer, so a typo ("Nairob") still passes but another answer does not.
CONTROL_CONTAINMENT = 0.7
# Two honest writers answering the same prompt from the same facts can reach
# a Jaccard of 0.8 (measured on the simulated crowd); only a near-verbatim
# copy counts there. Across prompts any threshold-level match is a copy.
SAME_PROMPT_DUPLICATE = 0.95


def _check_inputs(prompts: list[Prompt], answers: list[Assignment]) -> dict[str, Prompt]:
    by_id = {p.id: p for p in prompts}
    for a in answers:
        if a.stage != "answers":
            raise ValueError(
                f"check_answers takes Part I answers; assignment {a.assignment_id} has stage {a.stage!r}"
            )
        if a.task_id not in by_id:
            raise ValueError(
                f"answer {a.assignment_id} is for prompt {a.task_id!r}, which is not among the "
                f"{len(by_id)} prompts given"
            )
    return by_id


def copies_prompt(answer: str, prompt: Prompt) -> float:
    """How much of the answer is the prompt's text (target or English), 0..1."""
    ans = char_shingles(answer)
    best = 0.0
    for source in (prompt.prompt, prompt.prompt_en):
        if source:
            best = max(best, containment(ans, char_shingles(source)))
    return best


def matches_control(answer: str, expected: str) -> bool:
    """True when the known answer of a control task is in the worker's answer."""
    exp_norm, ans_norm = normalise(expected), normalise(answer)
    if exp_norm and exp_norm in ans_norm:
        return True
    if set(exp_norm.split()) <= set(ans_norm.split()) and exp_norm:
        return True
    return containment(char_shingles(expected, 3), char_shingles(answer, 3)) >= CONTROL_CONTAINMENT


def relevance(answer: str, prompt: Prompt) -> float:
    """Share of the prompt's longer words (> 3 letters) that the answer uses, 0..1."""
    words = {w for w in normalise(prompt.prompt).split() if len(w) > 3}
    if not words:
        return 0.0
    return len(words & set(normalise(answer).split())) / len(words)


def _similar_pairs(answers: list[Assignment], threshold: float):
    """(earlier, later, Jaccard) for pairs at or above the bar, via MinHash LSH + exact Jaccard."""
    lsh = MinHashLSH(threshold=threshold, num_perm=64)
    seen: dict[str, tuple[Assignment, frozenset[str]]] = {}
    for a in sorted(answers, key=lambda x: (x.submitted_at, x.assignment_id)):
        sh = char_shingles(a.answer or "")
        if len(sh) < 2:
            continue  # empty answers are too_short, not duplicates
        sig = minhash(sh)
        for other_id in sorted(lsh.query(sig)):
            other, other_sh = seen[other_id]
            j = jaccard(sh, other_sh)
            same = other.task_id == a.task_id
            if j >= (max(threshold, SAME_PROMPT_DUPLICATE) if same else threshold):
                yield other, a, j
        seen[a.assignment_id] = (a, sh)
        lsh.insert(a.assignment_id, sig)


def find_near_duplicates(
    answers: list[Assignment], threshold: float, prompts: dict[str, Prompt] | None = None
) -> dict[str, tuple[str, float]]:
    """Map answer id -> (the answer it copies, Jaccard) for near-identical answers.

    MinHash LSH proposes candidates; the exact Jaccard of character 5-gram
    sets confirms them, so a hash collision never flags an answer. On the
    same prompt the later one is the copy (and the bar is
    :data:`SAME_PROMPT_DUPLICATE`); across prompts the one less relevant to
    its own prompt is the copy (an off-topic paste), the later one on a tie.
    """
    found: dict[str, tuple[str, float]] = {}
    for first, later, j in _similar_pairs(answers, threshold):
        copy, original = later, first
        if (
            prompts
            and first.task_id != later.task_id
            and relevance(first.answer or "", prompts[first.task_id])
            < relevance(later.answer or "", prompts[later.task_id])
        ):
            copy, original = first, later
        if j > found.get(copy.assignment_id, ("", 0.0))[1]:
            found[copy.assignment_id] = (original.assignment_id, round(j, 3))
    return found


def check_answers(
    prompts: list[Prompt],
    answers: list[Assignment],
    cfg: QualityConfig,
    lang: str = "sw",
    control: dict[str, str] | None = None,
    *,
    banned: set[str] | None = None,
    checker: LanguageChecker | None = None,
) -> list[QCResult]:
    """Run every rule on every answer; one :class:`QCResult` per answer, in input order.

    Args:
        prompts: the prompts the answers respond to (every ``task_id`` must be here).
        answers: Part I assignments (``stage == "answers"``).
        cfg: thresholds (``min_chars``, ``max_chars``, ``fast_seconds``,
            ``lang_min_confidence``, ``near_duplicate_threshold``).
        lang: the target language (ISO 639-1).
        control: prompt id -> known answer, for control tasks.
        banned: worker ids already banned; their answers get ``banned_worker``.
        checker: a prepared :class:`LanguageChecker` (e.g. other candidates).

    Examples:
        >>> qc = check_answers(prompts, answers, QualityConfig())  # doctest: +SKIP
        >>> [r.reasons for r in qc if not r.passed]  # doctest: +SKIP

    Taught in notebooks/02_collecting_answers.
    """
    by_id = _check_inputs(prompts, answers)
    checker = checker or LanguageChecker(lang)
    control = control or {}
    banned = banned or set()
    dups = find_near_duplicates(answers, cfg.near_duplicate_threshold, by_id)
    results = []
    for a in answers:
        text = a.answer or ""
        chars = visible_length(text)  # zero-width and combining marks do not count
        sample = text[: 4 * cfg.max_chars]  # a huge answer is too long; no need to scan it all
        guess = checker.guess(sample)
        copy = copies_prompt(sample, by_id[a.task_id])
        details: dict = {
            "chars": chars,
            "duration_s": a.duration_s,
            "prompt_copy": round(copy, 3),
            "lang_target_confidence": round(guess.target_confidence, 3),
        }
        reasons = []
        if guess.lang != checker.lang or guess.target_confidence < cfg.lang_min_confidence:
            reasons.append("wrong_language")
        if chars < cfg.min_chars:
            reasons.append("too_short")
        if chars > cfg.max_chars:
            reasons.append("too_long")
        if bad_characters(text):
            reasons.append("control_characters")
            details["bad_character"] = bad_characters(text)
        if copy >= COPY_CONTAINMENT:
            reasons.append("copied_prompt")
        if a.assignment_id in dups:
            reasons.append("near_duplicate")
            details["duplicate_of"], details["duplicate_similarity"] = dups[a.assignment_id]
        if a.duration_s < cfg.fast_seconds:
            reasons.append("fast_submission")
        if a.task_id in control and not matches_control(text, control[a.task_id]):
            reasons.append("failed_control")
            details["control_expected"] = control[a.task_id]
        if a.worker_id in banned:
            reasons.append("banned_worker")
        results.append(
            QCResult(
                a.assignment_id,
                a.task_id,
                a.worker_id,
                not reasons,
                reasons,
                guess.lang,
                round(guess.confidence, 4),
                details,
            )
        )
    n_flagged = sum(not r.passed for r in results)
    logger.info("quality rules: %d of %d answers flagged", n_flagged, len(results))
    return results


def reason_counts(qc: list[QCResult]) -> dict[str, int]:
    """How many answers each reason flagged (an answer may count under several).

    Taught in notebooks/02_collecting_answers.
    """
    counts = {r: 0 for r in REASONS}
    for result in qc:
        for reason in result.reasons:
            counts[reason] = counts.get(reason, 0) + 1
    return counts
