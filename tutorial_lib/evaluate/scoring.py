"""Rank-classification scoring, identical to lm-evaluation-harness, faster (seq2seq path here).

Causal models take the harness's causal path in ``causal_scoring.py``;
:func:`score_requests` dispatches on the family the loader read.

What the harness (0.4.13, ``HFLM`` seq2seq backend) computes for one
(context, continuation) pair, reproduced here token for token:

- the context is tokenised WITH special tokens, so the encoder input ends with
  ``</s>``; trailing whitespace of the context moves to the continuation;
  an empty context becomes ``[prefix]`` (BOS, else EOS: ``[</s>]`` for mT5);
- the continuation ``" " + choice`` is tokenised WITHOUT special tokens (no EOS
  added or scored) and passed as decoder labels, decoded from token 0;
- the score is the float32 sum of the continuation's token log-probabilities,
  no length normalisation; the prediction is the first argmax.

Where it is faster (``loglik.py``): each context is encoded once for all its
choices, decoder inputs shared by all choices (the start token; XNLI's whole
premise) are decoded once, and documents are sorted and grouped by length.
One difference on purpose: lm-eval's ``HFLM`` calls ``model.tie_weights()``,
which under transformers 5 replaces an mT5 checkpoint's own ``lm_head`` by
the input embeddings; the kit scores the checkpoint as saved.

Taught in notebooks/04_instruction_finetuning.
"""

from __future__ import annotations

import logging
import os
import time

from tqdm.auto import tqdm

from ..finetune.loading import ModelLoadError  # re-exported: one loader, one error
from .loaders import load_task_docs
from .loglik import group_documents, score_group, shared_inputs
from .tasks import Request, build_requests, get_task

logger = logging.getLogger(__name__)

DEFAULT_MAX_LENGTH = 2048  # lm_eval.models.utils.DEFAULT_MAX_LENGTH
TOKENIZER_INFINITY = 1000000000000000019884624838656


def pick_device(device=None):
    """``device`` as given, else CUDA when available, else CPU.

    Args:
        device: a ``torch.device`` or a string such as ``"cuda:1"``; None to choose.

    Returns:
        A ``torch.device``.
    """
    import torch

    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_model(name_or_dir, device=None):
    """Load a model of either family (float32, eval mode) and its tokenizer from a folder or the Hub.

    Scoring runs in float32 (mT5 gives NaN/zero losses in fp16; the harness's
    numbers are float32). Loading, family detection and their errors are the
    fine-tuning wing's (one loader for the whole kit).

    Args:
        name_or_dir: a Hub id (``google/mt5-small``) or a saved model folder.
        device: where to put the model; None picks CUDA when available (:func:`pick_device`).

    Returns:
        ``(model, tokenizer)``, the model in float32 and eval mode.

    Raises:
        ModelLoadError: a path-like name whose folder does not exist (said at once,
            not as a Hub lookup), or a model that cannot be loaded.

    Taught in notebooks/04_instruction_finetuning.
    """
    from ..finetune.loading import load_pretrained

    name = str(name_or_dir)
    if not os.path.isdir(name) and (name.startswith((".", "/", "~")) or name.count("/") > 1):
        raise ModelLoadError(f"model folder {name} does not exist")
    model, tokenizer = load_pretrained(name)
    model.float()
    model.to(pick_device(device)).eval()
    return model, tokenizer


def max_length(model, tokenizer) -> int:
    """The context limit the harness uses (config, then tokenizer, then 2048).

    Args:
        model: a transformers model; ``n_positions``, ``max_position_embeddings``
            or ``n_ctx`` of its (text) config is used first.
        tokenizer: its tokenizer; ``model_max_length`` next, unless it is the
            "no limit" sentinel.

    Returns:
        The most tokens a context may keep (longer ones are left-truncated).
    """
    cfg = getattr(model.config, "text_config", None) or model.config
    for attr in ("n_positions", "max_position_embeddings", "n_ctx"):
        if getattr(cfg, attr, None) is not None:
            return int(getattr(cfg, attr))
    limit = getattr(tokenizer, "model_max_length", None)
    if limit is not None and limit != TOKENIZER_INFINITY:
        return int(limit)
    return DEFAULT_MAX_LENGTH


