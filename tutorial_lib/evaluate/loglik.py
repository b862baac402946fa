"""Batched seq2seq log-likelihoods of several continuations per context, computed once per share.

The harness (lm-eval 0.4.13, ``HFLM._loglikelihood_tokens``) runs the whole
model once per (context, continuation) pair. The numbers here are the same
(float32 ``log_softmax`` summed over the continuation's tokens), but:

- each context goes through the encoder once, and its encoder output serves
  every choice;
- where all choices of a document share a prefix of decoder inputs (always the
  start token; for XNLI the whole premise), the decoder runs over it once and
  each choice continues from that cache, reusing the cross-attention keys and
  values as well;
- documents arrive sorted, and a group holds as many documents as fit in the
  decoder positions a harness batch of ``batch_size`` rows would hold, so peak
  memory (the logits tensor) stays within the harness's envelope.
"""

from __future__ import annotations

import inspect

# Reusing a decoder cache costs an extra forward pass (on CPU mostly streaming
# the decoder's weights once more). Measured on an mt5-small-shaped model it
# pays when the choices share real tokens, or when the context is long enough
# that recomputing cross-attention keys/values per choice costs more.
MIN_SHARED_INPUTS = 2
MIN_CONTEXT_FOR_CACHE = 32


def shared_inputs(conts: list[list[int]]) -> int:
    """Decoder inputs common to all choices: the start token plus their common token prefix.

    Capped at the shortest continuation, since a choice's last token is only
    ever a target, never an input.

    Args:
        conts: each choice's continuation token ids.

    Returns:
        How many decoder inputs a shared pass can run once for all choices.

    Examples:
        >>> shared_inputs([[5, 6, 7], [5, 6, 8]])  # start token + [5, 6]
        3
        >>> shared_inputs([[5], [9, 9]])  # only the start token
        1
    """
    common = 0
    for column in zip(*conts):
        if any(tok != column[0] for tok in column):
            break
        common += 1
    return min(common + 1, min(len(c) for c in conts))


def _plan(shared: int, longest_context: int, share: bool) -> int:
    if share and (shared >= MIN_SHARED_INPUTS or longest_context >= MIN_CONTEXT_FOR_CACHE):
        return shared
    return 0


def plan_prefix(docs: list[tuple[list[int], list[list[int]]]], share: bool = True) -> int:
    """How many decoder inputs a group runs once per document (0: no shared pass).

    A shared pass costs an extra forward call, so it is planned only when
    choices share real tokens or the contexts are long (module constants).

    Args:
        docs: the group's ``(context_ids, [continuation_ids])``.
        share: False never plans a shared pass.

    Returns:
        The shared decoder inputs of the whole group, or 0.

    Examples:
        >>> plan_prefix([([1] * 40, [[5, 6], [5, 7]])]), plan_prefix([([1], [[5], [6]])])
        (2, 0)
    """
    if not docs:
        return 0
    return _plan(
        min(shared_inputs(conts) for _, conts in docs), max(len(ctx) for ctx, _ in docs), share
    )


def group_documents(order: list[int], docs, batch_size: int, share: bool = True):
    """Consecutive groups of documents that fit in the decoder positions of one harness batch.

    A group's biggest decoder pass holds at most as many positions as
    ``batch_size`` full-length rows, so peak memory stays the harness's.

    Args:
        order: document indices in scoring order (longest first).
        docs: every document's ``(context_ids, [continuation_ids])``.
        batch_size: the harness's batch, in (context, choice) rows.
        share: whether groups may plan a shared decoder pass (:func:`plan_prefix`).

    Yields:
        Lists of document indices, each with at least one document.
    """
    group: list[int] = []
    shared = context = rows = longest = 0
    for i in order:
        ctx, conts = docs[i]
        s_i, rows_i, long_i = shared_inputs(conts), len(conts), max(map(len, conts))
        if group:
            new_shared, new_context = min(shared, s_i), max(context, len(ctx))
            new_rows, new_longest = rows + rows_i, max(longest, long_i)
            prefix = _plan(new_shared, new_context, share)
            used = max((len(group) + 1) * prefix, new_rows * (new_longest - prefix))
            if used <= batch_size * new_longest:
                group.append(i)
                shared, context, rows, longest = new_shared, new_context, new_rows, new_longest
                continue
            yield group
        group = [i]
        shared, context, rows, longest = s_i, len(ctx), rows_i, long_i
    if group:
        yield group


