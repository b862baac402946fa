"""Worker instructions and task text as escaped HTML, shared by the Toloka and room renderers.

Both platforms show instructions (with good and bad examples) and an item's
fields as HTML. Every value is escaped here: instructions are ours, but items
carry crowd text, and a Part I answer is untrusted input to a Part II rater's
browser.
"""

from __future__ import annotations

import html

from .design import ProjectSpec


def esc(value) -> str:
    """HTML-escape untrusted text (quotes too), keeping line breaks visible."""
    return html.escape("" if value is None else str(value), quote=True).replace("\n", "<br>")


def both(spec: ProjectSpec, mapping: dict) -> str:
    """``"target (English)"``: a room of attendees may not all read the target language."""
    target, english = spec.text(mapping, spec.lang), spec.text(mapping, "en")
    return target if target == english else f"{target} ({english})"


def _example_fields(spec: ProjectSpec, example, lang: str) -> list[tuple[str, object]]:
    """An example's fields and answers under their labels; chosen options by their text."""
    labels = {f.name: spec.text(f.label, lang) for f in spec.input_fields}
    out = [(labels.get(k, k), v) for k, v in example.item.items()]
    for name, value in example.output.items():
        try:
            q = spec.question(name)
        except KeyError:
            out.append((name, value))
            continue
        options = {str(v): spec.text(text, lang) for v, text in q.options}
        out.append((spec.text(q.label, lang), options.get(str(value), value)))
    return out


def instructions_html(spec: ProjectSpec, lang: str) -> str:
    """Instructions and the worked examples (good and bad, with why) in one language."""
    parts = [
        f"<p>{esc(line)}</p>"
        for line in spec.text(spec.instructions, lang).splitlines()
        if line.strip()
    ]
    for ex in spec.examples:
        heading = spec.ui_text("good" if ex.good else "bad", lang)
        shown = "".join(
            f"<div><b>{esc(name)}{'' if name.endswith('?') else ':'}</b> {esc(value)}</div>"
            for name, value in _example_fields(spec, ex, lang)
        )
        parts.append(
            f"<h4>{esc(heading)}</h4>{shown}<p><i>{esc(spec.text(ex.explanation, lang))}</i></p>"
        )
    return "\n".join(parts)


def bilingual_instructions(spec: ProjectSpec) -> str:
    """Instructions in the target language, then in English (once if they are the same)."""
    langs = [spec.lang] + (["en"] if spec.lang != "en" else [])
    return "\n<hr>\n".join(instructions_html(spec, lang) for lang in langs)


def item_html(spec: ProjectSpec, item: dict) -> str:
    """One item's fields as the worker reads them: label, then the escaped value.

    Optional fields that are empty are left out; the rest appear in the
    spec's order, so the room shows what Toloka and the notebook preview show.
    """
    parts = []
    for field in spec.input_fields:
        value = item.get(field.name)
        if value in (None, "") and not field.required:
            continue
        parts.append(f"<p><b>{esc(both(spec, field.label))}</b><br>{esc(value)}</p>")
    return "\n".join(parts)
