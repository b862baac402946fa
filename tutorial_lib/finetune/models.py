"""Which model to fine-tune (mT5 family or a decoder): fertility, size, memory, time, licence.

``select_model`` answers the attendee's first question, "which checkpoint fits
my GPU and my afternoon?", from the data itself: Swahili tokenizer fertility
(tokens per word: more tokens means longer sequences and slower training),
parameter count, a training-memory estimate and an estimated time per epoch.
The estimates are arithmetic on the model shapes (see ``estimate_memory_gb`` and
``estimate_epoch_hours``; for decoders ``candidates.py``), not measurements, and
are labelled as such. Candidate ids, sourced parameter counts and licences come
from ``data/models/candidates.yaml``.

Taught in notebooks/04_instruction_finetuning (and used in 05_hands_on_mt5).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .candidates import causal_row, causal_shape_of, load_candidates
from .loading import ModelLoadError, load_tokenizer, model_family

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
KNOWN_MODELS = {c.id: _SIZES[c.size] for c in load_candidates().values() if c.family == "seq2seq"}
DEFAULT_CANDIDATES = tuple(load_candidates())
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


def fertility(tokenizer, texts: Iterable[str]) -> float:
    """Tokenizer fertility: subword tokens per whitespace-separated word over ``texts``.

    The measure of Rust et al. 2021 (https://aclanthology.org/2021.acl-long.243/):
    1.0 means one piece per word; a language the tokenizer saw little of needs
    more pieces, so its sequences are longer and training costs more. Tokens are
    what ``tokenizer.tokenize`` returns, without special tokens (``</s>``, BOS),
    so the figure describes the text, not the model's wrapping. Notebook 01's
    experiment and the model-selection table both use this one definition.

    Args:
        tokenizer: anything with ``tokenize(text) -> list`` (every HF tokenizer).
        texts: the texts to measure, pooled (total tokens / total words).

    Returns:
        Tokens per word.

    Raises:
        ValueError: ``texts`` hold no word at all.

    Examples:
        >>> class Syllables:  # a stand-in tokenizer that cuts after every "a"
        ...     def tokenize(self, text):
        ...         return [p for p in text.replace("a", "a|").split("|") if p.strip()]
        >>> fertility(Syllables(), ["habari yako", "asante"])  # 7 pieces, 3 words
        2.3333333333333335
    """
    tokens = words = 0
    for text in texts:
        tokens += len(tokenizer.tokenize(text))
        words += len(text.split())
    if not words:
        raise ValueError("fertility needs at least one word of text")
    return tokens / words


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
    """A table of candidate checkpoints of both families for this data and budget, with a pick.

    Columns: model, family, params_m, fertility (measured on ``dataset_texts``
    where the tokenizer loads), train_mem_gb (full fine-tuning), lora_mem_gb,
    qlora_mem_gb (decoders), method (the cheapest that fits), fits_memory,
    epoch_min, epochs_in_budget, licence, source, recommended, reason -- all
    memory and time figures are estimates. The largest model that fits memory
    and trains ``MIN_EPOCHS`` epochs within the budget is picked. Candidates may
    be ids from ``data/models/candidates.yaml`` or local folders.

    Taught in notebooks/04_instruction_finetuning.
    """
    import pandas as pd

    texts = [t for t in dataset_texts if t and t.strip()]
    if not texts:
        raise ValueError("select_model needs the dataset's texts; got none")
    gpu = gpu_class(gpu_mem_gb)
    words = [len(t.split()) for t in texts]
    known = load_candidates()
    shared: dict = {}  # mT5, mT0 and Aya-101 share one tokenizer: measured once
    rows = []
    for name in candidates or DEFAULT_CANDIDATES:
        local = Path(name).exists()
        if not local and name not in known:
            raise ValueError(
                f"unknown candidate {name!r}: not a local folder and not one of "
                f"{', '.join(known)} (data/models/candidates.yaml)"
            )
        family = model_family(name) if local else known[name].family
        fert = _fertility(name, texts, family, local, shared)
        per_word = fert or ASSUMED_FERTILITY
        seq = min(max_length, max(8, math.ceil(_percentile(words, 0.9) * per_word)))
        tokens = sum(words) * per_word * 1.26  # kit's length-grouped padding overhead
        row = (
            _seq2seq_row(name, local, gpu, batch_size, seq, tokens, optimizer, gpu_mem_gb)
            if family == "seq2seq"
            else _causal_estimates(name, known, gpu, batch_size, seq, tokens, gpu_mem_gb)
        )
        rows.append(_table_row(name, family, row, fert, time_budget_h, known.get(name), local))
    table = pd.DataFrame(rows)
    return _recommend(table, gpu_mem_gb, gpu[0], time_budget_h)


def _table_row(name, family, row, fert, time_budget_h, cand, local: bool) -> dict:
    """One candidate's row of the selection table: estimates, fertility, budget, licence."""
    per_h = row.pop("epochs_in_budget_per_h")
    if cand and cand.licence:
        licence = cand.licence
    else:
        licence = "see the model folder" if local else "not recorded"
    return {
        "model": name,
        "family": family,
        **row,
        "fertility": round(fert, 2) if fert else "n/a (offline)",
        "epochs_in_budget": round(time_budget_h * per_h, 1),
        "licence": licence,
        "source": cand.source if cand and cand.source else "",
    }


def _fertility(name: str, texts, family: str, local: bool, shared: dict) -> float | None:
    if not local and family == "seq2seq" and "seq2seq" in shared:
        return shared["seq2seq"]
    tok = _tokenizer_or_none(name)
    fert = fertility(tok, texts) if tok is not None else None
    if not local and family == "seq2seq" and fert is not None:
        shared["seq2seq"] = fert
    return fert


def _seq2seq_row(name, local, gpu, batch_size, seq, tokens, optimizer, gpu_mem_gb) -> dict:
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


def _causal_estimates(name, known, gpu, batch_size, seq, tokens, gpu_mem_gb) -> dict:
    from transformers import AutoConfig

    try:
        shape = causal_shape_of(AutoConfig.from_pretrained(name))
    except (OSError, ValueError):
        shape = None  # offline and not cached: sourced parameter count only
    return causal_row(
        known.get(name) or _unknown(name),
        shape,
        gpu_mem_gb,
        batch_size,
        2 * seq,
        tokens,
        gpu[1],
        ASSUMED_MFU,
    )


def _unknown(name: str):
    from .candidates import Candidate

    return Candidate(name, "causal")


def _recommend(table, gpu_mem_gb: float, gpu_name: str, time_budget_h: float):
    ok = table["fits_memory"] & (table["epochs_in_budget"] >= MIN_EPOCHS)
    reasons = []
    for _, row in table.iterrows():
        if not row["fits_memory"]:
            reasons.append(f"needs ~{row['train_mem_gb']} GB > 90% of {gpu_mem_gb} GB")
        elif row["epochs_in_budget"] < MIN_EPOCHS:
            reasons.append(f"only {row['epochs_in_budget']} epochs fit in {time_budget_h} h")
        elif row["method"] in ("lora", "qlora"):
            reasons.append(
                f"fits with {row['method']}: ~{row[row['method'] + '_mem_gb']} GB, "
                f"~{row['epoch_min']} min/epoch"
            )
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