def prefix_token_id(tokenizer) -> int:
    """What stands in for an empty context: BOS, else EOS (the harness's ``prefix_token_id``).

    Args:
        tokenizer: the model's tokenizer.

    Returns:
        The token id (``</s>`` for mT5, which has no BOS).
    """
    return tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id


def encode_request(tokenizer, req: Request, limit: int) -> tuple[list[int], list[list[int]]]:
    """Token ids of one request's context and of each ``" " + choice``, as the harness makes them.

    Args:
        tokenizer: the seq2seq model's tokenizer.
        req: the request (context and choices).
        limit: :func:`max_length`; context and continuations keep their last ``limit`` tokens.

    Returns:
        ``(context_ids, [continuation_ids per choice])``.

    Raises:
        ValueError: if the context is empty and a continuation starts with the
            prefix token (the harness would then score each choice against a
            different context, so the kit refuses rather than differ).
    """
    conts = [" " + choice for choice in req.choices]
    prefix = prefix_token_id(tokenizer)
    if req.context == "":
        enc = tokenizer(conts, add_special_tokens=False)["input_ids"]
        if any(e and e[0] == prefix for e in enc):  # harness: the first token becomes the context
            raise ValueError(
                f"row {req.idx}: a continuation starts with the prefix token; the "
                "harness would score each choice against a different context"
            )
        return [prefix], [e[-limit:] for e in enc]
    context = req.context
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        conts = [context[-n_spaces:] + c for c in conts]
        context = context[:-n_spaces]
    special = (
        {} if not context.startswith(tokenizer.decode(prefix)) else {"add_special_tokens": False}
    )
    ctx = tokenizer(context, **special)["input_ids"]
    enc = tokenizer(conts, add_special_tokens=False)["input_ids"]
    return ctx[-limit:], [e[-limit:] for e in enc]


def score_requests(
    model,
    tokenizer,
    requests: list[Request],
    batch_size: int = 16,
    device=None,
    progress: bool = True,
    share_prefix: bool = True,
) -> list[list[float]]:
    """One log-likelihood per choice per request, in request order.

    Causal models go to :func:`~.causal_scoring.score_causal_requests`; the
    numbers are the harness's either way, only computed with less repetition.

    Args:
        model: a seq2seq or causal transformers model.
        tokenizer: its tokenizer.
        requests: what to score, from :func:`~.tasks.build_requests`.
        batch_size: the harness's batch: (context, choice) rows of full length
            per pass. Where choices share decoder inputs the passes are shorter,
            so a group takes more documents in the same decoder positions.
        device: where the inputs go; None: the model's own device.
        progress: show a tqdm bar.
        share_prefix: False turns the shared decoder pass off; the numbers are the same.

    Returns:
        ``scores[request][choice]``: float32 sums of token log-probabilities.

    Raises:
        ValueError: if ``batch_size`` is below 1, or a request cannot be encoded
            as the harness would (see :func:`encode_request`).
    """
    from ..finetune.loading import family_of

    if family_of(model) == "causal":
        from .causal_scoring import score_causal_requests

        return score_causal_requests(
            model, tokenizer, requests, batch_size, device, progress, share_prefix
        )
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    return _score_seq2seq(model, tokenizer, requests, batch_size, device, progress, share_prefix)


def _score_seq2seq(
    model, tokenizer, requests, batch_size, device, progress, share_prefix
) -> list[list[float]]:
    """The seq2seq path of :func:`score_requests` (``loglik.py`` does the passes)."""
    import torch

    device = next(model.parameters()).device if device is None else pick_device(device)
    limit = max_length(model, tokenizer)
    docs = [encode_request(tokenizer, r, limit) for r in requests]
    # Longest first (like the harness): little padding, and memory errors show at once.
    order = sorted(
        range(len(docs)),
        key=lambda i: (-len(docs[i][0]), -shared_inputs(docs[i][1]), -max(map(len, docs[i][1]))),
    )
    results: list[list[float] | None] = [None] * len(docs)
    bar = tqdm(total=len(docs), desc="scoring", disable=not progress, leave=False)
    with torch.inference_mode():
        for group in group_documents(order, docs, batch_size, share_prefix):
            for i, s in zip(
                group, score_group(model, [docs[i] for i in group], device, share_prefix)
            ):
                results[i] = s
            bar.update(len(group))
    bar.close()
    return results  # type: ignore[return-value]


