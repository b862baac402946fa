"""The deck's HTML: parsed sections in, one reveal.js page out (a pure function, no I/O but images).

Directives are rendered here so they cannot drift from the sources: ``[[agenda]]`` (the
time budget, from the front matter), ``[[colab NAME]]`` (an Open-in-Colab link from the
one repository URL) and ``[[references]]`` (the sources of the facts registry);
``{{fact:ID}}`` and ``{{preset:NAME.section.key}}`` put sourced facts and preset values
into the text (``values.py``). Images become data URIs: ``kit:NAME`` figures are drawn
by the kit at build time (``figures.py``), other images are read next to the sources.

The page is a jinja2 template (``tutorial_lib/templates/deck.html.j2``, rendered in the
kit's one environment, autoescape on): the title and section names are escaped by the
template; slide bodies and notes are markdown-it output with raw HTML off, inserted with
``|safe``.
Each slide carries reveal.js's ``data-timing`` (its block's minutes shared among the
block's slides), so the speaker view's pacing timer follows the time budget.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path

from ..render import render
from .render import ImageLoader, render_body, render_lines
from .source import Line, Section, Slide, SlideSyntaxError
from .values import references_lines, substitute

_IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
# reveal.js settings: 16:9 like the old viewer, slide number in the URL (#/5), one PDF
# page per slide in ?print-pdf mode, no transitions (a projector shows them badly).
REVEAL_CONFIG = {
    "width": 1280,
    "height": 720,
    "margin": 0,
    "center": False,
    "hash": True,
    "slideNumber": "c/t",
    "transition": "none",
    "pdfMaxPagesPerSlide": 1,
    "pdfSeparateFragments": False,
}


def data_uri(data: bytes, mime: str) -> str:
    """Embed ``data`` as a ``data:`` URI, so the built deck is one file that needs no folder.

    Args:
        data: the raw bytes (a PNG, an SVG...).
        mime: its media type, e.g. ``"image/png"``.

    Returns:
        ``data:MIME;base64,...``.

    Examples:
        >>> data_uri(b"hi", "text/plain")
        'data:text/plain;base64,aGk='
    """
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _kit_figure(name: str, where: str, kit_figure: Callable[[str], bytes]) -> bytes:
    """PNG bytes of a kit figure; a failure names the slide that needed it."""
    try:
        return kit_figure(name)
    except KeyError as err:
        raise SlideSyntaxError(f"{where}: {err.args[0]}") from None
    except Exception as err:  # a figure is library code: name the slide that needed it
        raise SlideSyntaxError(
            f"{where}: kit figure {name!r} failed: {type(err).__name__}: {err}"
        ) from err


def image_loader(base: Path, kit_figure: Callable[[str], bytes]) -> ImageLoader:
    """Resolve an image source (``kit:NAME`` or a file under ``base``) to a data URI.

    Args:
        base: the folder the slide sources live in.
        kit_figure: draws a kit figure by name (``figures.render``).

    Returns:
        ``load(src, alt, where)``; a missing or non-image file raises
        :class:`SlideSyntaxError` naming ``where``.
    """

    def load(src: str, alt: str, where: str) -> str:
        if src.startswith("kit:"):
            return data_uri(_kit_figure(src[4:], where, kit_figure), "image/png")
        path = (base / src).resolve()
        if path.suffix.lower() not in _IMAGE_TYPES:
            raise SlideSyntaxError(f"{where}: {src!r} is not an image ({', '.join(_IMAGE_TYPES)})")
        if not path.is_file():
            raise SlideSyntaxError(f"{where}: image {src!r} not found (looked in {path})")
        return data_uri(path.read_bytes(), mimetypes.guess_type(path.name)[0] or "image/png")

    return load


def _agenda(sections: list[Section]) -> list[Line]:
    """The time-budget table, one row per block, from the sources' front matter."""
    rows = ["| Block | Minutes | Notebooks |", "|---|---|---|"]
    rows += [f"| {s.title} | {s.minutes} | {', '.join(s.notebooks) or '—'} |" for s in sections]
    rows.append(f"| **Total** | **{sum(s.minutes for s in sections)}** | |")
    return [Line(r, "agenda") for r in rows]


def expand(
    lines: list[Line], sections: list[Section], colab_url: Callable[[str], str]
) -> list[Line]:
    """Replace directive lines and ``{{...}}`` placeholders by the Markdown they stand for.

    A directive is a whole line (``[[agenda]]``, ``[[references]]`` or
    ``[[references K/N]]``, ``[[colab NAME]]``); placeholders may sit anywhere in a line.

    Args:
        lines: a slide's body lines.
        sections: every section of the deck (the agenda lists them all).
        colab_url: the Colab link for a notebook name.

    Returns:
        The lines to render, each keeping the ``where`` of the line it came from.

    Raises:
        SlideSyntaxError: through :func:`~tutorial_lib.slides.values.substitute`, for
            an unknown fact id or preset value.

    Examples:
        >>> expand([Line("[[colab 01_intro]]", "a.md:3")], [], lambda nb: f"https://c/{nb}")
        [Line(text='[Open 01_intro in Colab](https://c/01_intro)', where='a.md:3')]
    """
    out = []
    for line in lines:
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


def _slide_context(
    slide: Slide, section: Section, sections: list[Section], load, colab_url
) -> dict:
    """What the template needs for one slide (bodies are already safe HTML)."""
    body = render_body(expand(slide.lines, sections, colab_url), load)
    notes = render_lines([substitute(n) for n in slide.notes])
    return {
        "section": section.title,
        "minutes": section.minutes,
        "seconds": round(section.minutes * 60 / len(section.slides)),
        "body": body,  # markdown-it output, raw HTML off: safe to insert
        "notes": notes,
    }


def render_deck(
    sections: list[Section],
    base: Path,
    kit_figure: Callable[[str], bytes],
    colab_url: Callable[[str], str],
    title: str,
) -> str:
    """The complete HTML page for ``sections``; it loads reveal.js from ``reveal/`` beside it.

    Args:
        sections: the parsed sources.
        base: the folder relative image paths are read from.
        kit_figure: draws a kit figure by name.
        colab_url: the Colab link for a notebook name.
        title: the page title.

    Returns:
        The HTML document.

    Raises:
        SlideSyntaxError: a directive, placeholder or image cannot be resolved.
    """
    load = image_loader(base, kit_figure)
    slides = [
        _slide_context(slide, section, sections, load, colab_url)
        for section in sections
        for slide in section.slides
    ]
    config = {**REVEAL_CONFIG, "totalTime": 60 * sum(s.minutes for s in sections)}
    return render("deck.html.j2", title=title, slides=slides, config=config)
