"""Text limits that count what a reader sees, and characters no crowd text may carry.

A length rule that counts code points is fooled by zero-width spaces and
combining marks ("Ndiyo ni hivyo" plus 20 U+200B passes a 20-character
minimum); :func:`visible_length` counts after removing control (Cc), format
(Cf) and combining (Mn, Me) characters. Control characters (NUL, BEL, ...;
tab and newlines are fine) and bidirectional overrides, which can make text
display differently from what it says, are refused by :func:`bad_characters`.
Imports nothing of the kit, so every wing may use it.

Examples:
    >>> visible_length("Ndiyo ni hivyo" + "\u200b" * 20)
    14
    >>> bad_characters("sawa\x07")
    'U+0007 (a control character)'
"""

from __future__ import annotations

import unicodedata

ALLOWED_CONTROL = {"\t", "\n", "\r"}
# Explicit embeddings/overrides and isolates: they reorder how text is displayed.
BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_INVISIBLE = ("Cc", "Cf", "Mn", "Me")


def visible_length(text: str) -> int:
    """Characters a reader sees, for length rules a zero-width padding cannot fool.

    Control, format and combining characters are not counted, nor is leading
    or trailing whitespace.

    Args:
        text: any text (an answer, a prompt).

    Returns:
        The number of visible characters.

    Examples:
        >>> visible_length("  sawa\u200b\u200b ")
        4
    """
    kept = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)
    return len(kept.strip())


def bad_characters(text: str) -> str | None:
    """The first character crowd text may not carry, described for an error message.

    Tab, newline and carriage return are allowed; other control characters and
    bidirectional overrides/isolates (which reorder how text is displayed) are not.

    Args:
        text: the text to check.

    Returns:
        ``"U+XXXX (why)"`` for the first bad character, or ``None`` when the text is clean.

    Examples:
        >>> bad_characters("jibu\u202e"), bad_characters("mstari\\nmpya")
        ('U+202E (a bidirectional override)', None)
    """
    for ch in text:
        if ch in ALLOWED_CONTROL:
            continue
        if ch in BIDI_CONTROLS:
            return f"U+{ord(ch):04X} (a bidirectional override)"
        if unicodedata.category(ch) == "Cc":
            return f"U+{ord(ch):04X} (a control character)"
    return None


def check_text(text: str, field: str, max_chars: int | None = None) -> str | None:
    """Why ``text`` in ``field`` is refused (bad character or too long), else ``None``.

    Importers call it per field so that one line names what to fix and where.

    Args:
        text: the field's value.
        field: the field name the message names (``prompt``, ``references[0]``...).
        max_chars: the longest allowed value in code points (``prompts.max_chars``);
            None for no length limit.

    Returns:
        A one-line reason, or ``None`` when the text is accepted.

    Examples:
        >>> check_text("habari", "prompt", max_chars=4)
        "field 'prompt' is 6 characters long; the limit is 4 (prompts.max_chars)"
        >>> check_text("habari", "prompt") is None
        True
    """
    bad = bad_characters(text)
    if bad:
        return f"field '{field}' contains {bad}; remove it"
    if max_chars is not None and len(text) > max_chars:
        return (
            f"field '{field}' is {len(text):,} characters long; the limit is {max_chars:,} "
            "(prompts.max_chars)"
        )
    return None
