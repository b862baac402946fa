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
from dataclasses import dataclass

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
        if a.kind != "answers":
            raise ValueError(
                f"check_answers takes Part I answers; assignment {a.assignment_id} has kind {a.kind!r}"
            )
        if a.task_id not in by_id:
            raise ValueError(
                f"answer {a.assignment_id} is for prompt {a.task_id!r}, which is not among the "
                f"{len(by_id)} prompts given"
            )
    return by_id


def copies_prompt(answer: str, prompt: Prompt) -> float:
    """How much of the answer is the prompt's text (target or English), 0..1.

    Args:
        answer: the worker's answer.
        prompt: the prompt it answers; both ``prompt`` and ``prompt_en`` are compared.

    Returns:
        The larger share of the answer's character 5-grams found in either text;
        above :data:`COPY_CONTAINMENT` the answer counts as ``copied_prompt``.

    Examples:
        >>> p = Prompt("p1", "open_qa", "Mji mkuu wa Kenya ni upi?", "What is Kenya's capital?")
        >>> copies_prompt("Mji mkuu wa Kenya ni upi?", p), copies_prompt("Ni Nairobi.", p)
        (1.0, 0.0)
    """
    ans = char_shingles(answer)
    best = 0.0
    for source in (prompt.prompt, prompt.prompt_en):
        if source:
            best = max(best, containment(ans, char_shingles(source)))
    return best


def matches_control(answer: str, expected: str) -> bool:
    """True when the known answer of a control task is in the worker's answer.

    Lenient on purpose: the expected text inside the answer, all its words in
    any order, or :data:`CONTROL_CONTAINMENT` of its character trigrams (a typo
    passes, another answer does not).

    Args:
        answer: the worker's answer.
        expected: the control task's known answer.

    Returns:
        Whether the answer passes the control.

    Examples:
        >>> matches_control("Jibu ni Nairob.", "Nairobi"), matches_control("Mombasa", "Nairobi")
        (True, False)
    """
    exp_norm, ans_norm = normalise(expected), normalise(answer)
    if exp_norm and exp_norm in ans_norm:
        return True
    if set(exp_norm.split()) <= set(ans_norm.split()) and exp_norm:
        return True
    return containment(char_shingles(expected, 3), char_shingles(answer, 3)) >= CONTROL_CONTAINMENT


