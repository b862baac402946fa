"""The tutorial's slide deck: ``slides/*.md`` rendered into a reveal.js deck by ``make slides``.

``build_deck`` parses the sources (``source.py``), renders them with markdown-it-py
(``render.py``, ``deck.py``), copies reveal.js (fetched once from the npm registry,
``reveal.py``) next to ``index.html``, and prints the PDF when asked (``pdf.py``). The
built folder opens from ``file://`` with no network: figures are data URIs and the
viewer is local.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from ..colab_links import colab_url
from ..config import REPO_ROOT
from .deck import render_deck
from .figures import FIGURES, render, use_run
from .pdf import CHROMIUM, PdfError, export_pdf
from .reveal import CACHE_DIR, REVEAL_VERSION, RevealFetchError, copy_reveal, fetch_reveal
from .source import TOTAL_MINUTES, Section, SlideSyntaxError, check_budget, load_sections

__all__ = [
    "FIGURES",
    "REVEAL_VERSION",
    "TOTAL_MINUTES",
    "BuildResult",
    "PdfError",
    "RevealFetchError",
    "Section",
    "SlideSyntaxError",
    "build_deck",
    "export_pdf",
    "load_sections",
]
logger = logging.getLogger(__name__)

SLIDES_DIR = REPO_ROOT / "slides"
TITLE = "Aligning an LLM to a low-resource language"


@dataclass
class BuildResult:
    """What a build wrote: the HTML deck, the PDF (or None), the slide count and sections."""

    html: Path
    pdf: Path | None
    slides: int
    sections: list[Section]


def build_deck(
    src: str | os.PathLike = SLIDES_DIR,
    out: str | os.PathLike = SLIDES_DIR / "build",
    pdf: bool = False,
    total_minutes: int = TOTAL_MINUTES,
    run: str | os.PathLike | None = None,
    cache: str | os.PathLike = CACHE_DIR,
    chromium: str = CHROMIUM,
) -> BuildResult:
    """Build ``out/index.html`` with reveal.js in ``out/reveal`` (and ``out/slides.pdf``).

    Args:
        src: the folder of ``*.md`` sources.
        out: the output folder (created).
        pdf: also print ``out/slides.pdf`` (one page per slide) with Chromium.
        total_minutes: the blocks' minutes must add up to this.
        run: a finished pipeline run whose loss curve, accuracy, DPO margins and ranking
            the deck shows (``make slides`` passes ``runs/demo``).
        cache: where the reveal.js npm package is cached (fetched on first use).
        chromium: the Chromium binary for the PDF.

    Returns:
        What was written.

    Raises:
        SlideSyntaxError: a source cannot be rendered (the message names file and line).
        RevealFetchError: reveal.js is not cached and npm cannot fetch it.
        PdfError: ``pdf`` is set and the PDF cannot be printed.
    """
    src, out = Path(src), Path(out)
    sections = load_sections(src)
    check_budget(sections, total_minutes)
    use_run(run)
    document = render_deck(sections, src, render, colab_url, TITLE)
    package = fetch_reveal(Path(cache))
    out.mkdir(parents=True, exist_ok=True)
    copy_reveal(package, out)
    html = out / "index.html"
    html.write_text(document, encoding="utf-8")
    n = sum(len(s.slides) for s in sections)
    logger.info("wrote %s (%d slides, %.0f kB)", html, n, html.stat().st_size / 1024)
    pdf_path = export_pdf(html, out / "slides.pdf", chromium) if pdf else None
    return BuildResult(html=html, pdf=pdf_path, slides=n, sections=sections)
