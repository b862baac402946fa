"""Print the built deck to PDF: reveal.js's ``?print-pdf`` view, saved by Chromium through playwright.

reveal.js lays out one page per slide in its print view and sets the CSS page size;
playwright's ``page.pdf`` keeps that size. The page is opened from ``file://`` and every
request that is not a local file or a data URI is refused, so the PDF shows exactly what
the offline deck shows. Chromium is the system one (``/usr/bin/chromium`` from Debian,
installed by ``make install``); playwright never downloads a browser here.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..errors import TutorialLibError

logger = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class PdfError(TutorialLibError, RuntimeError):
    """The deck could not be printed to PDF (no Chromium, no playwright, or a page error)."""


def is_local(url: str) -> bool:
    """Whether a request stays on this machine (a ``file:`` or ``data:`` URL).

    Args:
        url: the URL a page asked for.

    Returns:
        True for ``file:`` and ``data:`` URLs; everything else is refused.

    Examples:
        >>> is_local("file:///tmp/deck/index.html"), is_local("https://fonts.example/x.css")
        (True, False)
    """
    return url.startswith(("file:", "data:"))


def offline_page(browser, **kwargs):
    """A new page of ``browser`` that refuses every request leaving the machine.

    Args:
        browser: a playwright ``Browser``.
        **kwargs: passed to ``browser.new_page`` (viewport, ...).

    Returns:
        The page; blocked URLs are listed in ``page.blocked``.
    """
    page = browser.new_page(**kwargs)
    page.blocked = []

    def route(r):
        if is_local(r.request.url):
            r.continue_()
        else:
            page.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return page


def export_pdf(html: Path, pdf: Path, chromium: str = CHROMIUM, timeout_s: float = 120) -> Path:
    """Print the deck at ``html`` to ``pdf``, one page per slide.

    Args:
        html: the built ``index.html`` (with ``reveal/`` beside it).
        pdf: where to write the PDF.
        chromium: the Chromium binary playwright drives.
        timeout_s: how long reveal.js may take to lay out the print view.

    Returns:
        ``pdf``.

    Raises:
        PdfError: playwright or Chromium is missing, or the print view never became ready.
    """
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise PdfError(
            "writing the PDF needs playwright (pip install 'tutorial-lib[dev]')"
        ) from None
    if not Path(chromium).exists():
        raise PdfError(f"writing the PDF needs Chromium at {chromium} (apt-get install chromium)")
    url = Path(html).resolve().as_uri() + "?print-pdf"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = offline_page(browser)
            page.goto(url, wait_until="load")
            page.wait_for_function(
                "document.body.dataset.pdfReady === '1'", timeout=timeout_s * 1000
            )
            page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        except Error as err:
            raise PdfError(f"could not print {html} to PDF: {err.message.splitlines()[0]}") from err
        finally:
            browser.close()
    logger.info("wrote %s", pdf)
    return pdf
