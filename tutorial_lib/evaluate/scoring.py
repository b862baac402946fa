"""Rank-classification scoring of seq2seq models, identical to lm-evaluation-harness, faster.

What the harness (0.4.13, ``HFLM`` seq2seq backend) computes for one
(context, continuation) pair, reproduced here token for token:

- the context is tokenised WITH special tokens, so the encoder input ends with
  ``</s>``; trailing whitespace of the context moves to the continuation;
  an empty context becomes ``[prefix]`` (BOS, else EOS: ``[</s>]`` for mT5);
- the continuation ``" " + choice`` is tokenised WITHOUT special tokens (no EOS
  added or scored) and passed as decoder labels, decoded from token 0;
- the score is the float32 sum of the continuation's token log-probabilities,
  no length normalisation; the prediction is the first argmax.

Where it is faster: the harness runs the encoder once per (context, choice)
pair. Here each context is encoded once and its encoder output is repeated for
each choice's decoder pass; documents are ordered by length so that batches
carry little padding.

Taught in notebooks/05_hands_on_mt5.
"""
from __future__ import annotations

import logging
import os
import time

from tqdm.auto import tqdm

from .loaders import load_task_docs
from .tasks import Request, build_requests, get_task

logger = logging.getLogger(__name__)

DEFAULT_MAX_LENGTH = 2048  # lm_eval.models.utils.DEFAULT_MAX_LENGTH
TOKENIZER_INFINITY = 1000000000000000019884624838656


class ModelLoadError(OSError):
    """A model that cannot be loaded (missing folder, offline Hub, not seq2seq)."""


def pick_device(device=None):
    """``device`` as given, else CUDA when available, else CPU."""
    import torch

    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_model(name_or_dir, device=None):
    """Load a seq2seq model (float32, eval mode) and its tokenizer from a folder or the Hub.

    mT5 is loaded in float32 because fp16 gives NaN/zero losses.

    Taught in notebooks/05_hands_on_mt5.
    """
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    name = str(name_or_dir)
    local = os.path.isdir(name)
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
    if not local and (name.startswith((".", "/", "~")) or name.count("/") > 1):
        raise ModelLoadError(f"model folder {name} does not exist")
    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        model = AutoModelForSeq2SeqLM.from_pretrained(name, dtype="float32")
    except (OSError, ValueError) as err:
        where = "local folder" if local else "Hub model"
        hint = (" (HF_HUB_OFFLINE is set: download it once online, or pass a local folder)"
                if offline and not local else "")
        raise ModelLoadError(f"cannot load {where} {name!r} as a seq2seq model{hint}: "
                             f"{type(err).__name__}: {str(err).splitlines()[0]}") from None
    model.to(pick_device(device)).eval()
    return model, tokenizer


def max_length(model, tokenizer) -> int:
    """The context limit the harness uses (config, then tokenizer, then 2048)."""
    cfg = getattr(model.config, "text_config", None) or model.config
    for attr in ("n_positions", "max_position_embeddings", "n_ctx"):
        if getattr(cfg, attr, None) is not None:
            return int(getattr(cfg, attr))
    limit = getattr(tokenizer, "model_max_length", None)
    if limit is not None and limit != TOKENIZER_INFINITY:
        return int(limit)
    return DEFAULT_MAX_LENGTH


def prefix_token_id(tokenizer) -> int:
    """What stands in for an empty context: BOS, else EOS (the harness's ``prefix_token_id``)."""
    return tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id


def encode_request(tokenizer, req: Request, limit: int) -> tuple[list[int], list[list[int]]]:
    """Token ids of one request's context and of each ``" " + choice``, as the harness makes them."""
    conts = [" " + choice for choice in req.choices]
    prefix = prefix_token_id(tokenizer)
    if req.context == "":
        enc = tokenizer(conts, add_special_tokens=False)["input_ids"]
        if any(e and e[0] == prefix for e in enc):  # harness: the first token becomes the context
            raise ValueError(f"row {req.idx}: a continuation starts with the prefix token; the "
                             "harness would score each choice against a different context")
        return [prefix], [e[-limit:] for e in enc]
    context = req.context
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        conts = [context[-n_spaces:] + c for c in conts]
        context = context[:-n_spaces]
    special = {} if not context.startswith(tokenizer.decode(prefix)) else {"add_special_tokens": False}
    ctx = tokenizer(context, **special)["input_ids"]
    enc = tokenizer(conts, add_special_tokens=False)["input_ids"]
    return ctx[-limit:], [e[-limit:] for e in enc]


