"""Activation checkpointing for the long batches only: the memory peak without the slowdown.

A fine-tuning run's memory peak is set by its costliest batch: the activations
kept for the backward pass grow with batch size times padded length (and the
attention maps with its square). Checkpointing every step (transformers'
``gradient_checkpointing=True``) caps that peak but recomputes each forward
pass, about a third more compute on every step. Length-grouped batches make
most steps short, so the kit checkpoints only the batches whose padded token
count is above a threshold (``finetune.checkpoint_above_tokens``): the peak is
that of the threshold batch, and the recompute is paid on the few long ones.
``benchmarks/finetune_throughput.py`` measures both effects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


def batch_tokens(inputs: dict, encoder_decoder: bool = True) -> int:
    """Padded tokens in a batch: what its activations grow with.

    Args:
        inputs: the keyword arguments of a model call.
        encoder_decoder: a seq2seq model counts the decoder's positions too
            (``decoder_input_ids``, else ``labels``); a causal model's ``labels``
            mirror its ``input_ids`` and are not counted twice.

    Returns:
        The number of padded token positions.

    Examples:
        >>> import torch
        >>> batch_tokens({"input_ids": torch.zeros(8, 100), "labels": torch.zeros(8, 30)})
        1040
        >>> batch_tokens({"input_ids": torch.zeros(4, 64), "labels": torch.zeros(4, 64)}, False)
        256
    """
    ids = inputs.get("input_ids")
    tokens = ids.numel() if ids is not None else 0
    decoder = inputs.get("decoder_input_ids")
    if decoder is None:
        decoder = inputs.get("labels")
    if encoder_decoder and decoder is not None:
        tokens += decoder.numel()
    return int(tokens)


def checkpoint_long_batches(model, above_tokens: int) -> Callable[[], None]:
    """Recompute activations in the backward pass only for batches above ``above_tokens``.

    Turns on transformers' activation checkpointing for the model's repeated
    blocks, then a forward pre-hook switches it on or off per call: on for a
    training-mode call whose batch has more than ``above_tokens`` padded tokens,
    off otherwise. Evaluation and generation are never checkpointed.

    Args:
        model: a transformers model whose blocks support checkpointing (mT5,
            Llama-style decoders), or a PEFT wrapper around one.
        above_tokens: the padded-token count above which a batch is checkpointed.

    Returns:
        A function that removes the hook and turns checkpointing off again.

    Raises:
        ValueError: if the model's blocks do not support activation checkpointing.
    """
    from transformers.modeling_layers import GradientCheckpointingLayer

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    if not getattr(base, "supports_gradient_checkpointing", False):
        raise ValueError(f"{type(base).__name__} does not support activation checkpointing")
    base.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    encoder_decoder = bool(getattr(base.config, "is_encoder_decoder", False))
    blocks = [m for m in base.modules() if isinstance(m, GradientCheckpointingLayer)]
    counts = {"checkpointed": 0, "kept": 0}

    def switch(module, args, kwargs):
        long = module.training and batch_tokens(kwargs, encoder_decoder) > above_tokens
        for block in blocks:
            block.gradient_checkpointing = long
        if module.training:
            counts["checkpointed" if long else "kept"] += 1

    handle = base.register_forward_pre_hook(switch, with_kwargs=True)
    logger.info("activation checkpointing for batches above %d padded tokens", above_tokens)

    def remove() -> None:
        handle.remove()
        base.activation_checkpointing_disable()
        logger.info(
            "activation checkpointing: %d long batches recomputed, %d kept their activations",
            counts["checkpointed"],
            counts["kept"],
        )

    remove.counts = counts  # type: ignore[attr-defined]
    return remove
