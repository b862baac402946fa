"""The three rank-classification benchmarks as the harness defines them, and their requests.

A task turns documents into requests: one context and several choices, each
choice scored as the continuation ``" " + choice``. Few-shot contexts follow
the harness's default sampler (``random.Random(1234)`` drawn once per task,
documents in file order, examples joined as ``q + " " + answer + "\\n\\n"``),
so ``num_fewshot=k`` reproduces ``lm_eval --num_fewshot k`` on the same files.

Taught in notebooks/05_hands_on_mt5.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from . import templates as T

FEWSHOT_SEED = 1234  # lm_eval.evaluator DEFAULT_OTHER_SEED (fewshot_random_seed)


@dataclass(frozen=True)
class TaskSpec:
    """One benchmark: its prompt functions, number of choices and chance level."""

    name: str
    text: Callable[[dict, str], str]
    choices: Callable[[dict, str], list[str]]
    target: Callable[[dict, str], int]
    n_choices: int
    fewshot_split: (
        str  # where the harness draws few-shot examples from (no training split -> validation)
    )
    # The harness passes the evaluated document to its sampler when the task's
    # few-shot split and test split are equal -- for xnli_*/xstorycloze_* both are
    # unset (None == None) -- and then draws k+1 examples and drops that document.
    draws_extra: bool = False

    @property
    def chance(self) -> float:
        """The accuracy of guessing uniformly: ``1 / n_choices``."""
        return 1.0 / self.n_choices

    def harness_name(self, lang: str) -> str:
        """The task's name in lm-evaluation-harness, e.g. ``xnli_sw``.

        Args:
            lang: the language code.

        Returns:
            ``<task>_<lang>``, as ``lm_eval --tasks`` takes it.

        Raises:
            UnknownLanguageError: if the harness defines no such task.

        Examples:
            >>> TASKS["xnli"].harness_name("sw")
            'xnli_sw'
        """
        return f"{self.name}_{T.check_lang(self.name, lang)}"


TASKS: dict[str, TaskSpec] = {
    "xcopa": TaskSpec("xcopa", T.xcopa_text, T.xcopa_choices, T.xcopa_target, 2, "validation"),
    "xnli": TaskSpec(
        "xnli", T.xnli_text, T.xnli_choices, T.xnli_target, 3, "train", draws_extra=True
    ),
    "xstorycloze": TaskSpec(
        "xstorycloze",
        T.xstorycloze_text,
        T.xstorycloze_choices,
        T.xstorycloze_target,
        2,
        "train",
        draws_extra=True,
    ),
}


@dataclass
class Request:
    """One document to score: shared context, its choices, the gold index and the source row."""

    idx: int
    context: str
    choices: list[str]
    label: int


def get_task(task: str) -> TaskSpec:
    """The :class:`TaskSpec` named ``task``; unknown names list the ones that exist.

    Args:
        task: ``"xcopa"``, ``"xnli"`` or ``"xstorycloze"``.

    Returns:
        The benchmark's prompt functions, number of choices and few-shot split.

    Raises:
        ValueError: if no benchmark has that name.

    Examples:
        >>> get_task("xcopa").n_choices, get_task("xnli").chance
        (2, 0.3333333333333333)
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; tasks are {', '.join(TASKS)}")
    return TASKS[task]


def _harness_doc(doc: dict) -> dict:
    """The document as the harness sees it (without the kit's ``_row`` bookkeeping)."""
    return {k: v for k, v in doc.items() if k != "_row"}


def _fewshot_prefix(spec: TaskSpec, lang: str, examples: list[dict]) -> str:
    parts = []
    for ex in examples:
        answer = spec.choices(ex, lang)[spec.target(ex, lang)]
        parts.append(spec.text(ex, lang) + T.TARGET_DELIMITER + answer + T.FEWSHOT_DELIMITER)
    return "".join(parts)


def _sample(rnd: random.Random, pool: list[dict], k: int, doc: dict, with_doc: bool) -> list[dict]:
    """The harness's ``ContextSampler.sample``: k examples, or k+1 minus the evaluated doc."""
    if not with_doc:
        return rnd.sample(pool, k)
    shots = [x for x in rnd.sample(pool, k + 1) if x != doc][:k]
    if len(shots) < k:  # duplicates of the document were drawn: redraw without any of them
        shots = rnd.sample([x for x in pool if x != doc], k)
    return shots


def _fewshot_pool(
    spec: TaskSpec, num_fewshot: int, fewshot_docs: list[dict] | None, exclude_self: bool
) -> list[dict]:
    """The few-shot pool as the harness sees it, after checking it holds ``num_fewshot``."""
    if num_fewshot < 0:
        raise ValueError(f"num_fewshot must be >= 0, got {num_fewshot}")
    if num_fewshot and not fewshot_docs:
        raise ValueError(
            f"num_fewshot={num_fewshot} needs few-shot documents (the harness "
            f"draws them from the {spec.fewshot_split} split)"
        )
    pool = [_harness_doc(d) for d in fewshot_docs or []]
    if num_fewshot and num_fewshot > len(pool) - int(exclude_self or spec.draws_extra):
        raise ValueError(f"num_fewshot={num_fewshot} but only {len(pool)} few-shot documents")
    return pool


def build_requests(
    task: str,
    lang: str,
    docs: list[dict],
    num_fewshot: int = 0,
    fewshot_docs: list[dict] | None = None,
    exclude_self: bool = False,
    seed: int = FEWSHOT_SEED,
) -> list[Request]:
    """Requests for ``docs`` with the harness's prompt, in document order.

    Args:
        task: ``"xcopa"``, ``"xnli"`` or ``"xstorycloze"``.
        lang: the language code (picks the template words).
        docs: the documents to evaluate; a ``_row`` key, when present, becomes
            the request's ``idx`` (the row in the source file).
        num_fewshot: examples prepended to each context (0: zero-shot).
        fewshot_docs: the pool they are drawn from (the harness's few-shot split).
        exclude_self: the pool is the evaluated split itself, so the harness
            samples k+1 and drops the evaluated document.
        seed: the sampler's seed; the default is the harness's, which makes
            ``num_fewshot=k`` match ``lm_eval --num_fewshot k``.

    Returns:
        One :class:`Request` per document.

    Raises:
        ValueError: an unknown task, a negative ``num_fewshot``, or too few
            few-shot documents for it.
        UnknownLanguageError: if the task has no ``lang``.

    Taught in notebooks/04_instruction_finetuning.
    """
    spec = get_task(task)
    T.check_lang(task, lang)
    pool = _fewshot_pool(spec, num_fewshot, fewshot_docs, exclude_self)
    rnd = random.Random(seed)
    requests = []
    for doc in docs:
        prefix = ""
        if num_fewshot:
            prefix = _fewshot_prefix(
                spec,
                lang,
                _sample(
                    rnd, pool, num_fewshot, _harness_doc(doc), exclude_self or spec.draws_extra
                ),
            )
        requests.append(
            Request(
                idx=int(doc.get("_row", len(requests))),
                context=prefix + spec.text(doc, lang),
                choices=spec.choices(doc, lang),
                label=spec.target(doc, lang),
            )
        )
    return requests
