"""Text the simulated crowd writes: varied good answers and the usual ways answers go wrong.

Good answers start from a prompt's reference answers and are varied (sentence
order, small rewordings, a sentence dropped or added) so that two simulated
workers never hand in the same text. Bad ones are the failure modes real
projects see: English instead of the target language, a truncated answer, the
prompt copied back, another prompt's answer (off-topic), fluent but empty
filler, and junk from spammers. Ranking preference comes from chrF against the
references, which is what a careful rater roughly tracks.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import random
import re

# Swahili rewordings that keep the sentence grammatical in either direction.
REWORDS = [
    ("pia", "vilevile"),
    ("kwa sababu", "kwa kuwa"),
    ("kwa mfano", "mathalani"),
    ("lakini", "ila"),
    ("sana", "mno"),
    ("kila siku", "siku zote"),
    ("haraka", "upesi"),
    ("kwa hiyo", "kwa hivyo"),
    ("mara nyingi", "kwa kawaida"),
    ("kuhusu", "juu ya"),
    ("hasa", "haswa"),
    ("rahisi", "sahili"),
    ("tena", "zaidi ya hayo"),
]
OPENERS = [
    "Hili ni swali zuri.",
    "Nitajibu kwa ufupi.",
    "Nimefikiria swali hili vizuri.",
    "Jibu langu ni hili.",
    "Kwa maoni yangu, jambo hili ni wazi.",
]
CLOSERS = [
    "Natumaini hili litakusaidia.",
    "Hilo ndilo jibu langu.",
    "Ukiwa na swali zaidi, uliza tena.",
    "Haya ndiyo maoni yangu.",
    "Ni muhimu kukumbuka hili.",
    "Kila la heri!",
    "Asante kwa swali hili zuri.",
]
# Fluent, on-language, and useless: only a human reader can tell it does not help.
FILLER = [
    (
        "Hili ni swali zuri sana. Jibu lake linategemea hali ya mtu binafsi, kwa hiyo kila mtu "
        "anapaswa kufikiria mwenyewe."
    ),
    (
        "Kuna njia nyingi za kulitazama jambo hili. Watu tofauti wana maoni tofauti, na yote "
        "yanaweza kuwa sahihi."
    ),
    "Sina uhakika sana, lakini nadhani ni vizuri kuuliza wataalamu au kutafuta habari zaidi.",
    (
        "Jambo hili ni muhimu katika maisha ya kila siku. Ni vizuri kulifikiria kwa makini kabla "
        "ya kuamua."
    ),
]
ENGLISH = [
    (
        'About "{q}": I think it depends on many things, but in general you should look for '
        "reliable information and ask someone who knows."
    ),
    (
        'Good question. "{q}" - the answer is that it is important and most people agree it '
        "should be done carefully."
    ),
    (
        "Sorry, my Swahili is not good. In English: this is something you can learn about online, "
        "and practice helps a lot."
    ),
]
JUNK = ["sawa", "ndiyo", "asante", "jibu", "...", "ok", "nzuri", "sijui", "abc abc", "hapana", ""]

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    """Split on sentence-final punctuation (good enough for simulated answers).

    Args:
        text: An answer or reference; leading/trailing space is ignored.

    Returns:
        The sentences in order, each keeping its final ``.``, ``!`` or ``?``.

    Examples:
        >>> sentences("Maji ni muhimu. Kunywa kila siku! Je, unakubali?")
        ['Maji ni muhimu.', 'Kunywa kila siku!', 'Je, unakubali?']
    """
    return [s for s in _SENTENCE.split(text.strip()) if s]


def _reword(rng: random.Random, text: str) -> str:
    pairs = [(a, b) if rng.random() < 0.5 else (b, a) for a, b in REWORDS]
    rng.shuffle(pairs)
    done = 0
    for old, new in pairs:
        pattern = re.compile(rf"\b{re.escape(old)}\b", re.IGNORECASE)
        if done < 3 and pattern.search(text):
            text = pattern.sub(new, text, count=1)
            done += 1
    return text


def vary(rng: random.Random, text: str) -> str:
    """A light paraphrase of a reference: reorder, reword, drop or add sentences.

    Up to three Swahili rewordings from :data:`REWORDS`, a swap of two
    non-first sentences, a dropped sentence, an opener and a closer, each by
    chance; the result never equals the reference, so no two simulated
    workers hand in the same text.

    Args:
        rng: The worker's random stream (a seeded one gives the same text again).
        text: The reference answer to vary.

    Returns:
        The varied answer.

    Examples:
        >>> vary(random.Random(1), "Maji ni muhimu. Kunywa kila siku.")
        'Maji ni muhimu. Kunywa siku zote. Hilo ndilo jibu langu.'
    """
    parts = sentences(_reword(rng, text)) or [text]
    if len(parts) >= 3 and rng.random() < 0.4:
        i, j = rng.sample(range(1, len(parts)), 2)
        parts[i], parts[j] = parts[j], parts[i]
    if len(parts) >= 3 and rng.random() < 0.3:
        parts.pop(rng.randrange(1, len(parts)))
    if rng.random() < 0.5:
        parts.insert(0, rng.choice(OPENERS))
    if rng.random() < 0.6 or len(parts) == 1 or " ".join(parts) == text.strip():
        parts.append(rng.choice(CLOSERS))  # never hand in the reference unchanged
    return " ".join(parts)


def truncate(rng: random.Random, text: str) -> str:
    """Cut an answer off between a fifth and a half of the way, mid-word when possible.

    Args:
        rng: The worker's random stream.
        text: The answer to cut.

    Returns:
        Its first 20-50% (at least 3 characters), trailing spaces and
        punctuation removed.

    Examples:
        >>> truncate(random.Random(0), "Maji safi ni muhimu kwa afya ya kila mtu.")
        'Maji safi ni muhim'
    """
    cut = max(3, int(len(text) * rng.uniform(0.2, 0.5)))
    return text[:cut].rstrip(" .,!?")


def english(rng: random.Random, prompt_en: str) -> str:
    """An English answer (the wrong language), echoing the English prompt when there is one.

    Args:
        rng: The worker's random stream.
        prompt_en: The prompt's English version; empty gives a generic answer.

    Returns:
        One of the :data:`ENGLISH` templates, filled in.
    """
    q = (prompt_en or "this question").strip().rstrip("?.!")
    return rng.choice(ENGLISH).format(q=q)


def copy_prompt(rng: random.Random, prompt: str) -> str:
    """The prompt handed back as the answer, sometimes with a token prefix.

    Args:
        rng: The worker's random stream.
        prompt: The prompt in the target language.

    Returns:
        ``prompt`` itself (70%) or ``"Jibu: " + prompt``.
    """
    return prompt if rng.random() < 0.7 else f"Jibu: {prompt}"


def write(
    rng: random.Random,
    variant: str,
    refs: list[str],
    prompt: str,
    prompt_en: str,
    other_refs: list[str],
) -> str:
    """Answer text for one ``variant`` (good, weak, english, truncated, copy, offtopic, junk).

    Args:
        rng: The worker's random stream.
        variant: What the worker hands in: ``good`` (a varied reference),
            ``weak`` (fluent filler), ``english``, ``truncated``, ``copy`` (the
            prompt back), ``offtopic`` (another prompt's answer) or ``junk``.
        refs: The prompt's reference answers; without any, ``good`` falls
            back to filler.
        prompt: The prompt in the target language (for ``copy``).
        prompt_en: The prompt in English (for ``english``).
        other_refs: Other prompts' references (for ``offtopic``).

    Returns:
        The answer text (``junk`` may be empty).

    Raises:
        ValueError: if ``variant`` is none of the above.
    """
    good = vary(rng, rng.choice(refs)) if refs else rng.choice(FILLER)
    if variant == "good":
        return good
    if variant == "weak":
        return rng.choice(FILLER)
    if variant == "english":
        return english(rng, prompt_en)
    if variant == "truncated":
        return truncate(rng, good)
    if variant == "copy":
        return copy_prompt(rng, prompt)
    if variant == "offtopic":
        return vary(rng, rng.choice(other_refs)) if other_refs else rng.choice(FILLER)
    if variant == "junk":
        return rng.choice(JUNK)
    raise ValueError(f"unknown answer variant {variant!r}")


def closeness(answer: str, refs: list[str]) -> float:
    """chrF++ of an answer against a prompt's references (0-100); 0 without references.

    The simulated raters' notion of "better" in Part II ranking.

    Args:
        answer: The answer text.
        refs: The prompt's reference answers.

    Returns:
        sacrebleu's sentence chrF++ (``word_order=2``); 0.0 for an empty
        answer or no references.
    """
    if not refs or not (answer or "").strip():
        return 0.0
    from sacrebleu.metrics import CHRF

    return CHRF(word_order=2).sentence_score(answer, refs).score