def _batches(order: list[int], n_rows: list[int], batch_size: int):
    """Consecutive groups of documents holding at most ``batch_size`` choice rows (at least one doc)."""
    group, rows = [], 0
    for i in order:
        if group and rows + n_rows[i] > batch_size:
            yield group
            group, rows = [], 0
        group.append(i)
        rows += n_rows[i]
    if group:
        yield group


def _pad(seqs: list[list[int]], value: int = 0):
    import torch

    width = max(len(s) for s in seqs)
    out = torch.full((len(seqs), width), value, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return out


def _shared_inputs(conts: list[list[int]]) -> int:
    """How many decoder inputs all choices share: the start token plus their common prefix."""
    common = 0
    for column in zip(*conts):
        if any(tok != column[0] for tok in column):
            break
        common += 1
    return min(common + 1, min(len(c) for c in conts))


def _cache_kwargs(model, cache) -> dict:
    """The cache argument under the name this transformers version uses."""
    import inspect

    names = inspect.signature(model.forward).parameters
    return {"cache": cache} if "cache" in names else {"past_key_values": cache}


def _token_logprobs(logits, targets):
    """log p(target) per position, float32 (gather minus logsumexp = log_softmax, gathered)."""
    logits = logits.float()
    return logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - logits.logsumexp(-1)


def _score_group(model, contexts, conts_per_doc, device, share_prefix=True):
    """Log-likelihood of every continuation of a group of documents.

    One encoder pass per context. With ``share_prefix`` the decoder first runs
    once per document over the inputs all its choices share (the start token and
    their common token prefix, e.g. XNLI's premise), then each choice continues
    from that cache (self- and cross-attention keys/values computed once).
    """
    import torch
    from transformers.modeling_outputs import BaseModelOutput

    enc_ids = _pad(contexts).to(device)
    enc_mask = _pad([[1] * len(c) for c in contexts]).to(device)
    owner = torch.tensor([d for d, conts in enumerate(conts_per_doc) for _ in conts], device=device)
    flat = [c for conts in conts_per_doc for c in conts]
    start = model.config.decoder_start_token_id
    start = model.config.pad_token_id if start is None else start
    dec_in = [[start] + c[:-1] for c in flat]
    hidden = model.get_encoder()(input_ids=enc_ids, attention_mask=enc_mask).last_hidden_state
    # Documents in a group are sorted by shared length, so the minimum wastes little.
    shared = min(_shared_inputs(conts) for conts in conts_per_doc) if share_prefix else 0
    scores = torch.zeros(len(flat), dtype=torch.float32, device=device)
    cache_kw = {}
    if shared:
        # Every choice of a document has the same first ``shared`` inputs: take the first one's.
        firsts = [sum(len(c) for c in conts_per_doc[:b]) for b in range(len(conts_per_doc))]
        prefix = torch.tensor([dec_in[i][:shared] for i in firsts], device=device)
        out = model(encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
                    attention_mask=enc_mask, decoder_input_ids=prefix, use_cache=True)
        # Normalise once per document, then pick each choice's own target tokens.
        logits = out.logits.float()
        lse = logits.logsumexp(-1).index_select(0, owner)
        targets = torch.tensor([c[:shared] for c in flat], device=device)
        positions = torch.arange(shared, device=device)
        picked = logits[owner[:, None], positions[None, :], targets]
        scores += (picked - lse).sum(-1)
        cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
        cache.reorder_cache(owner)
        cache_kw = _cache_kwargs(model, cache)
    rest = [c[shared:] for c in flat]
    if any(rest):
        labels = _pad([r or [0] for r in rest]).to(device)
        mask = _pad([[1] * len(r) for r in rest]).to(device, torch.float32)
        inputs = _pad([d[shared:] or [0] for d in dec_in]).to(device)
        out = model(encoder_outputs=BaseModelOutput(last_hidden_state=hidden.index_select(0, owner)),
                    attention_mask=enc_mask.index_select(0, owner), decoder_input_ids=inputs,
                    use_cache=bool(cache_kw), **cache_kw)
        scores += (_token_logprobs(out.logits, labels) * mask).sum(-1)
    values = scores.tolist()
    grouped, k = [], 0
    for conts in conts_per_doc:
        grouped.append(values[k: k + len(conts)])
        k += len(conts)
    return grouped


def score_requests(model, tokenizer, requests: list[Request], batch_size: int = 16,
                   device=None, progress: bool = True, share_prefix: bool = True
                   ) -> list[list[float]]:
    """One log-likelihood per choice per request, in request order.

    ``batch_size`` counts (context, choice) rows per decoder pass, like the
    harness's batch size.

    Taught in notebooks/05_hands_on_mt5.
    """
    import torch

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    device = next(model.parameters()).device if device is None else pick_device(device)
    limit = max_length(model, tokenizer)
    encoded = [encode_request(tokenizer, r, limit) for r in requests]
    n_rows = [len(conts) for _, conts in encoded]
    # Longest first (like the harness): padding stays small and memory errors show at once.
    order = sorted(range(len(encoded)), key=lambda i: (-len(encoded[i][0]),
                                                        -_shared_inputs(encoded[i][1]),
                                                        -max(map(len, encoded[i][1]))))
    results: list[list[float] | None] = [None] * len(encoded)
    bar = tqdm(total=len(encoded), desc="scoring", disable=not progress, leave=False)
    with torch.inference_mode():
        for group in _batches(order, n_rows, batch_size):
            scores = _score_group(model, [encoded[i][0] for i in group],
                                  [encoded[i][1] for i in group], device, share_prefix)
            for i, s in zip(group, scores):
                results[i] = s
            bar.update(len(group))
    bar.close()
    return results  # type: ignore[return-value]


def first_argmax(values: list[float]) -> int:
    """Index of the largest value, the first one on ties (as ``numpy.argmax``)."""
    return max(range(len(values)), key=lambda i: (values[i], -i))


def evaluate_task(model, tokenizer, task: str, lang: str = "sw", data_file=None, limit=None,
                  batch_size: int = 16, num_fewshot: int = 0, device=None,
                  fewshot_file=None, docs: list[dict] | None = None) -> dict:
    """Zero/few-shot accuracy on one benchmark, with per-example scores.

    Returns ``{"task", "lang", "n", "accuracy", "predictions": [{"idx", "pred",
    "label", "scores"}], ...}`` where ``idx`` is the row index in the source
    file and ``scores`` holds one log-likelihood per choice. Few-shot examples
    come from ``fewshot_file`` (the harness's few-shot split: XCOPA validation,
    XNLI and XStoryCloze train), else from the Hub.

    Taught in notebooks/05_hands_on_mt5.
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
    predictions = [{"idx": r.idx, "pred": first_argmax(s), "label": r.label, "scores": s}
                   for r, s in zip(requests, scores)]
    correct = sum(p["pred"] == p["label"] for p in predictions)
    accuracy = correct / len(predictions) if predictions else float("nan")
    logger.info("%s: accuracy %.4f on %d documents (%.1fs scoring)", spec.harness_name(lang),
                accuracy, len(predictions), elapsed)
    return {"task": task, "lang": lang, "harness_task": spec.harness_name(lang),
            "n": len(predictions), "accuracy": accuracy, "chance": spec.chance,
            "num_fewshot": num_fewshot, "source": str(data_file) if data_file else "hub",
            "scoring_s": round(elapsed, 3), "predictions": predictions}
