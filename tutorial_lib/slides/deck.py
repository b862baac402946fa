"""Parse ``slides/*.md`` into sections and slides and write one self-contained HTML deck.

A source file is one tutorial block: YAML front matter (``section``,
``minutes``, ``notebooks``) then slides separated by ``---`` lines. ``Note:``
starts a slide's speaker notes. Two directives are rendered by the builder so
they cannot drift from the sources: ``[[agenda]]`` (the time budget, from the
front matter), ``[[colab NAME]]`` (an Open-in-Colab link from the one
repository URL) and ``[[references]]`` (the sources of the facts registry);
``{{fact:ID}}`` and ``{{preset:NAME.section.key}}`` put sourced facts and preset
values into the text at build time (``values.py``). Images are embedded as data URIs; ``kit:NAME`` images are
drawn by the kit at build time (see ``figures.py``), so the deck stays in step
with the library and opens offline with no CDN.

Taught in notebooks/01_crowdsourcing_basics (the deck that goes with it).
"""

from __future__ import annotations

import base64
import html
import logging
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .markdown import Line, SlideSyntaxError, render_blocks
from .values import references_lines, substitute
from .viewer import page

logger = logging.getLogger(__name__)

TOTAL_MINUTES = 105
_SEPARATOR = re.compile(r"^---\s*$")
_IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


@dataclass
class Slide:
    """One slide: its body lines, speaker notes and where it starts."""

    lines: list[Line]
    notes: list[str]
    where: str


@dataclass
class Section:
    """One tutorial block (one source file) with its time budget."""

    title: str
    minutes: int
    notebooks: list[str]
    slides: list[Slide] = field(default_factory=list)
    source: str = ""


def _front_matter(text: str, path: Path) -> tuple[dict, int]:
    lines = text.splitlines()
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


def parse_section(path: Path) -> Section:
    """Read one source file into a :class:`Section`."""
    text = path.read_text(encoding="utf-8")
    meta, start = _front_matter(text, path)
    section = Section(
        str(meta["section"]), meta["minutes"], list(meta.get("notebooks") or []), source=str(path)
    )
    chunk: list[Line] = []
    lines = text.splitlines()
    for lineno in range(start + 1, len(lines) + 2):  # a final separator closes the last slide
        raw = lines[lineno - 1] if lineno <= len(lines) else "---"
        if _SEPARATOR.match(raw):
            if any(ln.text.strip() for ln in chunk):
                section.slides.append(_split_notes(chunk))
            chunk = []
        else:
            chunk.append(Line(raw, f"{path}:{lineno}"))
    if not section.slides:
        raise SlideSyntaxError(f"{path}: no slides after the front matter")
    return section


def _split_notes(chunk: list[Line]) -> Slide:
    where = next(ln.where for ln in chunk if ln.text.strip())
    for i, line in enumerate(chunk):
        if line.text.startswith("Note:"):
            notes = [line.text[len("Note:") :].strip()] + [ln.text for ln in chunk[i + 1 :]]
            return Slide(chunk[:i], [n for n in notes if n.strip()], where)
    return Slide(chunk, [], where)


def load_sections(src: Path) -> list[Section]:
    """Every ``*.md`` in ``src`` except README, in file-name order."""
    files = sorted(p for p in Path(src).glob("*.md") if p.name.lower() != "readme.md")
    if not files:
        raise FileNotFoundError(f"no slide sources (*.md) in {src}")
    return [parse_section(p) for p in files]


def check_budget(sections: list[Section], total: int = TOTAL_MINUTES) -> None:
    """The blocks' minutes must add up to the tutorial's length."""
    got = sum(s.minutes for s in sections)
    if got != total:
        parts = ", ".join(f"{s.title} {s.minutes}" for s in sections)
        raise SlideSyntaxError(f"section minutes add up to {got}, not {total} ({parts})")


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_loader(base: Path, kit_figure: Callable[[str], bytes]) -> Callable[[str, str, str], str]:
    """Resolve an image source to an ``<img>`` tag with the bytes embedded."""

    def load(src: str, alt: str, where: str) -> str:
        if src.startswith("kit:"):
            try:
                data, mime = kit_figure(src[4:]), "image/png"
            except KeyError as err:
                raise SlideSyntaxError(f"{where}: {err.args[0]}") from None
            except Exception as err:  # a figure is library code: name the slide that needed it
                raise SlideSyntaxError(
                    f"{where}: kit figure {src[4:]!r} failed: {type(err).__name__}: {err}"
                ) from err
        else:
            path = (base / src).resolve()
            if path.suffix.lower() not in _IMAGE_TYPES:
                raise SlideSyntaxError(
                    f"{where}: {src!r} is not an image ({', '.join(_IMAGE_TYPES)})"
                )
            if not path.is_file():
                raise SlideSyntaxError(f"{where}: image {src!r} not found (looked in {path})")
            data, mime = path.read_bytes(), mimetypes.guess_type(path.name)[0] or "image/png"
        return f'<img src="{_data_uri(data, mime)}" alt="{html.escape(alt)}">'

    return load


def _agenda(sections: list[Section]) -> list[Line]:
    rows = ["| Block | Minutes | Notebooks |", "|---|---|---|"]
    rows += [f"| {s.title} | {s.minutes} | {', '.join(s.notebooks) or '—'} |" for s in sections]
    rows.append(f"| **Total** | **{sum(s.minutes for s in sections)}** | |")
    return [Line(r, "agenda") for r in rows]


def _expand(slide: Slide, sections: list[Section], colab_url: Callable[[str], str]) -> list[Line]:
    out = []
    for line in slide.lines:
        text = line.text.strip()
        if text == "[[agenda]]":
            out.extend(_agenda(sections))
        elif m := re.match(r"^\[\[references(?:\s+(\d+)/(\d+))?\]\]$", text):
            out.extend(references_lines(int(m.group(1) or 1), int(m.group(2) or 1)))
        elif m := re.match(r"^\[\[colab\s+(\S+)\]\]$", text):
            out.append(Line(f"[Open {m.group(1)} in Colab]({colab_url(m.group(1))})", line.where))
        else:
            out.append(substitute(line))
    return out


def render_deck(
    sections: list[Section],
    base: Path,
    kit_figure: Callable[[str], bytes],
    colab_url: Callable[[str], str],
    title: str,
) -> str:
    """The complete HTML document for ``sections``."""
    load = image_loader(base, kit_figure)
    parts, total = [], sum(len(s.slides) for s in sections)
    n = 0
    for section in sections:
        for slide in section.slides:
            n += 1
            body = render_blocks(_expand(slide, sections, colab_url), load)
            notes = html.escape(
                "\n".join(substitute(Line(n, slide.where)).text for n in slide.notes)
            )
            parts.append(
                f'<section class="slide" id="s{n}" data-section="{html.escape(section.title)}" '
                f'data-minutes="{section.minutes}">{body}'
                f'<aside class="notes">{notes}</aside>'
                f"<footer>{html.escape(section.title)} · {section.minutes} min · {n}/{total}</footer>"
                f"</section>"
            )
    return page(title, "\n".join(parts))