def _pad(seqs: list[list[int]], value: int = 0):
    import torch

    width = max(len(s) for s in seqs)
    out = torch.full((len(seqs), width), value, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return out


def cache_kwargs(model, cache) -> dict:
    """The cache argument under the name this transformers version uses.

    Args:
        model: the model whose ``forward`` takes the cache.
        cache: the cache from an earlier pass.

    Returns:
        ``{"cache": cache}`` or ``{"past_key_values": cache}``, to splat into the call.
    """
    names = inspect.signature(model.forward).parameters
    return {"cache": cache} if "cache" in names else {"past_key_values": cache}


def token_logprobs(logits, targets):
    """log p(target) per position in float32, through ``log_softmax`` as the harness does.

    (``logits - logsumexp`` gives the same numbers but is many times slower on
    CPU for real logits, whose far tails underflow into denormals.)

    Args:
        logits: ``(batch, positions, vocab)`` model outputs, any float dtype.
        targets: ``(batch, positions)`` token ids.

    Returns:
        ``(batch, positions)`` float32 log-probabilities of the targets.

    Examples:
        >>> import torch
        >>> token_logprobs(torch.zeros(1, 2, 4), torch.tensor([[0, 3]]))
        tensor([[-1.3863, -1.3863]])
    """
    import torch

    logp = torch.log_softmax(logits.float(), dim=-1)
    return logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)


def score_group(model, docs, device, share: bool = True) -> list[list[float]]:
    """Sum of token log-probabilities of every continuation of a group of documents.

    Each context is encoded once; a planned shared decoder pass (:func:`plan_prefix`)
    runs once per document and every choice continues from its cache.

    Args:
        model: the seq2seq model (eval mode, under ``torch.inference_mode``).
        docs: ``(context_ids, [continuation_ids, ...])`` per document.
        device: where the tensors go (the model's device).
        share: False skips the shared pass (same numbers).

    Returns:
        ``scores[document][choice]``, float32 sums as the harness computes them.
    """
    import torch
    from transformers.modeling_outputs import BaseModelOutput

    contexts = [ctx for ctx, _ in docs]
    flat = [c for _, conts in docs for c in conts]
    owner = torch.tensor([d for d, (_, conts) in enumerate(docs) for _ in conts], device=device)
    start = model.config.decoder_start_token_id
    start = model.config.pad_token_id if start is None else start
    dec_in = [[start] + c[:-1] for c in flat]  # labels decoded from token 0, as with labels=
    enc_mask = _pad([[1] * len(c) for c in contexts]).to(device)
    hidden = model.get_encoder()(
        input_ids=_pad(contexts).to(device), attention_mask=enc_mask
    ).last_hidden_state
    prefix = plan_prefix(docs, share)
    scores = torch.zeros(len(flat), dtype=torch.float32, device=device)
    cache_kw = {}
    if prefix:
        cache_kw = _shared_pass(model, docs, flat, dec_in, hidden, enc_mask, owner, prefix, scores)
    rest = [c[prefix:] for c in flat]
    if any(rest):
        labels = _pad([r or [0] for r in rest]).to(device)
        mask = _pad([[1] * len(r) for r in rest]).to(device, torch.float32)
        out = model(
            encoder_outputs=BaseModelOutput(last_hidden_state=hidden.index_select(0, owner)),
            attention_mask=enc_mask.index_select(0, owner),
            use_cache=bool(cache_kw),
            decoder_input_ids=_pad([d[prefix:] or [0] for d in dec_in]).to(device),
            **cache_kw,
        )
        scores += (token_logprobs(out.logits, labels) * mask).sum(-1)
    values = scores.tolist()
    grouped, k = [], 0
    for _, conts in docs:
        grouped.append(values[k : k + len(conts)])
        k += len(conts)
    return grouped


def _shared_pass(model, docs, flat, dec_in, hidden, enc_mask, owner, prefix, scores) -> dict:
    """Decode the first ``prefix`` inputs once per document, add their scores to ``scores``
    (in place, one row per choice) and return the cache, reordered to one row per choice."""
    import torch
    from transformers.modeling_outputs import BaseModelOutput

    device = owner.device
    firsts, k = [], 0
    for _, conts in docs:  # every choice of a document has the same first inputs
        firsts.append(k)
        k += len(conts)
    out = model(
        encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
        attention_mask=enc_mask,
        use_cache=True,
        decoder_input_ids=torch.tensor([dec_in[i][:prefix] for i in firsts], device=device),
    )
    # Normalise once per document, then take each choice's own target tokens.
    logp = torch.log_softmax(out.logits.float(), dim=-1)
    targets = torch.tensor([c[:prefix] for c in flat], device=device)
    positions = torch.arange(prefix, device=device)
    scores += logp[owner[:, None], positions[None, :], targets].sum(-1)
    cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
    cache.reorder_cache(owner)
    return cache_kwargs(model, cache)
