"""Which mT5 to fine-tune: fertility, size, memory and time estimates, and a recommendation.

``select_model`` answers the attendee's first question, "which checkpoint fits
my GPU and my afternoon?", from the data itself: Swahili tokenizer fertility
(tokens per word: more tokens means longer sequences and slower training),
parameter count, a training-memory estimate and an estimated time per epoch.
The estimates are arithmetic on the model shapes (see ``estimate_memory_gb`` and
``estimate_epoch_hours``), not measurements, and are labelled as such.

Taught in notebooks/04_instruction_finetuning (and used in 05_hands_on_mt5).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .loading import ModelLoadError, load_tokenizer

logger = logging.getLogger(__name__)

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
KNOWN_MODELS = {
    **{f"google/mt5-{s}": _SIZES[s] for s in ("small", "base", "large", "xl")},
    **{f"bigscience/mt0-{s}": _SIZES[s] for s in ("small", "base", "large", "xl")},
    "CohereForAI/aya-101": _SIZES["xxl"],
}
DEFAULT_CANDIDATES = tuple(KNOWN_MODELS)
# GPU classes by memory: (name, peak dense TFLOP/s at the precision mT5 can use there, precision)
GPU_CLASSES = (
    (16, "T4 (fp32)", 8.1, "fp32"),
    (24, "L4 (bf16)", 121.0, "bf16"),
    (48, "A100-40GB (bf16)", 312.0, "bf16"),
    (96, "A100-80GB/H100 (bf16)", 312.0, "bf16"),
    (float("inf"), "H200-class (bf16)", 989.0, "bf16"),
)
ASSUMED_MFU = 0.3  # fraction of peak FLOP/s a seq2seq fine-tune reaches; an assumption
ASSUMED_FERTILITY = 1.8  # tokens/word when no tokenizer is available offline (an assumption)
MIN_EPOCHS = 3


# ----- selection -----------------------------------------------------------------------------


def _shape_of_folder(folder: str) -> Shape:
    import torch
    from transformers import AutoConfig, AutoModelForSeq2SeqLM

    cfg = AutoConfig.from_pretrained(folder)
    with torch.device("meta"):
        params = sum(p.numel() for p in AutoModelForSeq2SeqLM.from_config(cfg).parameters())
    return Shape(
        params, cfg.d_model, cfg.d_ff, cfg.num_layers, cfg.num_heads, cfg.d_kv, cfg.vocab_size
    )


def fertility(tokenizer, texts: Sequence[str]) -> float:
    """Tokens per whitespace word over ``texts``."""
    words = sum(len(t.split()) for t in texts)
    tokens = sum(len(ids) for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"])
    return tokens / max(words, 1)


def _tokenizer_or_none(name: str):
    try:
        return load_tokenizer(name)
    except ModelLoadError:
        return None


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
    """Hours per epoch from training FLOPs (6 x matmul params x tokens, plus the lm_head)."""
    d, f, inner = shape.d_model, shape.d_ff, shape.heads * shape.d_kv
    enc_params = shape.layers * (4 * d * inner + 3 * d * f)
    dec_params = shape.layers * (8 * d * inner + 3 * d * f)
    flops = 6 * (
        enc_params * source_tokens + dec_params * target_tokens + d * shape.vocab * target_tokens
    )
    return flops / (peak_tflops * 1e12 * mfu) / 3600


def gpu_class(gpu_mem_gb: float) -> tuple[str, float, str]:
    """``(name, peak TFLOP/s, precision)`` assumed for a GPU with this much memory."""
    for limit, name, tflops, precision in GPU_CLASSES:
        if gpu_mem_gb <= limit:
            return name, tflops, precision
    raise AssertionError("unreachable")


def _percentile(values: list[int], q: float) -> int:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0


def select_model(
    dataset_texts: Sequence[str],
    gpu_mem_gb: float,
    time_budget_h: float,
    candidates: Sequence[str] | None = None,
    *,
    batch_size: int = 16,
    max_length: int = 256,
    optimizer: str = "adafactor",
):
    """A table of candidate checkpoints for this data and budget, with a recommendation.

    Columns: model, params_m, fertility, train_mem_gb (estimate), fits_memory,
    epoch_min (estimate), epochs_in_budget, recommended, reason. The largest model
    that fits memory and trains ``MIN_EPOCHS`` epochs within the budget is picked.
    Candidates may be Hub ids (shapes from a known table) or local folders.

    Taught in notebooks/04_instruction_finetuning.
    """
    import pandas as pd

    texts = [t for t in dataset_texts if t and t.strip()]
    if not texts:
        raise ValueError("select_model needs the dataset's texts; got none")
    gpu_name, tflops, precision = gpu_class(gpu_mem_gb)
    words = [len(t.split()) for t in texts]
    family_fertility: float | None = None
    rows = []
    for name in candidates or DEFAULT_CANDIDATES:
        local = Path(name).exists()
        shape = _shape_of_folder(name) if local else KNOWN_MODELS.get(name)
        if shape is None:
            raise ValueError(
                f"unknown candidate {name!r}: not a local folder and not one of "
                f"{', '.join(KNOWN_MODELS)}"
            )
        fert = None
        if local or family_fertility is None:
            tok = _tokenizer_or_none(name)
            fert = fertility(tok, texts) if tok is not None else None
            if not local and fert is not None:
                family_fertility = fert  # mT5, mT0 and Aya-101 share one tokenizer
        fert = fert if fert is not None else (None if local else family_fertility)
        per_word = fert or ASSUMED_FERTILITY
        seq = min(max_length, max(8, math.ceil(_percentile(words, 0.9) * per_word)))
        mem = estimate_memory_gb(shape, batch_size, seq, seq, precision, optimizer)
        tokens = sum(words) * per_word * 1.26  # kit's length-grouped padding overhead
        hours = estimate_epoch_hours(shape, tokens / 2, tokens / 2, tflops)
        rows.append(
            {
                "model": name,
                "params_m": round(shape.params / 1e6, 1),
                "fertility": round(fert, 2) if fert else "n/a (offline)",
                "train_mem_gb": round(mem, 1),
                "fits_memory": mem <= 0.9 * gpu_mem_gb,
                "epoch_min": float(f"{hours * 60:.3g}"),
                "epochs_in_budget": round(time_budget_h / hours, 1) if hours else float("inf"),
            }
        )
    table = pd.DataFrame(rows)
    return _recommend(table, gpu_mem_gb, gpu_name, time_budget_h)


def _recommend(table, gpu_mem_gb: float, gpu_name: str, time_budget_h: float):
    ok = table["fits_memory"] & (table["epochs_in_budget"] >= MIN_EPOCHS)
    reasons = []
    for _, row in table.iterrows():
        if not row["fits_memory"]:
            reasons.append(f"needs ~{row['train_mem_gb']} GB > 90% of {gpu_mem_gb} GB")
        elif row["epochs_in_budget"] < MIN_EPOCHS:
            reasons.append(f"only {row['epochs_in_budget']} epochs fit in {time_budget_h} h")
        else:
            reasons.append(f"fits: ~{row['train_mem_gb']} GB, ~{row['epoch_min']} min/epoch")
    table["recommended"] = False
    table["reason"] = reasons
    if ok.any():
        best = table[ok]["params_m"].idxmax()
        table.loc[best, "recommended"] = True
        table.loc[best, "reason"] = (
            f"largest model that fits {gpu_mem_gb} GB ({gpu_name}) and "
            f"trains >= {MIN_EPOCHS} epochs in {time_budget_h} h; "
            + table.loc[best, "reason"]
            + " (estimates)"
        )
    else:
        logger.warning(
            "no candidate fits %s GB and %s h; consider LoRA, a smaller batch or more time",
            gpu_mem_gb,
            time_budget_h,
        )
    return table
