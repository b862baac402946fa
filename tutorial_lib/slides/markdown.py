"""The small Markdown subset the slide sources use, rendered to escaped HTML.

Slides need headings, lists, paragraphs, tables, code, quotes, images and
links; nothing else. Every piece of source text is HTML-escaped before any
markup is added, so a ``<script>`` in a slide (or in crowd text quoted on one)
shows as text. Links are limited to http(s), mailto, anchors and relative paths.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import TutorialLibError

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_EM = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)\)\s*$")
_COLUMN_BREAK = "\x00column\x00"
_SAFE_URL = re.compile(r"^(https?://|mailto:|#|\.{0,2}/|[\w.-]+(/|$|#))", re.IGNORECASE)


class SlideSyntaxError(TutorialLibError, ValueError):
    """A slide source that cannot be rendered; the message names file and line."""


@dataclass
class Line:
    """One source line and where it came from (for error messages)."""

    text: str
    where: str


def inline(text: str) -> str:
    """Escape ``text`` and render `code`, **bold**, *emphasis* and [links](url)."""
    out = []
    for i, part in enumerate(re.split(r"`([^`]+)`", text)):
        if i % 2:
            out.append(f"<code>{html.escape(part)}</code>")
            continue
        s = html.escape(part, quote=True)
        s = _BOLD.sub(r"<strong>\1</strong>", s)
        s = _EM.sub(r"<em>\1</em>", s)
        s = _LINK.sub(_link, s)
        out.append(s)
    return "".join(out)


def _link(m: re.Match) -> str:
    label, url = m.group(1), m.group(2)
    if not _SAFE_URL.match(html.unescape(url)) or url.lower().startswith("javascript"):
        return m.group(0)
    return f'<a href="{url}" target="_blank" rel="noopener">{label}</a>'


def _table(rows: list[Line]) -> str:
    cells = [[c.strip() for c in r.text.strip().strip("|").split("|")] for r in rows]
    if len(cells) < 2 or not all(set(c) <= set("-: ") for c in cells[1]):
        raise SlideSyntaxError(f"{rows[0].where}: a table needs a header row and a |---| row")
    head = "".join(f"<th>{inline(c)}</th>" for c in cells[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{inline(c)}</td>" for c in row) + "</tr>" for row in cells[2:]
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _list(items: list[Line]) -> str:
    """Items with their raw indentation; indented items nest one level under the previous."""
    ordered = bool(re.match(r"\s*\d+\.\s", items[0].text))
    tag = "ol" if ordered else "ul"
    out, sub = [f"<{tag}>"], []

    def flush_sub():
        if sub:
            out[-1] = out[-1][: -len("</li>")] + _list(sub) + "</li>"
            sub.clear()

    for item in items:
        if item.text.startswith((" ", "\t")):
            sub.append(Line(item.text.lstrip(), item.where))
            continue
        flush_sub()
        body = re.sub(r"^(\d+\.|[-*])\s+", "", item.text)
        out.append(f"<li>{inline(body)}</li>")
    flush_sub()
    out.append(f"</{tag}>")
    return "".join(out)


def _is_item(text: str) -> bool:
    return bool(re.match(r"\s*([-*]|\d+\.)\s+\S", text))


def render_blocks(lines: list[Line], image: Callable[[str, str, str], str]) -> str:
    """Render a slide body; ``image(src, alt, where)`` returns the ``<img>`` data for a figure."""
    out, i = [], 0
    while i < len(lines):
        text = lines[i].text
        stripped = text.strip()
        if not stripped:
            i += 1
        elif stripped.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].text.strip().startswith("```"):
                j += 1
            if j == len(lines):
                raise SlideSyntaxError(f"{lines[i].where}: code block is never closed")
            code = "\n".join(ln.text for ln in lines[i + 1 : j])
            out.append(f"<pre><code>{html.escape(code)}</code></pre>")
            i = j + 1
        elif m := re.match(r"^(#{1,3})\s+(.*)$", stripped):
            level = len(m.group(1))
            out.append(f"<h{level}>{inline(m.group(2))}</h{level}>")
            i += 1
        elif m := _IMAGE.match(stripped):
            alt, src = m.group(1), m.group(2)
            caption = f"<figcaption>{inline(alt)}</figcaption>" if alt else ""
            out.append(f"<figure>{image(src, alt, lines[i].where)}{caption}</figure>")
            i += 1
        elif stripped == "||":
            out.append(_COLUMN_BREAK)
            i += 1
        elif stripped.startswith("|"):
            j = i
            while j < len(lines) and lines[j].text.strip().startswith("|"):
                j += 1
            out.append(_table(lines[i:j]))
            i = j
        elif _is_item(text):
            j = i
            while j < len(lines) and (_is_item(lines[j].text)):
                j += 1
            out.append(_list(lines[i:j]))
            i = j
        elif stripped.startswith(">"):
            j = i
            while j < len(lines) and lines[j].text.strip().startswith(">"):
                j += 1
            quote = " ".join(ln.text.strip()[1:].strip() for ln in lines[i:j])
            out.append(f"<blockquote>{inline(quote)}</blockquote>")
            i = j
        else:
            j = i
            while j < len(lines) and _is_paragraph(lines[j].text):
                j += 1
            out.append(f"<p>{inline(' '.join(ln.text.strip() for ln in lines[i:j]))}</p>")
            i = j
    if _COLUMN_BREAK not in out:
        return "".join(out)
    # Headings before the first content block span both columns.
    k = next((n for n, part in enumerate(out) if not part.startswith("<h")), len(out))
    columns = "".join(out[k:]).replace(_COLUMN_BREAK, '</div><div class="col">')
    return "".join(out[:k]) + f'<div class="cols"><div class="col">{columns}</div></div>'


def _is_paragraph(text: str) -> bool:
    s = text.strip()
    return bool(s) and not (
        s.startswith(("```", "#", "|", ">")) or s == "||" or _is_item(text) or _IMAGE.match(s)
    )
