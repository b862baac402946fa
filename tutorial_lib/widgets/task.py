"""Do a crowd task yourself, in the worker's interface, and watch a crowd pool fill up.

The try-it-yourself cell shows the task exactly as a worker sees it (the same
``ProjectSpec`` and ``render_html`` every backend uses) and records what the
attendee submits as an ordinary :class:`~tutorial_lib.records.Assignment`
(backend ``widget``, pseudonymised id), so their answer flows through the same
quality control as the crowd's.

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

import time
from pathlib import Path

import ipywidgets as w

from ..crowd.backend import pseudonymise
from ..crowd.design_spec import ProjectSpec, TrainingItem, grade_response
from ..crowd.instructions import render_html
from ..provenance import utc_now
from ..records import Assignment
from ..render import nl2br
from .display import save_assignment

DEFAULT_SALT = "tutorial-widget"


def _control(question, lang: str, spec: ProjectSpec):
    label = spec.text(question.label, lang)
    if question.kind == "text":
        return w.Textarea(placeholder=label, layout=w.Layout(width="95%", height="8em"))
    options = [(spec.text(lab, lang), value) for value, lab in question.options]
    return w.ToggleButtons(
        options=options, value=None, description="", style={"button_width": "auto"}
    )


def _values_to_fields(spec: ProjectSpec, values: dict) -> dict:
    """Map a worker's outputs onto Assignment fields, as every backend does."""
    if spec.kind == "answers":
        return {"answer": values.get("answer") or ""}
    main = "helpful" if spec.kind == "validation" else "better"
    extra = {k: v for k, v in values.items() if k != main and v is not None}
    return {"label": values.get(main), "extra": extra}


class TaskWidget:
    """One task in the worker's interface; ``submit()`` records the attendee's output.

    Taught in notebooks/01_crowdsourcing_basics.
    """

    def __init__(
        self,
        spec: ProjectSpec,
        item: dict,
        sink: str | Path | None = None,
        worker: str = "you",
        lang: str = "sw",
        salt: str = DEFAULT_SALT,
        expected: TrainingItem | None = None,
    ):
        if not str(item.get("task_id") or "").strip():
            raise ValueError(
                "the item needs a 'task_id' (the prompt id, or the answer id to judge)"
            )
        self.spec, self.item, self.lang, self.expected = spec, item, lang, expected
        self.sink = Path(sink) if sink else None
        self.worker_id = pseudonymise(worker, salt)
        self.submissions: list[Assignment] = []
        preview = render_html(spec, item, lang, form=False)
        self.controls = {q.name: _control(q, lang, spec) for q in spec.output_fields}
        labelled = [
            w.VBox([w.HTML(f"<b>{nl2br(spec.text(q.label, lang))}</b>"), self.controls[q.name]])
            for q in spec.output_fields
        ]
        self.button = w.Button(description=spec.ui_text("submit", lang), button_style="primary")
        self.status = w.HTML()
        self.button.on_click(lambda _: self._clicked())
        self.widget = w.VBox([w.HTML(preview), *labelled, self.button, self.status])
        self._shown = time.monotonic()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _clicked(self) -> None:
        try:
            self.submit()
        except ValueError as err:
            self.status.value = f"<span style='color:#b00'>{nl2br(str(err))}</span>"

    def read(self) -> dict:
        """The current values of the controls.

        Returns:
            Output field name -> its control's value (None for an unanswered choice).
        """
        return {name: control.value for name, control in self.controls.items()}

    def submit(self, values: dict | None = None) -> Assignment:
        """Validate and record the attendee's output as an ordinary assignment.

        The record goes through the same quality control as the crowd's; a
        second submit for the same task replaces the first (in ``sink`` and in
        ``submissions``) instead of adding one.

        Args:
            values: output field name -> value (default: what is in the controls).

        Returns:
            The recorded :class:`~tutorial_lib.records.Assignment` (backend
            ``widget``, pseudonymised worker id).

        Raises:
            ValueError: if a required field is empty, or a text answer is shorter
                than its field's ``min_length``; the widget shows the message.
        """
        values = self.read() if values is None else values
        for q in self.spec.output_fields:
            value = values.get(q.name)
            if q.required and (value is None or (q.kind == "text" and not str(value).strip())):
                raise ValueError(f"please answer: {self.spec.text(q.label, self.lang)}")
            if q.kind == "text" and len(str(value).strip()) < q.min_length:
                raise ValueError(f"the answer is shorter than {q.min_length} characters")
        record = Assignment(
            assignment_id=f"widget-{self.spec.kind}-{self.item['task_id']}-{self.worker_id}",
            task_id=str(self.item["task_id"]),
            worker_id=self.worker_id,
            kind=self.spec.kind,
            backend="widget",
            submitted_at=utc_now(),
            duration_s=round(time.monotonic() - self._shown, 1),
            **_values_to_fields(self.spec, values),
        )
        replaced = save_assignment(self.sink, record) if self.sink else False
        self.submissions = [s for s in self.submissions if s.assignment_id != record.assignment_id]
        self.submissions.append(record)
        self.status.value = self._feedback(values, replaced)
        return record

    def _feedback(self, values: dict, replaced: bool) -> str:
        saved = "updated" if replaced else "saved"
        msg = f"✓ {saved} as {nl2br(self.worker_id)}"
        if self.expected is not None:
            ok = grade_response(self.spec, self.expected, values)
            tip = (
                self.spec.text(self.expected.feedback, self.lang) if self.expected.feedback else ""
            )
            msg += (
                " — matches the expected answer" if ok else f" — not what we expected. {nl2br(tip)}"
            )
        return msg


class PoolProgress:
    """A progress bar for a crowd project on any backend; ``watch()`` polls until done.

    Taught in notebooks/02_collecting_answers.
    """

    def __init__(self, backend, project_id: str, label: str = ""):
        self.backend, self.project_id = backend, project_id
        self.bar = w.IntProgress(
            min=0, max=1, value=0, description=label or "pool", layout=w.Layout(width="60%")
        )
        self.text = w.HTML()
        self.widget = w.HBox([self.bar, self.text])
        self.refresh()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def refresh(self):
        """Ask the backend once and update the bar.

        Returns:
            The backend's ``Progress`` for the project (submitted, total, done).
        """
        p = self.backend.progress(self.project_id)
        self.bar.max, self.bar.value = max(p.total, 1), min(p.submitted, max(p.total, 1))
        self.bar.bar_style = "success" if p.done else ""
        self.text.value = (
            f"{p.submitted} / {p.total} assignments ({p.fraction:.0%}), {p.remaining} left"
        )
        return p

    def watch(self, timeout_s: float = 600, poll_s: float = 5):
        """Refresh every ``poll_s`` seconds until the pool is done or ``timeout_s`` passes.

        Args:
            timeout_s: stop waiting after this many seconds, done or not.
            poll_s: seconds between two questions to the backend.

        Returns:
            The last ``Progress`` seen; check ``.done`` to tell a timeout apart.
        """
        deadline = time.monotonic() + timeout_s
        p = self.refresh()
        while not p.done and time.monotonic() < deadline:
            time.sleep(poll_s)
            p = self.refresh()
        return p
