"""What a worker reads next to a verdict: one sentence per reason code, in the worker's language.

Pay follows the verdict, so a rejection must say why in words the worker
reads. Add a language by adding a block to :data:`COMMENTS`; a reason
without a translation falls back to English.
"""

from __future__ import annotations

# What a worker reads next to a verdict; add a language by adding a block.
COMMENTS = {
    "en": {
        "accept": "Thank you! Your answer was accepted.",
        "not_helpful": "Validators judged the answer not helpful enough for the prompt.",
        "wrong_language": "The answer is not written in the task's language.",
        "too_short": "The answer is too short.",
        "too_long": "The answer is longer than allowed.",
        "control_characters": "The answer contains invisible control characters; please remove them.",
        "copied_prompt": "The answer repeats the prompt instead of answering it.",
        "near_duplicate": "The answer is nearly identical to another answer.",
        "fast_submission": "The answer was submitted too quickly to be a careful answer.",
        "failed_control": "A control question with a known answer was answered wrongly.",
        "banned_worker": "Your account was excluded from this project after earlier quality checks.",
    },
    "sw": {
        "accept": "Asante! Jibu lako limekubaliwa.",
        "not_helpful": "Wahakiki waliona kwamba jibu halisaidii vya kutosha kwa swali hili.",
        "wrong_language": "Jibu halikuandikwa kwa lugha ya kazi hii.",
        "too_short": "Jibu ni fupi mno.",
        "too_long": "Jibu ni refu kuliko inavyoruhusiwa.",
        "control_characters": "Jibu lina herufi za udhibiti zisizoonekana; tafadhali ziondoe.",
        "copied_prompt": "Jibu linarudia swali badala ya kulijibu.",
        "near_duplicate": "Jibu linakaribia kufanana kabisa na jibu jingine.",
        "fast_submission": "Jibu liliwasilishwa haraka mno kuwa jibu la makini.",
        "failed_control": "Swali la udhibiti lenye jibu linalojulikana lilijibiwa vibaya.",
        "banned_worker": "Akaunti yako iliondolewa kwenye mradi huu baada ya ukaguzi wa ubora.",
    },
}


def comment_for(verdict: str, reasons: list[str], lang: str = "en") -> str:
    """The message a worker sees with a verdict, in ``lang`` when we have it (else English).

    Args:
        verdict: ``accept`` or ``reject``.
        reasons: the reason codes of a rejection (none: "not helpful").
        lang: the worker's language (ISO 639-1).

    Returns:
        The comment, one sentence per reason.

    Examples:
        >>> comment_for("reject", ["too_short", "fast_submission"], lang="sw")
        'Jibu ni fupi mno. Jibu liliwasilishwa haraka mno kuwa jibu la makini.'
    """
    texts = COMMENTS.get(lang, COMMENTS["en"])
    if verdict == "accept":
        return texts["accept"]
    parts = [texts.get(r, COMMENTS["en"].get(r, r)) for r in reasons] or [texts["not_helpful"]]
    return " ".join(parts)
