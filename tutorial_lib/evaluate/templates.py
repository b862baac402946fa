"""Per-language prompt templates, copied from lm-evaluation-harness 0.4.13.

Published XCOPA/XNLI/XStoryCloze numbers are only comparable when the prompt
is character-for-character the harness's, so the tables below are copied from
the harness source (not re-translated) and the functions mirror its
``doc_to_text`` / ``doc_to_choice`` / ``doc_to_target`` exactly. Tests render
the harness's own YAMLs and functions and compare.

Sources (lm-eval==0.4.13, ``lm_eval/tasks/``):
- ``xcopa/utils.py`` (``doc_to_text_<lang>`` connectors, ``convert_choice``)
- ``xnli/utils.py`` ``LANGUAGES`` (the generated ``xnli_<lang>.yaml`` files)
- ``xstorycloze/default_ar.yaml`` (shared by every ``default_<lang>.yaml``)
"""

from __future__ import annotations

from ..errors import TutorialLibError

HARNESS_VERSION = "0.4.13"
TARGET_DELIMITER = " "  # the harness's default ``target_delimiter``
FEWSHOT_DELIMITER = "\n\n"  # the harness's default ``fewshot_delimiter``

# lm_eval/tasks/xcopa/utils.py (0.4.13): connector per question type.
XCOPA_CONNECTORS: dict[str, dict[str, str]] = {
    "et": {"cause": "sest", "effect": "seetõttu"},
    "ht": {"cause": "poukisa", "effect": "donk sa"},
    "it": {"cause": "perché", "effect": "quindi"},
    "id": {"cause": "karena", "effect": "maka"},
    "qu": {"cause": "imataq", "effect": "chaymi"},
    "sw": {"cause": "kwa sababu", "effect": "kwa hiyo"},
    "zh": {"cause": "因为", "effect": "所以"},
    "ta": {"cause": "காரணமாக", "effect": "எனவே"},
    "th": {"cause": "เพราะ", "effect": "ดังนั้น"},
    "tr": {"cause": "çünkü", "effect": "bu yüzden"},
    "vi": {"cause": "bởi vì", "effect": "vì vậy"},
}

# lm_eval/tasks/xnli/utils.py LANGUAGES (0.4.13): (question word, entailment,
# neutral, contradiction), from which the harness generated xnli_<lang>.yaml.
XNLI_WORDS: dict[str, tuple[str, str, str, str]] = {
    "ar": ("صحيح", "نعم", "لذا", "رقم"),
    "bg": ("правилно", "да", "така", "не"),
    "de": ("richtig", "Ja", "Auch", "Nein"),
    "el": ("σωστός", "Ναί", "Έτσι", "όχι"),
    "en": ("right", "Yes", "Also", "No"),
    "es": ("correcto", "Sí", "Asi que", "No"),
    "fr": ("correct", "Oui", "Aussi", "Non"),
    "hi": ("सही", "हाँ", "इसलिए", "नहीं"),
    "ru": ("правильно", "Да", "Так", "Нет"),
    "sw": ("sahihi", "Ndiyo", "Hivyo", "Hapana"),
    "th": ("ถูกต้อง", "ใช่", "ดังนั้น", "ไม่"),
    "tr": ("doğru", "Evet", "Böylece", "Hayır"),
    "ur": ("صحیح", "جی ہاں", "اس لئے", "نہیں"),
    "vi": ("đúng", "Vâng", "Vì vậy", "Không"),
    "zh": ("正确", "是的", "所以", "不是的"),
}

# lm_eval/tasks/xstorycloze/_xstorycloze.yaml (0.4.13): one template, 11 languages.
XSTORYCLOZE_LANGS: tuple[str, ...] = (
    "ar",
    "en",
    "es",
    "eu",
    "hi",
    "id",
    "my",
    "ru",
    "sw",
    "te",
    "zh",
)

LANGUAGES: dict[str, tuple[str, ...]] = {
    "xcopa": tuple(sorted(XCOPA_CONNECTORS)),
    "xnli": tuple(sorted(XNLI_WORDS)),
    "xstorycloze": XSTORYCLOZE_LANGS,
}


class UnknownLanguageError(TutorialLibError, ValueError):
    """A language code the benchmark (as the harness defines it) does not cover."""


def check_lang(task: str, lang: str) -> str:
    """Return ``lang`` when ``task`` covers it, else raise naming the codes that exist.

    Checked before any scoring, so a typo fails in a second, not after a model load.

    Args:
        task: ``"xcopa"``, ``"xnli"`` or ``"xstorycloze"``.
        lang: an ISO 639-1 code such as ``"sw"``.

    Returns:
        ``lang`` unchanged.

    Raises:
        ValueError: if ``task`` is not one of the three benchmarks.
        UnknownLanguageError: if the harness defines no ``<task>_<lang>`` task.

    Examples:
        >>> check_lang("xnli", "sw")
        'sw'
        >>> check_lang("xcopa", "de")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tutorial_lib.evaluate.templates.UnknownLanguageError: xcopa has no language 'de'; ...
    """
    if task not in LANGUAGES:
        raise ValueError(f"unknown task {task!r}; tasks are {', '.join(LANGUAGES)}")
    if lang not in LANGUAGES[task]:
        raise UnknownLanguageError(
            f"{task} has no language {lang!r}; lm-evaluation-harness {HARNESS_VERSION} "
            f"defines {task}_<lang> for: {', '.join(LANGUAGES[task])}"
        )
    return lang


