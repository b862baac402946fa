"""Memory and time estimates for mT5-family (seq2seq) candidates: arithmetic on the model shape.

:func:`tutorial_lib.finetune.models.select_model` asks :func:`seq2seq_row` for
each seq2seq candidate (``candidates.causal_row`` is the decoder-only
counterpart). The published checkpoints' shapes come from the mT5 paper and
their config.json; a local folder's shape is read from its config. Every figure
is an estimate, labelled as such in the selection table, not a measurement.
"""

from __future__ import annotations

from dataclasses import dataclass

from .candidates import load_candidates

MT5_VOCAB = 250112


@dataclass(frozen=True)
class Shape:
    """What the estimates need from a T5-style model."""

    params: float
    d_model: int
    d_ff: int
    layers: int
    heads: int
    d_kv: int = 64
    vocab: int = MT5_VOCAB


_SIZES = {  # parameter counts and shapes from the mT5 paper / the checkpoints' config.json
    "small": Shape(300e6, 512, 1024, 8, 6),
    "base": Shape(580e6, 768, 2048, 12, 12),
    "large": Shape(1.2e9, 1024, 2816, 24, 16),
    "xl": Shape(3.7e9, 2048, 5120, 24, 32),
    "xxl": Shape(13e9, 4096, 10240, 24, 64),
}
KNOWN_MODELS = {c.id: _SIZES[c.size] for c in load_candidates().values() if c.family == "seq2seq"}
ASSUMED_MFU = 0.3  # fraction of peak FLOP/s a seq2seq fine-tune reaches; an assumption


def _shape_of_folder(folder: str) -> Shape:
    import torch
    from transformers import AutoConfig, AutoModelForSeq2SeqLM

    cfg = AutoConfig.from_pretrained(folder)
    with torch.device("meta"):
        params = sum(p.numel() for p in AutoModelForSeq2SeqLM.from_config(cfg).parameters())
    return Shape(
        params, cfg.d_model, cfg.d_ff, cfg.num_layers, cfg.num_heads, cfg.d_kv, cfg.vocab_size
    )


def estimate_memory_gb(
    shape: Shape,
    batch_size: int,
    source_len: int,
    target_len: int,
    precision: str = "fp32",
    optimizer: str = "adafactor",
) -> float:
    """Training memory (GB): weights + grads + optimizer state + activations + ~1 GB runtime.

    Adafactor's factored second moments are ~1% of the weights; AdamW keeps two
    fp32 moments. Activations count what autograd keeps per layer and token, the
    attention maps, and the vocabulary logits (fp32, x3 with softmax and grad),
    which dominate for mT5's 250k vocabulary. An estimate, not a measurement.

    Args:
        shape: the model's shape (``KNOWN_MODELS[id]`` for a published checkpoint).
        batch_size: rows per step.
        source_len: padded input tokens per row.
        target_len: padded target tokens per row.
        precision: ``"fp32"``, ``"bf16"`` or ``"fp16"``; 16-bit halves the
            activations, not the fp32 weights.
        optimizer: ``"adafactor"`` or ``"adamw"``.

    Returns:
        The estimate in GB (1e9 bytes).

    Examples:
        >>> small = KNOWN_MODELS["google/mt5-small"]
        >>> round(estimate_memory_gb(small, 16, 256, 256), 1)
        19.3
        >>> round(estimate_memory_gb(small, 16, 256, 256, optimizer="adamw"), 1)
        21.7
    """
    state = {"adafactor": 0.04, "adamw": 8.0}[optimizer]
    static = shape.params * (4 + 4 + state)
    act_bytes = 2 if precision in ("bf16", "fp16") else 4
    d, f, inner, h = shape.d_model, shape.d_ff, shape.heads * shape.d_kv, shape.heads
    enc = shape.layers * source_len * (4 * d + 4 * inner + 4 * f + 2 * h * source_len)
    dec = (
        shape.layers * target_len * (6 * d + 8 * inner + 4 * f + 2 * h * (target_len + source_len))
    )
    logits = target_len * 3 * shape.vocab * 4
    return (static + batch_size * ((enc + dec) * act_bytes + logits)) / 1e9 + 1.0


def estimate_epoch_hours(
    shape: Shape,
    source_tokens: float,
    target_tokens: float,
    peak_tflops: float,
    mfu: float = ASSUMED_MFU,
) -> float:
    """Hours per epoch from training FLOPs (6 x matmul params x tokens, plus the lm_head).

    Args:
        shape: the model's shape.
        source_tokens: input tokens in one epoch (padding included).
        target_tokens: target tokens in one epoch.
        peak_tflops: the GPU's peak dense TFLOP/s at the precision used.
        mfu: the fraction of that peak reached; ``ASSUMED_MFU`` is an assumption.

    Returns:
        Hours of compute for one epoch.

    Examples:
        >>> small = KNOWN_MODELS["google/mt5-small"]
        >>> round(estimate_epoch_hours(small, 1e6, 1e6, peak_tflops=8.1) * 60, 1)  # minutes, T4
        7.1
    """
    d, f, inner = shape.d_model, shape.d_ff, shape.heads * shape.d_kv
    enc_params = shape.layers * (4 * d * inner + 3 * d * f)
    dec_params = shape.layers * (8 * d * inner + 3 * d * f)
    flops = 6 * (
        enc_params * source_tokens + dec_params * target_tokens + d * shape.vocab * target_tokens
    )
    return flops / (peak_tflops * 1e12 * mfu) / 3600


def seq2seq_row(name, local, gpu, batch_size, seq, tokens, optimizer, gpu_mem_gb) -> dict:
    """One seq2seq candidate's estimates for the selection table (full fine-tuning only).

    Args:
        name: a Hub id in ``KNOWN_MODELS`` or a local folder.
        local: whether ``name`` is a local folder (its shape is read from its config).
        gpu: ``(name, peak TFLOP/s, precision)`` from ``models.gpu_class``.
        batch_size: rows per step.
        seq: padded tokens per row, used for both input and target.
        tokens: training tokens in one epoch, split evenly between the sides.
        optimizer: ``"adafactor"`` or ``"adamw"``.
        gpu_mem_gb: the GPU's memory; a model fits in 90% of it.

    Returns:
        The row's estimate columns, shaped like ``candidates.causal_row``'s:
        ``params_m``, ``train_mem_gb``, ``method`` (``"full"`` or ``"none
        fits"``), ``fits_memory``, ``epoch_min``, ``epochs_in_budget_per_h``, and
        ``"n/a"`` for the LoRA/QLoRA columns.

    Examples:
        >>> row = seq2seq_row("google/mt5-small", False, ("T4", 8.1, "fp32"), 16, 128, 2e6,
        ...                   "adafactor", gpu_mem_gb=16)
        >>> row["train_mem_gb"], row["method"], row["epoch_min"]
        (11.0, 'full', 7.08)
    """
    _, tflops, precision = gpu
    shape = _shape_of_folder(name) if local else KNOWN_MODELS[name]
    mem = estimate_memory_gb(shape, batch_size, seq, seq, precision, optimizer)
    hours = estimate_epoch_hours(shape, tokens / 2, tokens / 2, tflops)
    fits = mem <= 0.9 * gpu_mem_gb
    return {
        "params_m": round(shape.params / 1e6, 1),
        "train_mem_gb": round(mem, 1),
        "lora_mem_gb": "n/a",
        "qlora_mem_gb": "n/a (decoders only)",
        "method": "full" if fits else "none fits",
        "fits_memory": fits,
        "epoch_min": float(f"{hours * 60:.3g}"),
        "epochs_in_budget_per_h": 1 / hours if hours else float("inf"),
    }
