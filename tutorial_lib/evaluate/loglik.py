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
    """Decoder inputs common to all choices: the start token plus their common token prefix."""
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
    """How many decoder inputs a group runs once per document (0: no shared pass)."""
    if not docs:
        return 0
    return _plan(
        min(shared_inputs(conts) for _, conts in docs), max(len(ctx) for ctx, _ in docs), share
    )


def group_documents(order: list[int], docs, batch_size: int, share: bool = True):
    """Consecutive groups of documents whose biggest decoder pass holds at most as many
    positions as ``batch_size`` full-length rows (a harness batch); at least one document.
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
    """The cache argument under the name this transformers version uses."""
    names = inspect.signature(model.forward).parameters
    return {"cache": cache} if "cache" in names else {"past_key_values": cache}


def token_logprobs(logits, targets):
    """log p(target) per position in float32, through ``log_softmax`` as the harness does.

    (``logits - logsumexp`` gives the same numbers but is many times slower on
    CPU for real logits, whose far tails underflow into denormals.)
    """
    import torch

    logp = torch.log_softmax(logits.float(), dim=-1)
    return logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)


def score_group(model, docs, device, share: bool = True) -> list[list[float]]:
    """Sum of token log-probabilities of every continuation of a group of documents.

    ``docs`` is a list of ``(context_ids, [continuation_ids, ...])``.
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
        cache_kw = cache_kwargs(model, cache)
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
