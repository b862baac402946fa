"""Tasks Toloka grades against a known solution: training and golden (control) tasks.

Pure builders like ``toloka_pools.py``: every function returns toloka-kit
objects that ``structure(unstructure(x))`` round-trips, so ``crowd plan`` can
show them before anything is created. ``toloka_setup.py`` sends them.

* **passable training**: Toloka lets a trainee through only when every
  training answer matches a known solution exactly, so training tasks are
  multiple-choice (Part I's quiz about the instructions, Part II's binary
  judgements); free text is never a known solution; the training pool is
  shared by runs (it is not paid);
* **golden tasks judged on one field**: a control item's known solutions
  cover every combination of the optional questions, so only the first
  (helpfulness) decides whether a rater got it right.
"""

from __future__ import annotations

import itertools

from toloka.client import Task, Training

from .design_spec import ProjectSpec
from .toloka_build import (
    QUIZ_CHOICE,
    QUIZ_FIELD,
    TASK_ID_FIELD,
    has_choices,
    quiz_option_field,
)


def training_private_name(spec: ProjectSpec) -> str:
    """The name a rerun finds the project's training by (shared by runs: training is not paid).

    Args:
        spec: the project spec.

    Returns:
        ``<private name>/training``.
    """
    return f"{spec.private_name}/training"


def passing_score(spec: ProjectSpec) -> int:
    """Training pass mark in percent (Toloka also makes trainees correct every mistake).

    Args:
        spec: the project spec; its ``exam_pass_score`` is a fraction.

    Returns:
        The pass mark as a whole percentage.

    Examples:
        >>> from tutorial_lib.crowd.design import validation_project
        >>> passing_score(validation_project())
        80
    """
    return round(spec.exam_pass_score * 100)


def has_training(spec: ProjectSpec) -> bool:
    """Whether the spec has items Toloka can grade exactly (quiz, or choice questions).

    Args:
        spec: the project spec.

    Returns:
        ``True`` for a spec with a quiz, or with choice questions and training or
        exam items; a training pool is made only then.
    """
    return bool(spec.quiz_items) or (
        has_choices(spec) and bool(spec.training_items or spec.exam_items)
    )


def build_training(spec: ProjectSpec, project_id: str) -> Training:
    """The training pool: every gradable item in one suite, with a hint on each mistake.

    Args:
        spec: the project spec.
        project_id: Toloka's project id.

    Returns:
        An unsaved toloka-kit ``Training``, passed in one suite and open to retry
        after a day.
    """
    n_items = len(build_training_tasks(spec, "0"))
    return Training(
        project_id=project_id,
        private_name=training_private_name(spec),
        may_contain_adult_content=False,
        inherited_instructions=True,
        assignment_max_duration_seconds=max(600, int(spec.seconds_per_task * 3 * max(n_items, 1))),
        mix_tasks_in_creation_order=True,
        shuffle_tasks_in_task_suite=False,
        training_tasks_in_task_suite_count=max(n_items, 1),
        task_suites_required_to_pass=1,
        retry_training_after_days=1,
    )


def _hint(spec: ProjectSpec, feedback: dict) -> str | None:
    texts = (spec.text(feedback, spec.lang), spec.text(feedback, "en")) if feedback else ()
    return " / ".join(dict.fromkeys(t for t in texts if t)) or None


def _graded(
    spec: ProjectSpec, pool_id: str, inputs: dict, solutions: list[dict], feedback: dict
) -> Task:
    """A task Toloka grades against known answers; a wrong one shows the design's hint."""
    return Task(
        pool_id=pool_id,
        input_values=inputs,
        infinite_overlap=True,
        known_solutions=[
            Task.KnownSolution(output_values=values, correctness_weight=1) for values in solutions
        ],
        message_on_unknown_solution=_hint(spec, feedback),
    )


def _quiz_tasks(spec: ProjectSpec, pool_id: str) -> list[Task]:
    tasks = []
    for i, q in enumerate(spec.quiz_items):
        inputs = {k: str(v) for k, v in q.item.items() if v not in ("", None)}
        inputs[QUIZ_FIELD] = spec.text(q.question, spec.lang)
        inputs.update({quiz_option_field(v): spec.text(label, spec.lang) for v, label in q.options})
        inputs[TASK_ID_FIELD] = f"quiz-{i}"
        tasks.append(_graded(spec, pool_id, inputs, [{QUIZ_CHOICE: q.answer}], q.feedback))
    return tasks


def _item_inputs(item: dict, names: set[str], task_id: str) -> dict[str, str]:
    """A design item's input values as Toloka wants them (strings, empty ones left out)."""
    inputs = {k: str(v) for k, v in item.items() if k in names and v not in ("", None)}
    inputs[TASK_ID_FIELD] = task_id
    return inputs


def build_training_tasks(spec: ProjectSpec, training_id: str) -> list[Task]:
    """Training tasks whose known solutions Toloka can match exactly.

    Part I (free text) trains with its quiz; choice projects with their
    training and exam items. Free-text model answers are never uploaded.

    Args:
        spec: the project spec.
        training_id: the training pool the tasks go into.

    Returns:
        Unsaved toloka-kit ``Task`` objects with ``task_id`` ``quiz-<i>``,
        ``train-<i>`` or ``exam-<i>``; empty for a free-text spec without a quiz.

    Examples:
        >>> from tutorial_lib.crowd.design import answer_project
        >>> [t.input_values["task_id"] for t in build_training_tasks(answer_project(), "1")]
        ['quiz-0', 'quiz-1', 'quiz-2', 'quiz-3']
    """
    if spec.quiz_items:
        return _quiz_tasks(spec, training_id)
    if not has_choices(spec):
        return []
    tasks, names = [], {f.name for f in spec.input_fields}
    for prefix, items in (("train", spec.training_items), ("exam", spec.exam_items)):
        for i, item in enumerate(items):
            inputs = _item_inputs(item.item, names, f"{prefix}-{i}")
            solutions = [dict(item.expected)]
            tasks.append(_graded(spec, training_id, inputs, solutions, item.feedback))
    return tasks


def _golden_solutions(spec: ProjectSpec, expected: dict) -> list[dict]:
    """Known solutions judging the first question alone: every combination of the others."""
    main, *others = spec.output_fields
    choices = [[None] + list(q.values) for q in others]
    out = []
    for combo in itertools.product(*choices):
        values = {main.name: expected[main.name]}
        values.update({q.name: v for q, v in zip(others, combo) if v is not None})
        out.append(values)
    return out


def build_golden_tasks(spec: ProjectSpec, pool_id: str) -> list[Task]:
    """The design's control items as golden tasks in the run's pool (judged on one field).

    Args:
        spec: the project spec; control items without an expected first answer are
            left out.
        pool_id: the run's pool.

    Returns:
        Unsaved toloka-kit ``Task`` objects with ``task_id`` ``golden-<i>``; the kit
        leaves them out of progress and fetched work.
    """
    main = spec.output_fields[0].name
    names = {f.name for f in spec.input_fields}
    tasks = []
    for i, item in enumerate(spec.control_items):
        if main not in item.expected:
            continue
        inputs = _item_inputs(item.item, names, f"golden-{i}")
        solutions = _golden_solutions(spec, item.expected)
        tasks.append(_graded(spec, pool_id, inputs, solutions, item.feedback))
    return tasks
