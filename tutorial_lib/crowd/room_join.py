"""How attendees join a room: the LAN address and a QR code to scan.

Served with ``--host 0.0.0.0``, a room is reachable from the hall's laptops
and phones at this machine's LAN address. :func:`join_text` gives the URL and
a QR code drawn with text blocks (for a terminal: light modules drawn, so it
reads right on a dark background); :func:`show_join` shows it where the
presenter is looking: an SVG QR code in a notebook cell, the text in a
terminal. The QR code needs the optional ``qrcode`` package (``room`` extra);
without it, the URL alone is shown.
"""

from __future__ import annotations

import io
import logging
import sys

logger = logging.getLogger(__name__)


def _qr(url: str):
    try:
        import qrcode
    except ImportError:
        return None
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    return code


def join_text(url: str) -> str:
    """The URL and, when ``qrcode`` is installed, a text QR code for a terminal.

    Args:
        url: The room's address as attendees reach it (the LAN URL).

    Returns:
        An instruction line with the URL, then the QR code drawn in block
        characters (light modules drawn, for dark terminals) when available.

    Examples:
        >>> "http://10.0.0.5:8000/" in join_text("http://10.0.0.5:8000/")
        True
    """
    code = _qr(url)
    lines = [f"Join the room: open {url} (or scan the code) and type a nickname."]
    if code is not None:
        buf = io.StringIO()
        code.print_ascii(out=buf, invert=True)
        lines.append(buf.getvalue().rstrip("\n"))
    return "\n".join(lines)


def join_svg(url: str) -> str | None:
    """The QR code for ``url`` as SVG markup (None without ``qrcode``).

    Args:
        url: The room's address to encode.

    Returns:
        An ``<svg>`` string for a notebook cell, or ``None`` when the optional
        ``qrcode`` package (``room`` extra) is not installed.
    """
    code = _qr(url)
    if code is None:
        return None
    from qrcode.image.svg import SvgPathImage

    return code.make_image(image_factory=SvgPathImage).to_string(encoding="unicode")


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    try:
        return bool(shell and shell.get_ipython() and shell.get_ipython().has_trait("kernel"))
    except AttributeError:
        return False


def join_html(url: str, svg: str) -> str:
    """The join page for a notebook cell: the link (escaped) and the QR code's SVG.

    Args:
        url: the room's address.
        svg: the QR code from :func:`join_svg` (drawn by ``qrcode``, not user text).

    Returns:
        The HTML fragment, from ``templates/room_join.html.j2``.

    Examples:
        >>> page = join_html("http://10.0.0.5:8000/?a=1&b=2", "<svg></svg>")
        >>> 'href="http://10.0.0.5:8000/?a=1&amp;b=2"' in page and "<svg></svg>" in page
        True
    """
    from markupsafe import Markup

    from ..render import render

    return render("room_join.html.j2", url=url, qr_svg=Markup(svg))


def show_join(url: str, file=None) -> None:
    """Show how to join: an SVG QR code in a notebook, the text QR code in a terminal.

    Args:
        url: the room's address.
        file: print the text version here instead (default: stdout, or the notebook).
    """
    svg = join_svg(url) if _in_notebook() and file is None else None
    if svg is None:
        print(join_text(url), file=file or sys.stdout, flush=True)
        return
    from IPython.display import HTML, display

    display(HTML(join_html(url, svg)))
