"""Numbers the deck states, filled in at build time so a slide cannot disagree with its source.

``{{fact:ID}}`` is a number from the sourced facts registry (``tutorial_lib.facts``);
``{{preset:NAME.section.key}}`` is a value from ``configs/NAME.yaml`` as the kit loads
it; ``[[references]]`` expands to one line per source the registry cites. Numbers
about the world or the kit are never typed into ``slides/*.md``.

Taught in notebooks/03_answer_validation (the deck that goes with it).
"""

from __future__ import annotations

import re
from functools import cache

from .source import Line, SlideSyntaxError

_PLACEHOLDER = re.compile(r"\{\{(fact|preset):([\w.\-]+)\}\}")


@cache
def _preset(name: str):
    from ..config import load_config

    return load_config(name)


def _format(value) -> str:
    """A number as the deck prints it: whole floats without ``.0``, thousands separated.

    Examples:
        >>> _format(3.0), _format(0.25), _format(1500000)
        ('3', '0.25', '1,500,000')
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and value >= 10000:
        return f"{value:,}"
    return str(value)


def lookup(kind: str, key: str, where: str) -> str:
    """The text for one placeholder; an unknown id or field is a :class:`SlideSyntaxError`.

    Args:
        kind: ``"fact"`` (a registry id) or ``"preset"`` (``NAME.section.key``).
        key: what follows the colon in the placeholder.
        where: the source's ``file:line``, named in errors.

    Returns:
        The value formatted as the deck prints it (``3`` not ``3.0``, ``585,858``).

    Raises:
        SlideSyntaxError: the fact id, preset, section or key does not exist.

    Examples:
        >>> lookup("preset", "ci.crowd.answer_overlap", "a.md:3")
        '2'
        >>> lookup("fact", "gpt3_sw_words", "a.md:4")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tutorial_lib.slides.source.SlideSyntaxError: a.md:4: no fact 'gpt3_sw_words' in the registry; similar ids: ...
    """
    from ..facts import registry

    if kind == "fact":
        try:
            return _format(registry.value(key))
        except registry.FactError as err:
            raise SlideSyntaxError(f"{where}: {err}") from None
    preset, _, path = key.partition(".")
    try:
        obj = _preset(preset)
        for part in path.split("."):
            obj = getattr(obj, part)
    except (AttributeError, FileNotFoundError, ValueError) as err:
        raise SlideSyntaxError(f"{where}: no preset value {key!r} ({err})") from None
    return _format(obj)


def substitute(line: Line) -> Line:
    """``line`` with every ``{{fact:..}}`` / ``{{preset:..}}`` replaced by its value.

    Args:
        line: one source line.

    Returns:
        The line itself when it holds no placeholder, else a new line with the same ``where``.

    Raises:
        SlideSyntaxError: through :func:`lookup`, for an unknown fact or preset value.

    Examples:
        >>> substitute(Line("GPT-3 was {{fact:gpt3_sw_word_share}}% Swahili", "a.md:9")).text
        'GPT-3 was 0.0003% Swahili'
    """
    if "{{" not in line.text:
        return line
    text = _PLACEHOLDER.sub(lambda m: lookup(m.group(1), m.group(2), line.where), line.text)
    return Line(text, line.where)


def references_lines(part: int = 1, parts: int = 1) -> list[Line]:
    """Bullets for the sources in the facts registry (``part`` of ``parts`` equal chunks).

    Each bullet: a short label linking the URL, what it supports, the retrieval date.
    The list is long, so ``[[references 1/2]]`` and ``[[references 2/2]]`` split it
    over two slides.

    Args:
        part: which chunk, from 1.
        parts: how many chunks the list is cut into.

    Returns:
        The bullets of that chunk, each a :class:`Line` whose ``where`` is ``"references"``.
    """
    from ..facts import registry

    by_url: dict[str, list] = {}
    for fact in registry.all_facts():
        by_url.setdefault(fact.source_url, []).append(fact)
    lines = []
    for url, facts in by_url.items():
        cats = sorted({registry.CATEGORY_TITLES[f.category] for f in facts})
        label = "/".join(url.split("/")[2:4])[:48]
        lines.append(
            Line(f"- [{label}]({url}): {'; '.join(cats)}, read {facts[0].retrieved}", "references")
        )
    size = -(-len(lines) // parts)
    return lines[(part - 1) * size : part * size]
