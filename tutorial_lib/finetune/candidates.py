"""Candidate base models (a data file) and the memory/time arithmetic for decoder candidates.

The candidate ids, their family, sourced parameter counts and licences live in
``data/models/candidates.yaml`` -- data, not code -- so adding a model is an
edit to that file. The estimates below are arithmetic, labelled as such:

- training memory per method, in bytes per parameter: full fine-tuning with
  AdamW in mixed precision keeps 16 (16-bit weights and gradients, fp32 master
  weights and two fp32 moments; Rajbhandari et al. 2020, ZeRO,
  https://arxiv.org/abs/1910.02054); LoRA keeps the frozen 16-bit weights (2);
  QLoRA the 4-bit NF4 weights with double-quantised constants (~0.52; Dettmers
  et al. 2023, https://arxiv.org/abs/2305.14314); adapters and their optimizer
  state are well under 1% and ignored;
- activations need the model's shape (hidden size, layers, heads, vocabulary),
  known when its config is available (a local folder, or online): per layer
  and token ``34 d + 5 a s`` bytes in 16-bit (Korthikanti et al. 2022,
  https://arxiv.org/abs/2205.05198), plus fp32 logits x3. Without a config the
  memory is weights and optimizer only, and fitting leaves 20% headroom;
- training FLOPs: ``6 N`` per token for full fine-tuning, ``4 N`` with
  (Q)LoRA (no weight gradients of the frozen base).

Taught in notebooks/05_hands_on_mt5.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..config import DATA_DIR

CANDIDATES_FILE = DATA_DIR / "models" / "candidates.yaml"
BYTES_PER_PARAM = {"full": 16.0, "lora": 2.0, "qlora": 0.52}
FLOPS_PER_PARAM_TOKEN = {"full": 6.0, "lora": 4.0, "qlora": 4.0}
HEADROOM_WITHOUT_SHAPE = (
    0.8  # fraction of GPU memory the weights may take when activations are unknown
)


@dataclass(frozen=True)
class Candidate:
    """One row of the candidates file."""

    id: str
    family: str
    fits: str = ""
    size: str | None = None  # seq2seq: a key of models._SIZES
    params: float | None = None  # causal: sourced parameter count
    licence: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class CausalShape:
    """What the activation estimate needs from a decoder's config."""

    params: float
    hidden: int
    layers: int
    heads: int
    vocab: int


@functools.cache
def load_candidates(path: str | Path = CANDIDATES_FILE) -> dict[str, Candidate]:
    """Candidates by id from the data file (``retrieved`` date kept in each licence source)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out = {}
    for row in data["candidates"]:
        source = row.get("source") or row.get("licence_source")
        if source:
            source = f"{source} (read {data.get('retrieved', 'undated')})"
        out[row["id"]] = Candidate(
            row["id"],
            row["family"],
            row.get("fits", ""),
            row.get("size"),
            float(row["params"]) if "params" in row else None,
            row.get("licence"),
            source,
        )
    return out


def candidate_ids(family: str | None = None, fits: str | None = None) -> list[str]:
    """Ids from the data file, optionally of one family and hardware tier (``T4``, ``A100``)."""
    return [
        c.id
        for c in load_candidates().values()
        if (family is None or c.family == family) and (fits is None or c.fits == fits)
    ]


def causal_shape_of(config) -> CausalShape:
    """A decoder's shape from its ``transformers`` config; parameters counted on the meta device."""
    import torch
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        params = sum(p.numel() for p in AutoModelForCausalLM.from_config(config).parameters())
    cfg = getattr(config, "text_config", None) or config
    return CausalShape(
        params, cfg.hidden_size, cfg.num_hidden_layers, cfg.num_attention_heads, cfg.vocab_size
    )


def causal_memory_gb(
    params: float, method: str, shape: CausalShape | None, batch_size: int, seq_len: int
) -> float:
    """Training memory (GB) for ``method`` (full | lora | qlora): states, activations, ~1 GB runtime."""
    static = params * BYTES_PER_PARAM[method]
    if shape is None:
        return static / 1e9 + 1.0
    d, L, a, V = shape.hidden, shape.layers, shape.heads, shape.vocab
    acts = batch_size * seq_len * (L * (34 * d + 5 * a * seq_len) + 3 * V * 4)
    return (static + acts) / 1e9 + 1.0


def causal_epoch_hours(
    params: float, method: str, tokens: float, peak_tflops: float, mfu: float
) -> float:
    """Hours per epoch from ``FLOPS_PER_PARAM_TOKEN[method] * params * tokens``."""
    return FLOPS_PER_PARAM_TOKEN[method] * params * tokens / (peak_tflops * 1e12 * mfu) / 3600


def causal_row(
    cand: Candidate,
    shape: CausalShape | None,
    gpu_mem_gb: float,
    batch_size: int,
    seq_len: int,
    tokens: float,
    peak_tflops: float,
    mfu: float,
) -> dict:
    """Memory per method, the cheapest method that fits, and its time per epoch."""
    params = shape.params if shape else cand.params
    if params is None:
        raise ValueError(f"{cand.id}: no parameter count recorded and no config available")
    mem = {m: causal_memory_gb(params, m, shape, batch_size, seq_len) for m in BYTES_PER_PARAM}
    limit = (0.9 if shape else HEADROOM_WITHOUT_SHAPE) * gpu_mem_gb
    order = ("full", "lora", "qlora") if params <= 1e9 else ("lora", "qlora")  # LoRA default > 1B
    method = next((m for m in order if mem[m] <= limit), None)
    hours = causal_epoch_hours(params, method or order[-1], tokens, peak_tflops, mfu)
    return {
        "params_m": round(params / 1e6, 1),
        "train_mem_gb": round(mem["full"], 1),
        "lora_mem_gb": round(mem["lora"], 1),
        "qlora_mem_gb": round(mem["qlora"], 1),
        "method": method or "none fits",
        "fits_memory": method is not None,
        "activations": "included" if shape else "not included (no config offline)",
        "epoch_min": float(f"{hours * 60:.3g}"),
        "epochs_in_budget_per_h": 1 / hours if hours else math.inf,
    }