def relevance(answer: str, prompt: Prompt) -> float:
    """Share of the prompt's longer words (> 3 letters) that the answer uses, 0..1.

    Decides which of two near-identical answers to different prompts is the
    off-topic paste (see :func:`find_near_duplicates`).

    Args:
        answer: the worker's answer.
        prompt: the prompt it answers (its target-language text).

    Returns:
        The share; 0.0 when the prompt has no word longer than 3 letters.

    Examples:
        >>> p = Prompt("p1", "open_qa", "Eleza faida za kunywa maji")
        >>> relevance("Kunywa maji husaidia mwili.", p)
        0.5
    """
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

    Args:
        answers: Part I answers (ordered by ``submitted_at`` to find the earlier one).
        threshold: the character 5-gram Jaccard at or above which two answers are
            near-identical, in (0, 1].
        prompts: prompt id -> prompt; without it, the later answer is always the copy.

    Returns:
        ``{copy's assignment id: (original's assignment id, Jaccard)}``, each copy
        mapped to its closest original.
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
        answers: Part I assignments (``kind == "answers"``).
        cfg: thresholds (``min_chars``, ``max_chars``, ``fast_seconds``,
            ``lang_min_confidence``, ``near_duplicate_threshold``).
        lang: the target language (ISO 639-1).
        control: prompt id -> known answer, for control tasks.
        banned: worker ids already banned; their answers get ``banned_worker``.
        checker: a prepared :class:`LanguageChecker` (e.g. other candidates).

    Returns:
        One result per answer: passed or not, the reason codes and their evidence.

    Raises:
        ValueError: an answer that is not a Part I answer, or whose prompt is missing.

    Examples:
        >>> from tutorial_lib.records import Assignment, Prompt
        >>> prompt = Prompt(id="p1", category="open_qa", prompt="Mji mkuu wa Kenya ni upi?")
        >>> def answer(n, text, seconds):
        ...     return Assignment(f"a{n}", "p1", f"w{n}", "answers", "simulated",
        ...                       "2026-01-01T00:00:00Z", seconds, answer=text)
        >>> good = answer(1, "Mji mkuu wa Kenya ni Nairobi, mji mkubwa ulio katikati ya nchi.", 40)
        >>> lazy = answer(2, "Mji mkuu wa Kenya ni upi?", 3)
        >>> [r.reasons for r in check_answers([prompt], [good, lazy], QualityConfig())]
        [[], ['copied_prompt', 'fast_submission']]

    Taught in notebooks/02_collecting_answers.
    """
    by_id = _check_inputs(prompts, answers)
    checker = checker or LanguageChecker(lang)
    context = _RuleContext(
        cfg,
        checker,
        control or {},
        banned or set(),
        find_near_duplicates(answers, cfg.near_duplicate_threshold, by_id),
    )
    results = [context.check(a, by_id[a.task_id]) for a in answers]
    n_flagged = sum(not r.passed for r in results)
    logger.info("quality rules: %d of %d answers flagged", n_flagged, len(results))
    return results


@dataclass
class _RuleContext:
    """What every answer is checked against: thresholds, language, controls, bans, duplicates."""

    cfg: QualityConfig
    checker: LanguageChecker
    control: dict[str, str]
    banned: set[str]
    dups: dict[str, tuple[str, float]]

    def check(self, a: Assignment, prompt: Prompt) -> QCResult:
        """Every rule on one answer; the reasons in :data:`REASONS` order, with their evidence."""
        cfg, text = self.cfg, a.answer or ""
        chars = visible_length(text)  # zero-width and combining marks do not count
        sample = text[: 4 * cfg.max_chars]  # a huge answer is too long; no need to scan it all
        guess = self.checker.guess(sample)
        copy = copies_prompt(sample, prompt)
        details: dict = {
            "chars": chars,
            "duration_s": a.duration_s,
            "prompt_copy": round(copy, 3),
            "lang_target_confidence": round(guess.target_confidence, 3),
        }
        bad = bad_characters(text)
        expected = self.control.get(a.task_id)
        failed = {
            "wrong_language": guess.lang != self.checker.lang
            or guess.target_confidence < cfg.lang_min_confidence,
            "too_short": chars < cfg.min_chars,
            "too_long": chars > cfg.max_chars,
            "control_characters": bool(bad),
            "copied_prompt": copy >= COPY_CONTAINMENT,
            "near_duplicate": a.assignment_id in self.dups,
            "fast_submission": a.duration_s < cfg.fast_seconds,
            "failed_control": expected is not None and not matches_control(text, expected),
            "banned_worker": a.worker_id in self.banned,
        }
        if bad:
            details["bad_character"] = bad
        if failed["near_duplicate"]:
            details["duplicate_of"], details["duplicate_similarity"] = self.dups[a.assignment_id]
        if failed["failed_control"]:
            details["control_expected"] = expected
        reasons = [r for r in REASONS if failed[r]]
        return QCResult(
            a.assignment_id,
            a.task_id,
            a.worker_id,
            not reasons,
            reasons,
            guess.lang,
            round(guess.confidence, 4),
            details,
        )


def reason_counts(qc: list[QCResult]) -> dict[str, int]:
    """How many answers each reason flagged (an answer may count under several).

    Args:
        qc: :func:`check_answers`' results.

    Returns:
        ``{reason: count}`` with every reason of :data:`REASONS` (0 when unused),
        in that order, then any other reason found.

    Examples:
        >>> qc = [QCResult("a1", "p1", "w1", False, ["too_short", "copied_prompt"])]
        >>> {k: v for k, v in reason_counts(qc).items() if v}
        {'too_short': 1, 'copied_prompt': 1}

    Taught in notebooks/02_collecting_answers.
    """
    counts = {r: 0 for r in REASONS}
    for result in qc:
        for reason in result.reasons:
            counts[reason] = counts.get(reason, 0) + 1
    return counts
