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
    """Return ``lang`` when ``task`` covers it, else raise naming the codes that exist."""
    if task not in LANGUAGES:
        raise ValueError(f"unknown task {task!r}; tasks are {', '.join(LANGUAGES)}")
    if lang not in LANGUAGES[task]:
        raise UnknownLanguageError(
            f"{task} has no language {lang!r}; lm-evaluation-harness {HARNESS_VERSION} "
            f"defines {task}_<lang> for: {', '.join(LANGUAGES[task])}"
        )
    return lang


def xcopa_text(doc: dict, lang: str) -> str:
    """Premise without its final character (the period) plus the connector."""
    connector = XCOPA_CONNECTORS[check_lang("xcopa", lang)][doc["question"]]
    return doc["premise"].strip()[:-1] + f" {connector}"


def _lower_first(choice: str) -> str:
    return choice[0].lower() + choice[1:]


def xcopa_choices(doc: dict, lang: str) -> list[str]:
    """Both alternatives with a lower-cased first letter (harness ``convert_choice``)."""
    return [_lower_first(doc["choice1"]), _lower_first(doc["choice2"])]


def xcopa_target(doc: dict, lang: str) -> int:
    """Index of the correct alternative (``label``)."""
    return int(doc["label"])


def xnli_text(doc: dict, lang: str) -> str:
    """Empty: the harness puts the whole premise/hypothesis pair into each choice."""
    check_lang("xnli", lang)
    return ""


def xnli_choices(doc: dict, lang: str) -> list[str]:
    """``premise, <question>? <label word>, hypothesis`` for the three labels."""
    question, *labels = XNLI_WORDS[check_lang("xnli", lang)]
    return [f"{doc['premise']}, {question}? {word}, {doc['hypothesis']}" for word in labels]


def xnli_target(doc: dict, lang: str) -> int:
    """0 entailment, 1 neutral, 2 contradiction (HF ``facebook/xnli``)."""
    return int(doc["label"])


def xstorycloze_text(doc: dict, lang: str) -> str:
    """The four story sentences joined by single spaces."""
    check_lang("xstorycloze", lang)
    return " ".join(doc[f"input_sentence_{i}"] for i in range(1, 5))


def xstorycloze_choices(doc: dict, lang: str) -> list[str]:
    """The two candidate endings."""
    return [doc["sentence_quiz1"], doc["sentence_quiz2"]]


def xstorycloze_target(doc: dict, lang: str) -> int:
    """``answer_right_ending`` (1 or 2) as a 0-based index."""
    return int(doc["answer_right_ending"]) - 1
