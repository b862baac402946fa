"""The task dicts the crowd projects upload: one per prompt (Part I), one per answer (Part II).

A task dict carries its ``task_id`` and the input fields the project's spec
names; backends upload it as is, so these two functions are the one place that
decides what a worker sees of a prompt or an answer.

Taught in notebooks/03_answer_validation.
"""

from __future__ import annotations

from ..records import Assignment, Prompt
from .backend import BackendError

__all__ = ["answer_task", "validation_task"]


def answer_task(prompt: Prompt) -> dict:
    """The Part I task for one prompt.

    Args:
        prompt: the prompt to answer.

    Returns:
        The task dict a backend uploads; its ``task_id`` is the prompt's id.

    Examples:
        >>> p = Prompt(id="sw-1", category="open_qa", prompt="Mji mkuu wa Kenya ni upi?")
        >>> answer_task(p)["task_id"], answer_task(p)["prompt"]
        ('sw-1', 'Mji mkuu wa Kenya ni upi?')
    """
    return {
        "task_id": prompt.id,
        "prompt": prompt.prompt,
        "prompt_en": prompt.prompt_en,
        "context": prompt.context,
    }


def validation_task(answer: Assignment, prompts: dict[str, Prompt]) -> dict:
    """The Part II task for one answer; its task id is the answer's assignment id.

    Args:
        answer: an ``answers`` assignment.
        prompts: the run's prompts by id.

    Returns:
        The task dict a backend uploads.

    Raises:
        BackendError: ``answer`` is not an answer, or its prompt is not among ``prompts``.

    Examples:
        >>> p = Prompt(id="sw-1", category="open_qa", prompt="Mji mkuu wa Kenya ni upi?")
        >>> a = Assignment("a-7", "sw-1", "w1", "answers", "simulated", "", 30.0, answer="Nairobi.")
        >>> validation_task(a, {"sw-1": p})["task_id"]
        'a-7'
    """
    if answer.kind != "answers":
        raise BackendError(
            f"assignment {answer.assignment_id} is a {answer.kind} record, not an answer"
        )
    prompt = prompts.get(answer.task_id)
    if prompt is None:
        raise BackendError(
            f"answer {answer.assignment_id} is for prompt {answer.task_id!r}, "
            "which is not among the prompts given"
        )
    return {
        "task_id": answer.assignment_id,
        "prompt_id": prompt.id,
        "prompt": prompt.prompt,
        "answer": answer.answer or "",
    }
