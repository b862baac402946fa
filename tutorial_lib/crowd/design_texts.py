"""Every worker-facing string of the three crowd projects, read from shipped data files.

The texts live in ``data/crowd_texts/<lang>.yaml`` (shipped inside the wheel as
``tutorial_lib/_shipped/data/crowd_texts``, see :mod:`tutorial_lib.resources`), so
translating the projects into another language means adding one YAML file and
the language's English name in ``languages.yaml``: data, not code. ``design.py``
assembles specs from what :func:`texts_for` and :func:`items_for` return.
"""

from __future__ import annotations

import copy
import functools
import logging
from pathlib import Path

import yaml

from ..errors import TutorialLibError
from ..resources import shipped_dir

logger = logging.getLogger(__name__)

# The value each option stands for, by option set (structure, not text: the same in every language)
OPTION_VALUES = {"binary": [1, 0], "likert5": [1, 2, 3, 4, 5], "ab": [0, 1]}
ITEM_KEYS = ("examples", "training", "exam", "control", "quiz")
TEXT_KEYS = ("ui", "options", "fields", "questions", "projects")


class TextsError(TutorialLibError, ValueError):
    """A crowd text file is unreadable or lacks a table the projects need."""


def texts_dir() -> Path:
    """The folder holding ``<lang>.yaml`` text files (packaged copy or the checkout's).

    Returns:
        ``.../data/crowd_texts``.
    """
    return shipped_dir("data") / "crowd_texts"


@functools.cache
def _load(name: str) -> dict | None:
    """One YAML file of :func:`texts_dir` (``None`` when absent), read once per process."""
    path = texts_dir() / f"{name}.yaml"
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise TextsError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(data, dict):
        raise TextsError(f"{path}: expected a mapping at the top, got {type(data).__name__}")
    return data


def language_texts(lang: str) -> dict | None:
    """The text tables of one language, or ``None`` when no file ships for it.

    Args:
        lang: a language code as in ``crowd.lang`` (``"sw"``, ``"en"``).

    Returns:
        The file's tables (``ui``, ``options``, ``fields``, ``questions``,
        ``projects`` and, for languages with worked items, ``items``).

    Raises:
        TextsError: the file exists but lacks one of the tables.

    Examples:
        >>> language_texts("sw")["ui"]["submit"]
        'Tuma'
        >>> language_texts("xx") is None
        True
    """
    data = _load(lang)
    if data is None:
        return None
    missing = [key for key in TEXT_KEYS if key not in data]
    if missing:
        raise TextsError(f"{texts_dir() / (lang + '.yaml')}: lacks {', '.join(missing)}")
    return data


def language_name(lang: str) -> str:
    """The English name of ``lang`` put into ``{language}`` placeholders (the code if unknown).

    Names come from ``data/crowd_texts/languages.yaml``, so instructions say
    "write in Swahili" rather than "write in sw".

    Args:
        lang: A language code (``"sw"``).

    Returns:
        Its English name, or ``lang`` itself when the table lacks it.

    Examples:
        >>> language_name("sw")
        'Swahili'
        >>> language_name("xx")
        'xx'
    """
    return ((_load("languages") or {}).get("names") or {}).get(lang, lang)


def __getattr__(name: str):
    """``UI`` (button and heading labels by language) and ``LANGUAGE_NAMES``, read on first use."""
    if name == "UI":
        langs = sorted(p.stem for p in texts_dir().glob("*.yaml") if p.stem != "languages")
        return {code: language_texts(code)["ui"] for code in langs}
    if name == "LANGUAGE_NAMES":
        return dict((_load("languages") or {}).get("names") or {})
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _fill(obj, language: str):
    """Put the target language's English name into ``{language}`` placeholders."""
    if isinstance(obj, str):
        return obj.replace("{language}", language)
    if isinstance(obj, dict):
        return {k: _fill(v, language) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_fill(v, language) for v in obj]
    return obj


def texts_for(kind: str, lang: str) -> dict:
    """Per-language text tables for project ``kind``: always English, plus ``lang`` when shipped.

    Args:
        kind: ``"answers"``, ``"validation"`` or ``"ranking"``.
        lang: the target language's code.

    Returns:
        ``{code: {title, description, instructions, fields, questions, options}}``
        with ``{language}`` filled in; a language without a file is left out (and
        logged), so workers see English.

    Examples:
        >>> sorted(texts_for("answers", "sw"))
        ['en', 'sw']
        >>> texts_for("ranking", "sw")["en"]["title"]
        'Compare two answers'
        >>> texts_for("answers", "sw")["en"]["questions"]["answer"]
        'Write your answer in Swahili'
    """
    langs = ["en"] + ([lang] if lang != "en" else [])
    tables = {code: language_texts(code) for code in langs}
    missing = [code for code, t in tables.items() if t is None or kind not in t["projects"]]
    if missing:
        logger.warning(
            "no built-in %s texts for %s; workers will see English. Add "
            "data/crowd_texts/%s.yaml (see en.yaml; design_texts reads it)",
            kind,
            ", ".join(missing),
            missing[0],
        )
    out = {
        code: {
            **t["projects"][kind],
            "fields": t["fields"],
            "questions": t["questions"],
            "options": t["options"],
        }
        for code, t in tables.items()
        if code not in missing
    }
    return _fill(copy.deepcopy(out), language_name(lang))


def items_for(kind: str, lang: str) -> dict:
    """Worked examples, training, exam, control and quiz items for ``kind`` (a fresh copy).

    They are written in the target language, so a language whose file has no
    ``items:`` gets none (and a warning) rather than Swahili items under foreign
    instructions.

    Args:
        kind: ``"answers"``, ``"validation"`` or ``"ranking"``.
        lang: the target language's code.

    Returns:
        ``{"examples": [...], "training": [...], "exam": [...], "control": [...], "quiz": [...]}``
        (``quiz`` only where the kind has one).

    Examples:
        >>> [len(v) for v in items_for("answers", "sw").values()]
        [5, 2, 1, 0, 4]
    """
    items = ((language_texts(lang) or {}).get("items") or {}).get(kind)
    if items is None:
        logger.warning(
            "no built-in %s examples/exam items for %s; the project runs without "
            "training and exam until you add them",
            kind,
            lang,
        )
        return {key: [] for key in ITEM_KEYS}
    return copy.deepcopy(items)
