"""The tutorial's slide deck, built from ``slides/*.md`` by ``make slides``.

``build_deck`` renders every source into one self-contained HTML file (inline
CSS and viewer, figures drawn by the kit and embedded as data URIs, no CDN),
then prints it to PDF with headless Chromium when one is installed.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..colab_links import colab_url
from ..config import REPO_ROOT
from .deck import TOTAL_MINUTES, Section, check_budget, load_sections, render_deck
from .figures import FIGURES, render, use_run
from .markdown import SlideSyntaxError

__all__ = [
    "FIGURES",
    "TOTAL_MINUTES",
    "BuildResult",
    "Section",
    "SlideSyntaxError",
    "build_deck",
    "export_pdf",
    "load_sections",
]
logger = logging.getLogger(__name__)

SLIDES_DIR = REPO_ROOT / "slides"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-pdf-header-footer",
]


@dataclass
class BuildResult:
    """What a build wrote: the HTML deck, the PDF (or None) and the slide count."""

    html: Path
    pdf: Path | None
    slides: int
    sections: list[Section]


def find_chromium() -> str | None:
    """A Chromium binary on this machine, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def export_pdf(html: Path, pdf: Path, chromium: str, timeout: float = 120) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium (one slide per page)."""
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        raise RuntimeError(
            f"chromium could not print {html} to PDF (exit {proc.returncode}): "
            f"{proc.stderr.strip()[-500:]}"
        )
    return pdf


def build_deck(
    src: str | os.PathLike = SLIDES_DIR,
    out: str | os.PathLike = SLIDES_DIR / "build",
    pdf: str = "auto",
    title: str = "Aligning an LLM to a low-resource language",
    total_minutes: int = TOTAL_MINUTES,
    run: str | os.PathLike | None = None,
) -> BuildResult:
    """Build ``out/index.html`` (and ``out/slides.pdf`` when ``pdf`` is ``auto`` or ``yes``).

    ``pdf="auto"`` prints only where Chromium is installed; ``"yes"`` fails without it.
    ``run`` is a finished pipeline run whose loss curve, accuracy, DPO margins and
    ranking the deck shows (``make slides`` passes ``runs/demo``).
    """
    if pdf not in ("auto", "yes", "no"):
        raise ValueError(f"pdf must be auto, yes or no, got {pdf!r}")
    src, out = Path(src), Path(out)
    sections = load_sections(src)
    check_budget(sections, total_minutes)
    use_run(run)
    document = render_deck(sections, src, render, colab_url, title)
    out.mkdir(parents=True, exist_ok=True)
    html = out / "index.html"
    html.write_text(document, encoding="utf-8")
    n = sum(len(s.slides) for s in sections)
    logger.info("wrote %s (%d slides, %.0f kB)", html, n, html.stat().st_size / 1024)
    pdf_path = None
    chromium = find_chromium() if pdf != "no" else None
    if chromium:
        pdf_path = export_pdf(html, out / "slides.pdf", chromium)
        logger.info("wrote %s", pdf_path)
    elif pdf == "yes":
        raise RuntimeError("pdf='yes' but no chromium on PATH; install it or pass pdf='no'")
    return BuildResult(html=html, pdf=pdf_path, slides=n, sections=sections)
