"""Read ``slides/*.md`` into sections and slides, keeping each line's file and line number.

A source file is one tutorial block: YAML front matter (``section``, ``minutes``,
``notebooks``), then slides separated by lines holding only ``---``; a line starting
with ``Note:`` begins the slide's speaker notes (reveal.js's own convention). Every
line keeps where it came from, so a bad image or an unknown fact id fails the build
naming the file and line to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import TutorialLibError

TOTAL_MINUTES = 105
_SEPARATOR = re.compile(r"^---\s*$")


class SlideSyntaxError(TutorialLibError, ValueError):
    """A slide source that cannot be rendered; the message names file and line."""


@dataclass
class Line:
    """One source line and where it came from (``file:line``, for error messages)."""

    text: str
    where: str


@dataclass
class Slide:
    """One slide: its body lines, its speaker-note lines and where it starts."""

    lines: list[Line]
    notes: list[Line]
    where: str


@dataclass
class Section:
    """One tutorial block (one source file) with its time budget in minutes."""

    title: str
    minutes: int
    notebooks: list[str]
    slides: list[Slide] = field(default_factory=list)
    source: str = ""


def _front_matter(lines: list[str], path: str) -> tuple[dict, int]:
    """The YAML front matter and the index of the first line after it.

    Raises:
        SlideSyntaxError: no front matter, an unclosed one, or ``section``/``minutes`` missing.
    """
    if not lines or not _SEPARATOR.match(lines[0]):
        raise SlideSyntaxError(f"{path}:1: a slide source starts with front matter (---)")
    for end in range(1, len(lines)):
        if _SEPARATOR.match(lines[end]):
            meta = yaml.safe_load("\n".join(lines[1:end])) or {}
            for key in ("section", "minutes"):
                if key not in meta:
                    raise SlideSyntaxError(f"{path}:1: front matter lacks '{key}'")
            if not isinstance(meta["minutes"], int) or meta["minutes"] < 0:
                raise SlideSyntaxError(f"{path}:1: 'minutes' must be a whole number >= 0")
            return meta, end + 1
    raise SlideSyntaxError(f"{path}:1: front matter is never closed with ---")


def split_notes(chunk: list[Line]) -> Slide:
    """Split one slide's lines at the first ``Note:`` line into body and speaker notes.

    Args:
        chunk: the slide's lines (at least one is not blank).

    Returns:
        The slide; ``notes`` starts with the text after ``Note:`` on that line.

    Examples:
        >>> s = split_notes([Line("## Hi", "a.md:5"), Line("Note: say hello", "a.md:6")])
        >>> [ln.text for ln in s.lines], [ln.text for ln in s.notes], s.where
        (['## Hi'], ['say hello'], 'a.md:5')
    """
    where = next(ln.where for ln in chunk if ln.text.strip())
    for i, line in enumerate(chunk):
        if line.text.startswith("Note:"):
            first = Line(line.text[len("Note:") :].strip(), line.where)
            return Slide(chunk[:i], [first, *chunk[i + 1 :]], where)
    return Slide(chunk, [], where)


def parse_text(text: str, path: str) -> Section:
    """Parse one source's text into a :class:`Section` (``path`` only names it in errors).

    Args:
        text: the whole source file.
        path: how errors name the file.

    Returns:
        The section with one :class:`Slide` per non-blank chunk between ``---`` lines.

    Raises:
        SlideSyntaxError: bad front matter, or no slide at all.

    Examples:
        >>> src = "---\\nsection: Intro\\nminutes: 5\\n---\\n# One\\n---\\n## Two\\nNote: hi\\n"
        >>> section = parse_text(src, "intro.md")
        >>> section.title, section.minutes, [s.where for s in section.slides]
        ('Intro', 5, ['intro.md:5', 'intro.md:7'])
    """
    lines = text.splitlines()
    meta, start = _front_matter(lines, path)
    notebooks = list(meta.get("notebooks") or [])
    section = Section(str(meta["section"]), meta["minutes"], notebooks, source=path)
    chunk: list[Line] = []
    for lineno in range(start + 1, len(lines) + 2):  # a final separator closes the last slide
        raw = lines[lineno - 1] if lineno <= len(lines) else "---"
        if _SEPARATOR.match(raw):
            if any(ln.text.strip() for ln in chunk):
                section.slides.append(split_notes(chunk))
            chunk = []
        else:
            chunk.append(Line(raw, f"{path}:{lineno}"))
    if not section.slides:
        raise SlideSyntaxError(f"{path}: no slides after the front matter")
    return section


def parse_section(path: Path) -> Section:
    """Read one source file into a :class:`Section` (see :func:`parse_text`).

    Args:
        path: a ``slides/*.md`` file (UTF-8).

    Returns:
        The parsed section; its lines name ``path`` and their line numbers.

    Raises:
        SlideSyntaxError: through :func:`parse_text`, for bad front matter or no slide.
    """
    return parse_text(Path(path).read_text(encoding="utf-8"), str(path))


def load_sections(src: Path) -> list[Section]:
    """Every ``*.md`` in ``src`` except README, in file-name order.

    File names set the order of the tutorial's blocks (``01_intro.md``, ...).

    Args:
        src: the folder of slide sources (``slides/`` of the clone).

    Returns:
        One section per source file.

    Raises:
        FileNotFoundError: ``src`` holds no slide source.
    """
    files = sorted(p for p in Path(src).glob("*.md") if p.name.lower() != "readme.md")
    if not files:
        raise FileNotFoundError(f"no slide sources (*.md) in {src}")
    return [parse_section(p) for p in files]


def check_budget(sections: list[Section], total: int = TOTAL_MINUTES) -> None:
    """Check that the blocks' minutes add up to the tutorial's length.

    The agenda slide and the speaker view's pacing timer both come from these
    minutes, so a deck that overruns its slot fails the build instead.

    Args:
        sections: the parsed sources.
        total: the tutorial's length in minutes.

    Raises:
        SlideSyntaxError: the sum differs; the message lists each block's minutes.
    """
    got = sum(s.minutes for s in sections)
    if got != total:
        parts = ", ".join(f"{s.title} {s.minutes}" for s in sections)
        raise SlideSyntaxError(f"section minutes add up to {got}, not {total} ({parts})")
