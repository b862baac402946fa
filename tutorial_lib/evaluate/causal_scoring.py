"""Rank-classification scoring of decoder-only models, identical to lm-evaluation-harness, faster.

What the harness (0.4.13, ``HFLM`` causal backend) computes for one (context,
continuation) pair, reproduced here token for token:

- trailing whitespace of the context moves to the continuation;
- ``context + continuation`` is tokenised as ONE string and the context alone
  as another (both with the tokenizer's own special tokens -- BOS for Llama or
  Gemma tokenizers, none for Qwen -- unless the text already starts with the
  BOS string); the continuation is the whole encoding's tail after the
  context's length, so a merge across the boundary is scored as the harness does;
- an empty context becomes ``[prefix]`` (BOS, else EOS), or, if the
  continuation itself starts with that token, its first token;
- the input is ``(context + continuation)[-(max_length + 1):][:-1]`` and the
  score is the float32 sum of the continuation tokens' log-probabilities.

Where it is faster: the context (and any tokens all choices share, such as
XNLI's premise) runs through the model once per document, left-padded, and
every choice continues from that KV cache; documents are sorted by length and
grouped so that a group's rows never exceed a harness batch.
"""

from __future__ import annotations

import inspect

from tqdm.auto import tqdm

from .loglik import cache_kwargs, shared_inputs, token_logprobs
from .tasks import Request


def _tok_encode(tokenizer, text: str, prefix_text: str) -> list[int]:
    """The harness's ``tok_encode``: no special tokens when the text starts with the BOS string."""
    special = {"add_special_tokens": False} if prefix_text and text.startswith(prefix_text) else {}
    return tokenizer(text, **special)["input_ids"]


def _encode_choice(tokenizer, context: str, continuation: str, prefix: int) -> tuple[list, list]:
    if context == "":
        cont = tokenizer(continuation, add_special_tokens=False)["input_ids"]
        return ([prefix], cont) if cont[0] != prefix else (cont[:1], cont[1:])
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    prefix_text = tokenizer.decode(prefix)
    whole = _tok_encode(tokenizer, context + continuation, prefix_text)
    ctx = _tok_encode(tokenizer, context, prefix_text)
    return ctx, whole[len(ctx) :]


def encode_causal_request(
    tokenizer, req: Request, limit: int, prefix: int
) -> list[tuple[list[int], list[int]]]:
    """``(context_ids, continuation_ids)`` per choice, left-truncated to ``limit + 1`` as the harness.

    Args:
        tokenizer: the causal model's tokenizer.
        req: the request; each choice is scored as ``" " + choice``.
        limit: :func:`~.scoring.max_length`; context plus continuation keep at
            most ``limit + 1`` tokens (the last is only a target).
        prefix: :func:`~.scoring.prefix_token_id`, the stand-in for an empty context.

    Returns:
        One ``(context_ids, continuation_ids)`` pair per choice.

    Raises:
        ValueError: if a choice encodes to no tokens or to more than ``limit``.
    """
    pairs = []
    for choice in req.choices:
        ctx, cont = _encode_choice(tokenizer, req.context, " " + choice, prefix)
        if not cont or len(cont) > limit:
            raise ValueError(
                f"row {req.idx}: choice {choice!r} encodes to {len(cont)} tokens; "
                f"the harness needs 1..{limit}"
            )
        keep = limit + 1 - len(cont)
        pairs.append((ctx[-keep:] if len(ctx) > keep else ctx, cont))
    return pairs


def build_units(encoded: list[list[tuple[list[int], list[int]]]], share: bool = True):
    """Scoring units: choices of a request with the same context share one forward pass.

    Args:
        encoded: per request, :func:`encode_causal_request`'s pairs.
        share: False makes one unit per choice (no sharing, same numbers).

    Returns:
        Units ``(context_ids, [continuation_ids], [(request, choice)])``, in
        request order; the last list says where each score belongs.

    Examples:
        >>> units = build_units([[([1, 2], [3]), ([1, 2], [4, 5])], [([9], [3])]])
        >>> units
        [([1, 2], [[3], [4, 5]], [(0, 0), (0, 1)]), ([9], [[3]], [(1, 0)])]
    """
    units = []
    for r, pairs in enumerate(encoded):
        by_ctx: dict[tuple, int] = {}
        for c, (ctx, cont) in enumerate(pairs):
            key = tuple(ctx)
            if not share or key not in by_ctx:
                by_ctx[key] = len(units)
                units.append((ctx, [], []))
            units[by_ctx[key]][1].append(cont)
            units[by_ctx[key]][2].append((r, c))
    return units


def _common(conts: list[list[int]]) -> int:
    """Continuation tokens all choices share (``shared_inputs`` counts one extra start token)."""
    return shared_inputs(conts) - 1 if len(conts) > 1 else len(conts[0]) - 1


def group_units(order: list[int], units, batch_size: int):
    """Consecutive units holding at most ``batch_size`` choice rows (always at least one unit).

    Args:
        order: unit indices in scoring order (longest first).
        units: :func:`build_units`' units.
        batch_size: the harness's batch, in (context, choice) rows.

    Yields:
        Lists of unit indices; a unit with more choices than ``batch_size`` is
        a group of its own rather than split.

    Examples:
        >>> units = [([1], [[2], [3]], []), ([1], [[2]], []), ([1], [[2], [3]], [])]
        >>> list(group_units([0, 1, 2], units, batch_size=3))
        [[0, 1], [2]]
    """
    group, rows = [], 0
    for u in order:
        n = len(units[u][1])
        if group and rows + n > batch_size:
            yield group
            group, rows = [], 0
        group.append(u)
        rows += n
    if group:
        yield group


