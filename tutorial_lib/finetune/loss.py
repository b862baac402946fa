"""Token-weighted loss: exact under gradient accumulation and across processes.

A language-model loss is a mean over *target tokens*. Averaging per-batch means
(what mT5's own ``forward`` returns) weighs a token in a short batch more than
one in a long batch, and the weighting changes with gradient accumulation and
with the number of processes. The exact form is the sum of token
cross-entropies over everything a step sees, divided by the number of target
tokens in that whole step (``num_items_in_batch``: all micro-batches of the
accumulation, gathered over all processes). ``transformers.Trainer`` computes
that count when it is given a ``compute_loss_func``; it then multiplies each
process's loss by the process count, because DDP averages gradients. So one
step of 2 processes × batch 4 gives the same loss and gradients as one process
× batch 8 (``benchmarks/ddp_equivalence.py`` measures it).

The same function serves seq2seq models (labels aligned with the decoder's
outputs) and decoder-only models (``shift=True``: position *i* predicts label
*i + 1*, the convention of transformers' causal-LM loss).
"""

from __future__ import annotations

IGNORE_INDEX = -100


def token_weighted_loss(logits, labels, num_items_in_batch=None, shift: bool = False):
    """Sum of token cross-entropies divided by ``num_items_in_batch`` (the step's target tokens).

    Args:
        logits: ``(batch, length, vocab)`` scores; upcast to float32 for the softmax.
        labels: ``(batch, length)`` target ids, ``-100`` where nothing is predicted.
        num_items_in_batch: target tokens of the whole optimizer step (all
            accumulated micro-batches and processes); None means this batch's own
            count, i.e. a plain token mean.
        shift: True for decoder-only models, whose logits at position *i* predict
            the label at *i + 1*.

    Returns:
        A scalar tensor.
    """
    import torch.nn.functional as F

    if shift:
        logits, labels = logits[..., :-1, :], labels[..., 1:]
    labels = labels.to(logits.device)
    total = F.cross_entropy(
        logits.float().reshape(-1, logits.shape[-1]),
        labels.reshape(-1),
        ignore_index=IGNORE_INDEX,
        reduction="sum",
    )
    if num_items_in_batch is None:
        num_items_in_batch = labels.ne(IGNORE_INDEX).sum()
    if hasattr(num_items_in_batch, "to"):
        num_items_in_batch = num_items_in_batch.to(total.device)
    return total / num_items_in_batch


class TokenWeightedLoss:
    """``compute_loss_func`` for ``transformers.Trainer`` (``outputs, labels, num_items_in_batch``).

    Args:
        shift: True for decoder-only (causal) models; see :func:`token_weighted_loss`.

    Examples:
        >>> import torch
        >>> loss = TokenWeightedLoss()
        >>> out = {"logits": torch.zeros(1, 2, 4)}
        >>> round(float(loss(out, torch.tensor([[1, -100]]))), 4)  # log(4)
        1.3863
    """

    def __init__(self, shift: bool = False):
        self.shift = shift

    def __call__(self, outputs, labels, num_items_in_batch=None):
        logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
        return token_weighted_loss(logits, labels, num_items_in_batch, shift=self.shift)


def loss_for(model) -> TokenWeightedLoss:
    """The token-weighted loss that fits ``model``: shifted unless it is an encoder-decoder.

    Args:
        model: a loaded model (or PEFT wrapper); its ``config.is_encoder_decoder``
            decides. A decoder predicts token t+1 from position t, so its labels
            are shifted; a seq2seq decoder's are not.

    Returns:
        A :class:`TokenWeightedLoss` for the Trainer's ``compute_loss_func``.

    Examples:
        >>> from types import SimpleNamespace
        >>> loss_for(SimpleNamespace(config=SimpleNamespace(is_encoder_decoder=True))).shift
        False
    """
    config = getattr(model, "config", None)
    return TokenWeightedLoss(shift=not getattr(config, "is_encoder_decoder", False))
