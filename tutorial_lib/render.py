"""The one place HTML and Markdown are rendered: jinja2 templates with autoescape on.

Crowd- and model-written text is untrusted: a Part I answer is input to a Part
II rater's browser, and a model can generate ``<script>``. So no module builds
markup with f-strings. Every page (run report, data card, side-by-side page,
task preview, instructions, widgets, the room's join page) is a template under
``tutorial_lib/templates/``, rendered by :func:`render` in an environment with
autoescape on, as Flask and nbconvert do. There is exactly one escaping rule:

* :func:`nl2br` (the ``nl2br`` filter): HTML-escape, quotes included, and show
  each line break as ``<br>``. Autoescape applies the same escaping to every
  other ``{{ value }}``.
* :func:`md_cell` (the ``md_cell`` filter): a Markdown table cell is the same
  escaped text with ``|`` as ``&#124;``, so a cell cannot end early; numbers
  keep four significant digits. The report and the data card both use it
  through the ``table`` macro in ``templates/_markdown.md.j2``.

Templates ship inside the package (hatchling packages everything under
``tutorial_lib/``), so an installed wheel renders the same pages as a checkout.
"""

from __future__ import annotations

import functools

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

__all__ = ["environment", "md_cell", "nl2br", "render"]


def nl2br(value: object) -> Markup:
    """Untrusted text as HTML: escaped (``<``, ``>``, ``&`` and quotes), line breaks as ``<br>``.

    The kit's one escaping rule for crowd and model text; templates reach it as
    the ``nl2br`` filter, widgets call it directly.

    Args:
        value: any value; ``None`` is shown as nothing.

    Returns:
        Markup that is safe to place in HTML text or a quoted attribute.

    Examples:
        >>> str(nl2br('<b>"Hi"</b> & bye\\nnext'))
        '&lt;b&gt;&#34;Hi&#34;&lt;/b&gt; &amp; bye<br>next'
        >>> str(nl2br(None))
        ''
    """
    text = "" if value is None else str(value)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Markup("<br>").join(escape(line) for line in lines)


def md_cell(value: object) -> Markup:
    """A Markdown table cell: :func:`nl2br`'s escaping, with ``|`` written as ``&#124;``.

    Args:
        value: the cell; floats are shown with four significant digits.

    Returns:
        Markup that stays inside its cell on GitHub, the Hub and any CommonMark renderer.

    Examples:
        >>> str(md_cell("a | b\\n<i>c</i>"))
        'a &#124; b<br>&lt;i&gt;c&lt;/i&gt;'
        >>> str(md_cell(0.123456789))
        '0.1235'
    """
    if isinstance(value, float):
        value = f"{value:.4g}"
    return Markup(str(nl2br(value)).replace("|", "&#124;"))


@functools.cache
def environment() -> Environment:
    """The jinja2 environment every page is rendered in (built once).

    Autoescape is on for every template, HTML and Markdown alike (HTML entities
    are valid Markdown); undefined names raise instead of rendering as nothing.

    Returns:
        The shared :class:`jinja2.Environment`.
    """
    env = Environment(
        loader=PackageLoader("tutorial_lib", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["nl2br"] = nl2br
    env.filters["md_cell"] = md_cell
    return env


def render(template: str, **context: object) -> str:
    """Render one of the package's templates with ``context``.

    Args:
        template: a file name under ``tutorial_lib/templates/``, e.g. ``"side_by_side.html.j2"``.
        **context: the template's variables; every one is escaped where it is shown.

    Returns:
        The rendered page or fragment.

    Raises:
        jinja2.TemplateNotFound: no such template ships with the kit.
        jinja2.UndefinedError: the template uses a variable ``context`` lacks.

    Examples:
        >>> page = render("table.html.j2", columns=["answer"], rows=[["<b>hi</b>"]])
        >>> page.startswith("<table>"), "&lt;b&gt;hi&lt;/b&gt;" in page, "<b>" in page
        (True, True, False)
    """
    return environment().get_template(template).render(**context)