def xcopa_text(doc: dict, lang: str) -> str:
    """Premise without its final character (the period) plus the connector.

    Args:
        doc: an XCOPA row (``premise``, ``question`` of ``"cause"``/``"effect"``).
        lang: the XCOPA language, which picks the connector.

    Returns:
        The shared context of both choices.

    Raises:
        UnknownLanguageError: if XCOPA has no ``lang`` (from :func:`check_lang`).

    Examples:
        >>> xcopa_text({"premise": "Mvua ilinyesha.", "question": "effect"}, "sw")
        'Mvua ilinyesha kwa hiyo'
    """
    connector = XCOPA_CONNECTORS[check_lang("xcopa", lang)][doc["question"]]
    return doc["premise"].strip()[:-1] + f" {connector}"


def _lower_first(choice: str) -> str:
    return choice[0].lower() + choice[1:]


def xcopa_choices(doc: dict, lang: str) -> list[str]:
    """Both alternatives with a lower-cased first letter (harness ``convert_choice``).

    Args:
        doc: an XCOPA row (``choice1``, ``choice2``).
        lang: unused; every task's functions take ``(doc, lang)``.

    Returns:
        The two continuations, in order.

    Examples:
        >>> xcopa_choices({"choice1": "Ardhi ililowa.", "choice2": "Jua liliwaka."}, "sw")
        ['ardhi ililowa.', 'jua liliwaka.']
    """
    return [_lower_first(doc["choice1"]), _lower_first(doc["choice2"])]


def xcopa_target(doc: dict, lang: str) -> int:
    """Index of the correct alternative (``label``).

    Args:
        doc: an XCOPA row.
        lang: unused; every task's functions take ``(doc, lang)``.

    Returns:
        0 or 1.
    """
    return int(doc["label"])


def xnli_text(doc: dict, lang: str) -> str:
    """Empty: the harness puts the whole premise/hypothesis pair into each choice.

    Args:
        doc: an XNLI row (unused).
        lang: the XNLI language, checked.

    Returns:
        ``""``.

    Raises:
        UnknownLanguageError: if XNLI has no ``lang`` (from :func:`check_lang`).
    """
    check_lang("xnli", lang)
    return ""


def xnli_choices(doc: dict, lang: str) -> list[str]:
    """``premise, <question>? <label word>, hypothesis`` for the three labels.

    Args:
        doc: an XNLI row (``premise``, ``hypothesis``).
        lang: the XNLI language, which picks the question and label words.

    Returns:
        Three continuations: entailment, neutral, contradiction.

    Raises:
        UnknownLanguageError: if XNLI has no ``lang`` (from :func:`check_lang`).

    Examples:
        >>> xnli_choices({"premise": "Ninapenda chai", "hypothesis": "Ninakunywa chai"}, "sw")[0]
        'Ninapenda chai, sahihi? Ndiyo, Ninakunywa chai'
    """
    question, *labels = XNLI_WORDS[check_lang("xnli", lang)]
    return [f"{doc['premise']}, {question}? {word}, {doc['hypothesis']}" for word in labels]


def xnli_target(doc: dict, lang: str) -> int:
    """0 entailment, 1 neutral, 2 contradiction (HF ``facebook/xnli``).

    Args:
        doc: an XNLI row.
        lang: unused; every task's functions take ``(doc, lang)``.

    Returns:
        The gold label as an index into :func:`xnli_choices`.
    """
    return int(doc["label"])


def xstorycloze_text(doc: dict, lang: str) -> str:
    """The four story sentences joined by single spaces.

    Args:
        doc: an XStoryCloze row (``input_sentence_1`` .. ``input_sentence_4``).
        lang: the XStoryCloze language, checked.

    Returns:
        The story so far, the shared context of both endings.

    Raises:
        UnknownLanguageError: if XStoryCloze has no ``lang`` (from :func:`check_lang`).
    """
    check_lang("xstorycloze", lang)
    return " ".join(doc[f"input_sentence_{i}"] for i in range(1, 5))


def xstorycloze_choices(doc: dict, lang: str) -> list[str]:
    """The two candidate endings.

    Args:
        doc: an XStoryCloze row (``sentence_quiz1``, ``sentence_quiz2``).
        lang: unused; every task's functions take ``(doc, lang)``.

    Returns:
        The endings as written.
    """
    return [doc["sentence_quiz1"], doc["sentence_quiz2"]]


def xstorycloze_target(doc: dict, lang: str) -> int:
    """``answer_right_ending`` (1 or 2) as a 0-based index.

    Args:
        doc: an XStoryCloze row.
        lang: unused; every task's functions take ``(doc, lang)``.

    Returns:
        0 or 1.

    Examples:
        >>> xstorycloze_target({"answer_right_ending": 2}, "sw")
        1
    """
    return int(doc["answer_right_ending"]) - 1