def first_argmax(values: list[float]) -> int:
    """Index of the largest value, the first one on ties (as ``numpy.argmax``).

    Args:
        values: one score per choice (at least one).

    Returns:
        The predicted choice.

    Examples:
        >>> first_argmax([-3.2, -1.5, -1.5])
        1
    """
    return max(range(len(values)), key=lambda i: (values[i], -i))


def evaluate_task(
    model,
    tokenizer,
    task: str,
    lang: str = "sw",
    data_file=None,
    limit=None,
    batch_size: int = 16,
    num_fewshot: int = 0,
    device=None,
    fewshot_file=None,
    docs: list[dict] | None = None,
) -> dict:
    """Zero/few-shot accuracy on one benchmark, with per-example scores.

    Args:
        model: a seq2seq or causal model (see :func:`load_model`).
        tokenizer: its tokenizer.
        task: ``"xcopa"``, ``"xnli"`` or ``"xstorycloze"``.
        lang: the language code.
        data_file: a local copy of the test split (CSV/TSV/JSON/JSONL/parquet);
            None reads the Hub (see :func:`~.loaders.load_task_docs`).
        limit: score only the first ``limit`` documents (a smoke test).
        batch_size: the harness's batch size (see :func:`score_requests`).
        num_fewshot: few-shot examples per context, drawn as the harness does.
        device: where inputs go; None: the model's device.
        fewshot_file: a local copy of the few-shot split (XCOPA validation,
            XNLI and XStoryCloze train), else the Hub.
        docs: documents already loaded (overrides ``data_file``).

    Returns:
        ``{"task", "lang", "harness_task", "n", "accuracy", "chance",
        "num_fewshot", "source", "scoring_s", "predictions"}``; each prediction is
        ``{"idx", "pred", "label", "scores"}`` with ``idx`` the row in the source
        file and ``scores`` one log-likelihood per choice. Accuracy is NaN for no documents.

    Taught in notebooks/04_instruction_finetuning.
    """
    spec = get_task(task)
    if docs is None:
        docs = load_task_docs(task, lang, data_file=data_file)
    if limit is not None:
        docs = docs[: int(limit)]
    pool = None
    if num_fewshot:
        pool = load_task_docs(task, lang, data_file=fewshot_file, split=spec.fewshot_split)
    requests = build_requests(task, lang, docs, num_fewshot=num_fewshot, fewshot_docs=pool)
    started = time.perf_counter()
    scores = score_requests(model, tokenizer, requests, batch_size=batch_size, device=device)
    elapsed = time.perf_counter() - started
    source = str(data_file) if data_file else "hub"
    return _task_result(spec, lang, requests, scores, elapsed, num_fewshot, source)


def _task_result(
    spec, lang: str, requests: list[Request], scores, elapsed: float, num_fewshot: int, source: str
) -> dict:
    """Predictions and accuracy from the scores, logged; the keys :func:`evaluate_task` returns."""
    predictions = [
        {"idx": r.idx, "pred": first_argmax(s), "label": r.label, "scores": s}
        for r, s in zip(requests, scores)
    ]
    correct = sum(p["pred"] == p["label"] for p in predictions)
    accuracy = correct / len(predictions) if predictions else float("nan")
    logger.info(
        "%s: accuracy %.4f on %d documents (%.1fs scoring)",
        spec.harness_name(lang),
        accuracy,
        len(predictions),
        elapsed,
    )
    return {
        "task": spec.name,
        "lang": lang,
        "harness_task": spec.harness_name(lang),
        "n": len(predictions),
        "accuracy": accuracy,
        "chance": spec.chance,
        "num_fewshot": num_fewshot,
        "source": source,
        "scoring_s": round(elapsed, 3),
        "predictions": predictions,
    }
