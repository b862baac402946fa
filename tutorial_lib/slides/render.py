"""Slide bodies to HTML with markdown-it-py (CommonMark plus tables, raw HTML off).

Raw HTML is off, so a ``<script>`` in a slide (or in crowd text quoted on one) is shown
as text, and markdown-it's link check drops ``javascript:`` and ``data:`` links. Three
additions on top of the stock renderer, each a small markdown-it rule:

- every image source goes through a loader the deck supplies (``kit:NAME`` figures and
  files next to the sources become data URIs), with the ``file:line`` of the image;
- a paragraph holding only an image becomes ``<figure>`` with the alt text as caption;
- links open in a new tab, so the presenter never navigates away from the deck.

A line ``||`` splits a slide into two columns; headings above the first block stay
full width.
"""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from .source import Line, SlideSyntaxError

ImageLoader = Callable[[str, str, str], str]
"""``load(src, alt, where)`` returns the ``src`` to put in the ``<img>`` (a data URI)."""

COLUMN_BREAK = "||"


def _resolve_images(state) -> None:
    """Core rule: load every image through ``env["load_image"]``; mark lone images as figures."""
    lines: list[Line] = state.env.get("lines", [])
    load = state.env.get("load_image")
    for i, token in enumerate(state.tokens):
        if token.type != "inline" or not token.children:
            continue
        breaks = 0
        for child in token.children:
            if child.type in ("softbreak", "hardbreak"):
                breaks += 1
            if child.type != "image":
                continue
            row = token.map[0] + breaks if token.map else 0
            where = lines[row].where if row < len(lines) else "slide"
            if load is None:
                raise SlideSyntaxError(f"{where}: images are not allowed here")
            alt = "".join(c.content for c in child.children or [])
            child.attrSet("src", load(child.attrGet("src") or "", alt, where))
        if len(token.children) == 1 and token.children[0].type == "image":
            token.children[0].meta["figure"] = True
            state.tokens[i - 1].tag = state.tokens[i + 1].tag = "figure"


def _image(self, tokens, idx, options, env) -> str:
    """An ``<img>``; a figure's alt text is also rendered below it as its caption."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    tag = f'<img src="{escapeHtml(token.attrGet("src") or "")}" alt="{escapeHtml(alt)}">'
    if token.meta.get("figure") and alt:
        caption = self.renderInline(token.children or [], options, env)
        tag += f"<figcaption>{caption}</figcaption>"
    return tag


def _link_open(self, tokens, idx, options, env) -> str:
    """A link that opens in a new tab and tells the target nothing about the deck."""
    tokens[idx].attrSet("target", "_blank")
    tokens[idx].attrSet("rel", "noopener")
    return self.renderToken(tokens, idx, options, env)


def markdown() -> MarkdownIt:
    """The one Markdown renderer of the deck: CommonMark + tables, raw HTML off.

    Returns:
        A configured :class:`markdown_it.MarkdownIt`; ``env`` may carry ``lines`` (the
        :class:`Line` list rendered, for error locations) and ``load_image``.

    Examples:
        >>> markdown().render("**Habari** <script>alert(1)</script>")
        '<p><strong>Habari</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>\\n'
    """
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.core.ruler.push("slide_images", _resolve_images)
    md.add_render_rule("image", _image)
    md.add_render_rule("link_open", _link_open)
    return md


_MD = markdown()


def render_lines(lines: list[Line], load_image: ImageLoader | None = None) -> str:
    """Render consecutive source lines as one Markdown document.

    Args:
        lines: the lines, with where each came from.
        load_image: resolves image sources; ``None`` makes any image an error.

    Returns:
        The HTML fragment.

    Examples:
        >>> render_lines([Line("[docs](https://example.org) and [x](javascript:alert(1))", "a:1")])
        '<p><a href="https://example.org" target="_blank" rel="noopener">docs</a> and [x](javascript:alert(1))</p>\\n'
    """
    env = {"lines": lines, "load_image": load_image}
    return _MD.render("\n".join(ln.text for ln in lines), env)


def _split_columns(lines: list[Line]) -> tuple[list[Line], list[list[Line]]]:
    """Leading headings (full width) and the columns between ``||`` lines."""
    columns: list[list[Line]] = [[]]
    for line in lines:
        if line.text.strip() == COLUMN_BREAK:
            columns.append([])
        else:
            columns[-1].append(line)
    first = columns[0]
    k = 0
    while k < len(first) and (not first[k].text.strip() or first[k].text.lstrip().startswith("#")):
        k += 1
    return first[:k], [first[k:], *columns[1:]]


def render_body(lines: list[Line], load_image: ImageLoader | None = None) -> str:
    """Render a slide body, laying it out in columns where a ``||`` line splits it.

    Args:
        lines: the slide's body lines (directives already expanded).
        load_image: resolves image sources (see :data:`ImageLoader`).

    Returns:
        The slide's HTML; columns sit in ``<div class="cols"><div class="col">``.

    Examples:
        >>> rows = ["## Two sides", "", "left", "||", "right"]
        >>> render_body([Line(t, f"a.md:{n}") for n, t in enumerate(rows, 1)]).replace("\\n", "")
        '<h2>Two sides</h2><div class="cols"><div class="col"><p>left</p></div><div class="col"><p>right</p></div></div>'
    """
    if not any(ln.text.strip() == COLUMN_BREAK for ln in lines):
        return render_lines(lines, load_image)
    head, columns = _split_columns(lines)
    cols = "".join(f'<div class="col">{render_lines(c, load_image)}</div>' for c in columns)
    return f'{render_lines(head, load_image)}<div class="cols">{cols}</div>'