def _pad(seqs: list[list[int]], device, left: bool = False):
    """``(ids, mask)`` padded with zeros on the left (a shared pass) or right (a continuation)."""
    import torch

    width = max(map(len, seqs))
    ids = torch.zeros((len(seqs), width), dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        cols = slice(width - len(s), width) if left else slice(0, len(s))
        ids[i, cols] = torch.tensor(s, dtype=torch.long)
        mask[i, cols] = 1
    return ids.to(device), mask.to(device)


def _forward(model, keep: int | None, **kwargs):
    if keep and "logits_to_keep" in inspect.signature(model.forward).parameters:
        return model(logits_to_keep=keep, **kwargs), keep
    return model(**kwargs), None


def score_units(model, units, device) -> list[list[float]]:
    """Sum of log-probabilities of every continuation of a group of units (see module docstring).

    The context plus the tokens all choices share run once, left-padded; each
    choice's remaining tokens continue from that pass's KV cache.

    Args:
        model: the causal model (eval mode, under ``torch.inference_mode``).
        units: the group's units (:func:`build_units`).
        device: where the tensors go (the model's device).

    Returns:
        ``scores[unit][continuation]``, float32 sums as the harness computes them.
    """
    import torch

    commons = [_common(conts) for _, conts, _ in units]
    shared = [ctx + conts[0][:c] for (ctx, conts, _), c in zip(units, commons)]
    ids, mask = _pad(shared, device, left=True)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    keep = max(commons) + 1
    out, kept = _forward(
        model, keep, input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True
    )
    logits = out.logits if kept else out.logits[:, -keep:]
    logp = torch.log_softmax(logits.float(), dim=-1)
    scores, rest = [], []
    for u, ((_, conts, _), c) in enumerate(zip(units, commons)):
        row = []
        for cont in conts:
            window = logp[u, keep - 1 - c : keep - 1 - c + min(len(cont), c + 1)]
            row.append(
                float(window.gather(-1, torch.tensor(cont[: c + 1], device=device)[:, None]).sum())
            )
            if len(cont) > c + 1:
                rest.append((u, len(row) - 1, cont[c:]))
        scores.append(row)
    if rest:
        _score_rest(model, out, mask, shared, rest, scores, device)
    return scores


def _score_rest(model, out, mask, shared, rest, scores, device) -> None:
    """Continue each choice from the shared pass's cache; adds its remaining tokens' scores."""
    import torch

    owner = torch.tensor([u for u, _, _ in rest], device=device)
    cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
    cache.reorder_cache(owner)
    ids, cont_mask = _pad([tail[:-1] for _, _, tail in rest], device)
    starts = torch.tensor([len(shared[u]) for u, _, _ in rest], device=device)
    positions = starts[:, None] + torch.arange(ids.shape[1], device=device)[None, :]
    full_mask = torch.cat([mask.index_select(0, owner), cont_mask], dim=1)
    logits = model(
        input_ids=ids,
        attention_mask=full_mask,
        position_ids=positions,
        use_cache=True,
        **cache_kwargs(model, cache),
    ).logits
    targets, _ = _pad([tail[1:] for _, _, tail in rest], device)
    values = (token_logprobs(logits, targets) * cont_mask).sum(-1).tolist()
    for (u, k, _), v in zip(rest, values):
        scores[u][k] += v


def score_causal_requests(
    model,
    tokenizer,
    requests: list[Request],
    batch_size: int = 16,
    device=None,
    progress: bool = True,
    share_prefix: bool = True,
    limit: int | None = None,
) -> list[list[float]]:
    """One log-likelihood per choice per request, in request order (causal models).

    Args:
        model: a decoder-only transformers model.
        tokenizer: its tokenizer.
        requests: what to score, from :func:`~.tasks.build_requests`.
        batch_size: the harness's batch, in (context, choice) rows per pass.
        device: where inputs go; None: the model's own device.
        progress: show a tqdm bar.
        share_prefix: False gives each choice its own pass (same numbers).
        limit: the context limit; None: :func:`~.scoring.max_length`.

    Returns:
        ``scores[request][choice]``: float32 sums of token log-probabilities.

    Raises:
        ValueError: if ``batch_size`` is below 1, or a choice encodes to no
            tokens or more than ``limit`` (:func:`encode_causal_request`).
    """
    import torch

    from .scoring import max_length, prefix_token_id

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    device = next(model.parameters()).device if device is None else torch.device(device)
    limit = limit or max_length(model, tokenizer)
    prefix = prefix_token_id(tokenizer)
    encoded = [encode_causal_request(tokenizer, r, limit, prefix) for r in requests]
    units = build_units(encoded, share_prefix)
    # Longest first (like the harness): little padding, and memory errors show at once.
    order = sorted(
        range(len(units)), key=lambda u: (-len(units[u][0]), -max(map(len, units[u][1])))
    )
    results = [[0.0] * len(r.choices) for r in requests]
    bar = tqdm(total=len(units), desc="scoring", disable=not progress, leave=False)
    with torch.inference_mode():
        for group in group_units(order, units, batch_size):
            for u, row in zip(group, score_units(model, [units[u] for u in group], device)):
                for (r, c), value in zip(units[u][2], row):
                    results[r][c] = value
            bar.update(len(group))
    bar.close()
    return results
