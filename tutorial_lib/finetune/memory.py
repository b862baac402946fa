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

:func:`lean_activations` saves memory on every batch for almost no compute
(``finetune.lean_activations``): mT5's tanh-GELU is written in Python and keeps
five feed-forward-sized intermediates per layer for the backward pass, where
PyTorch's fused ``GELU(approximate="tanh")`` keeps one; and the attention maps
(quadratic in length) are recomputed in the backward pass from the queries, keys
and values instead of being kept, which costs one more product per attention.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ..errors import TutorialLibError

logger = logging.getLogger(__name__)

# Prefix of the attention implementations registered by recompute_attention (one per
# model module and wrapped implementation, so two models in one process never share one).
RECOMPUTED_ATTENTION = "kit_recomputed"


class MemorySettingError(TutorialLibError, ValueError):
    """A memory-saving setting the model cannot take (the message names the model class)."""


@dataclass
class LongBatchSwitch:
    """What :func:`checkpoint_long_batches` installed: its counts, and how to undo it."""

    handle: object
    model: object
    counts: dict = field(default_factory=lambda: {"checkpointed": 0, "kept": 0})

    def remove(self) -> None:
        """Remove the hook, turn checkpointing off and log how many batches were recomputed."""
        self.handle.remove()
        self.model.activation_checkpointing_disable()
        logger.info(
            "activation checkpointing: %d long batches recomputed, %d kept their activations",
            self.counts["checkpointed"],
            self.counts["kept"],
        )


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


def checkpoint_long_batches(model, above_tokens: int) -> LongBatchSwitch:
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
        The installed switch: its ``counts`` and ``remove()``.

    Raises:
        MemorySettingError: if the model's blocks do not support activation checkpointing.
    """
    from transformers.modeling_layers import GradientCheckpointingLayer

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    if not getattr(base, "supports_gradient_checkpointing", False):
        raise MemorySettingError(
            f"{type(base).__name__} does not support activation checkpointing; "
            "unset finetune.checkpoint_above_tokens"
        )
    base.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    encoder_decoder = bool(getattr(base.config, "is_encoder_decoder", False))
    blocks = [m for m in base.modules() if isinstance(m, GradientCheckpointingLayer)]
    installed = LongBatchSwitch(handle=None, model=base)

    def switch(module, args, kwargs):
        long = module.training and batch_tokens(kwargs, encoder_decoder) > above_tokens
        for block in blocks:
            block.gradient_checkpointing = long
        if module.training:
            installed.counts["checkpointed" if long else "kept"] += 1

    installed.handle = base.register_forward_pre_hook(switch, with_kwargs=True)
    logger.info("activation checkpointing for batches above %d padded tokens", above_tokens)
    return installed


def fuse_tanh_gelu(model) -> int:
    """Swap transformers' Python tanh-GELU modules for PyTorch's fused one (same function).

    Args:
        model: any torch module.

    Returns:
        How many activation modules were swapped.

    Examples:
        >>> import torch
        >>> from transformers.activations import NewGELUActivation
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), NewGELUActivation())
        >>> fuse_tanh_gelu(net), type(net[1]).__name__
        (1, 'GELU')
    """
    import torch
    from transformers.activations import NewGELUActivation

    swapped = 0
    for parent in model.modules():
        for name, child in list(parent.named_children()):
            if isinstance(child, NewGELUActivation):
                setattr(parent, name, torch.nn.GELU(approximate="tanh"))
                swapped += 1
    return swapped


def recompute_attention(model) -> str:
    """Recompute attention maps in the backward pass instead of keeping them.

    Registers an attention implementation that wraps the model's own one (``sdpa``
    or ``eager``) in non-reentrant activation checkpointing while training, and
    switches the model to it. Outside training it calls the wrapped one directly.

    Args:
        model: a transformers model that accepts ``set_attn_implementation``.

    Returns:
        The attention implementation the model used before (the wrapped one).
    """
    import importlib

    import torch
    from torch.utils.checkpoint import checkpoint
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS
    from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS, AttentionInterface

    before = model.config._attn_implementation
    if before.startswith(RECOMPUTED_ATTENTION):
        return before  # already recomputing: never wrap the wrapper
    eager = importlib.import_module(type(model).__module__).eager_attention_forward
    inner = ALL_ATTENTION_FUNCTIONS.get_interface(before, eager)

    def attention(module, *args, **kwargs):
        if module.training and torch.is_grad_enabled():
            output, _ = checkpoint(inner, module, *args, use_reentrant=False, **kwargs)
            return output, None  # the maps themselves are what is not kept
        return inner(module, *args, **kwargs)

    AttentionInterface.register(RECOMPUTED_ATTENTION, attention)
    # Padding masks are built per implementation; an unregistered name would get none at all.
    ALL_MASK_ATTENTION_FUNCTIONS.register(
        RECOMPUTED_ATTENTION, ALL_MASK_ATTENTION_FUNCTIONS[before]
    )
    model.set_attn_implementation(RECOMPUTED_ATTENTION)
    return before


def lean_activations(model) -> None:
    """Keep less for the backward pass on every batch: fused tanh-GELU, recomputed attention maps.

    Args:
        model: a transformers model (a PEFT wrapper is unwrapped).
    """
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    swapped = fuse_tanh_gelu(base)
    before = recompute_attention(base)
    logger.info(
        "lean activations: %d tanh-GELU modules fused; attention maps (%s) recomputed in backward",
        swapped,
        before,
    )


def save_activation_memory(
    model, lean: bool, checkpoint_above_tokens: int | None
) -> LongBatchSwitch | None:
    """Apply the fine-tuning settings that trade a little compute for activation memory.

    Args:
        model: the model about to be trained.
        lean: ``finetune.lean_activations`` (see :func:`lean_activations`).
        checkpoint_above_tokens: ``finetune.checkpoint_above_tokens`` (see
            :func:`checkpoint_long_batches`); ``None`` leaves every batch's blocks alone.

    Returns:
        The long-batch switch to ``remove()`` after training (it logs what it did), or None.
    """
    if lean:
        lean_activations(model)
    if checkpoint_above_tokens:
        return checkpoint_long_batches(model, checkpoint_above_tokens)
    return None
