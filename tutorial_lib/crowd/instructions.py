"""Worker instructions and task text as escaped HTML, shared by the Toloka and room renderers.

Both platforms show instructions (with good and bad examples) and an item's
fields as HTML. Both come from templates (``templates/instructions.html.j2``,
``templates/task_fields.html.j2``) with autoescape on and the kit's one
escaping rule for crowd text (:func:`tutorial_lib.render.nl2br`): instructions
are ours, but items carry crowd text, and a Part I answer is untrusted input
to a Part II rater's browser. The task preview (:func:`.design.render_html`)
shows instructions and examples with the same template macros.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..render import render

if TYPE_CHECKING:
    from .design_spec import Example, ProjectSpec


def label_with_english(spec: ProjectSpec, mapping: dict) -> str:
    """``"target (English)"``: a room of attendees may not all read the target language.

    Args:
        spec: the project (its ``lang`` is the target language).
        mapping: a text by language, e.g. a question's label.

    Returns:
        The target-language text followed by the English one in brackets, or
        the text once when both are the same.

    Examples:
        >>> from tutorial_lib.crowd.design import answer_project
        >>> label_with_english(answer_project(), {"sw": "Jibu", "en": "Answer"})
        'Jibu (Answer)'
        >>> label_with_english(answer_project(), {"en": "Answer"})
        'Answer'
    """
    target, english = spec.text(mapping, spec.lang), spec.text(mapping, "en")
    return target if target == english else f"{target} ({english})"


def example_fields(spec: ProjectSpec, example: Example, lang: str) -> list[tuple[str, object]]:
    """A worked example's fields and outputs under their labels; chosen options by their text.

    Args:
        spec: the project.
        example: one of ``spec.examples``.
        lang: the language to show labels and option texts in.

    Returns:
        ``(label, value)`` pairs in the order the worker reads them.
    """
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


def instruction_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Plain instructions as blocks: ``("p", [line])`` per line, ``("list", lines)`` per bullet run.

    Lines starting with ``- `` are bullets; blank lines end a list and are dropped.

    Args:
        text: instructions as written in ``design_texts``.

    Returns:
        The blocks, in order, for the ``instruction_text`` template macro.

    Examples:
        >>> instruction_blocks("Soma swali.\\n- fupi\\n- wazi\\n\\nAsante")
        [('p', ['Soma swali.']), ('list', ['fupi', 'wazi']), ('p', ['Asante'])]
    """
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("- "):
            if not blocks or blocks[-1][0] != "list":
                blocks.append(("list", []))
            blocks[-1][1].append(line[2:])
        elif line.strip():
            blocks.append(("p", [line]))
    return blocks


def worked_examples(spec: ProjectSpec, lang: str) -> list[dict]:
    """The spec's worked examples as the templates show them: verdict, fields, why.

    Args:
        spec: the project.
        lang: the language to show them in.

    Returns:
        One dict per example (``good``, ``heading``, ``fields``, ``explanation``).
    """
    return [
        {
            "good": ex.good,
            "heading": spec.ui_text("good" if ex.good else "bad", lang),
            "fields": example_fields(spec, ex, lang),
            "explanation": spec.text(ex.explanation, lang),
        }
        for ex in spec.examples
    ]


def render_html(spec: ProjectSpec, item: dict, lang: str = "sw", form: bool = True) -> str:
    """A static HTML preview of one task as the worker sees it (no JavaScript).

    Rendered from ``templates/task_preview.html.j2``: every item field is
    escaped with the kit's one rule (:func:`tutorial_lib.render.nl2br`), since
    crowd text is untrusted and may contain markup meant to run in a rater's browser.

    Args:
        spec: the project whose task to show.
        item: the task's input fields (optional ones may be missing or empty).
        lang: the language of the interface; missing texts fall back to English.
        form: include the questions and the submit button (widgets draw their own).

    Returns:
        The preview as an HTML string.

    Examples:
        >>> from tutorial_lib.crowd.design import answer_project
        >>> page = render_html(answer_project(), {"prompt": "<b>Habari?</b>"})
        >>> "&lt;b&gt;Habari?&lt;/b&gt;" in page and "<textarea name='answer'" in page
        True

    Taught in notebooks/01_crowdsourcing_basics.
    """
    fields = [
        {
            "label": spec.text(f.label, lang),
            "value": item.get(f.name),
            "collapsed": f.name == "prompt_en",  # the English original is opt-in
        }
        for f in spec.input_fields
        if f.required or item.get(f.name)
    ]
    questions = [
        {
            "name": q.name,
            "kind": q.kind,
            "label": spec.text(q.label, lang),
            "options": [(value, spec.text(label, lang)) for value, label in q.options],
        }
        for q in spec.output_fields
    ]
    return render(
        "task_preview.html.j2",
        lang=lang,
        title=spec.text(spec.title, lang),
        ui={key: spec.ui_text(key, lang) for key in ("instructions", "examples", "submit")},
        blocks=instruction_blocks(spec.text(spec.instructions, lang)),
        examples=worked_examples(spec, lang),
        fields=fields,
        questions=questions,
        form=form,
    )


def _section(spec: ProjectSpec, lang: str) -> dict:
    return {
        "blocks": instruction_blocks(spec.text(spec.instructions, lang)),
        "examples": worked_examples(spec, lang),
    }


def instructions_html(spec: ProjectSpec, lang: str) -> str:
    """Instructions and the worked examples (good and bad, with why) in one language.

    Args:
        spec: the project.
        lang: the language to write them in (missing texts fall back to English).

    Returns:
        The instructions as an HTML string.
    """
    return render("instructions.html.j2", sections=[_section(spec, lang)])


def bilingual_instructions(spec: ProjectSpec) -> str:
    """Instructions in the target language, then in English (once if they are the same).

    Args:
        spec: the project.

    Returns:
        The instructions as an HTML string, the two languages separated by a rule.
    """
    langs = [spec.lang] + (["en"] if spec.lang != "en" else [])
    return render("instructions.html.j2", sections=[_section(spec, lang) for lang in langs])


def item_html(spec: ProjectSpec, item: dict) -> str:
    """One item's fields as the worker reads them: label, then the escaped value.

    Optional fields that are empty are left out; the rest appear in the
    spec's order, so the room shows what Toloka and the notebook preview show.

    Args:
        spec: the project whose fields to show.
        item: the task's input fields.

    Returns:
        The fields as an HTML string.

    Examples:
        >>> from tutorial_lib.crowd.design import validation_project
        >>> page = item_html(validation_project(), {"prompt": "Swali?", "answer": "a & b\\nc"})
        >>> "a &amp; b<br>c" in page
        True
    """
    fields = [
        (label_with_english(spec, f.label), item.get(f.name))
        for f in spec.input_fields
        if item.get(f.name) not in (None, "") or f.required
    ]
    return render("task_fields.html.j2", fields=fields)
