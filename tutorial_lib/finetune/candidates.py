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
    size: str | None = None  # seq2seq: a key of seq2seq_estimates._SIZES
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
    """Candidates by id from the data file, read once per path (cached).

    A licence's source is given with the file's ``retrieved`` date, so a table
    built from it says when the licence page was read.

    Args:
        path: the YAML file; the kit's ``data/models/candidates.yaml`` by default.

    Returns:
        ``{model id: Candidate}`` in file order.

    Examples:
        >>> load_candidates()["google/mt5-small"].size
        'small'
    """
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
    """Ids from the data file, optionally of one family and hardware tier.

    Args:
        family: ``"seq2seq"`` or ``"causal"``; None keeps both.
        fits: the kit's hardware tier for the model (``"T4"``, ``"A100"``); None
            keeps every tier.

    Returns:
        The matching ids, in file order.

    Examples:
        >>> "google/mt5-small" in candidate_ids("seq2seq", fits="T4")
        True
        >>> "google/mt5-small" in candidate_ids("causal")
        False
    """
    return [
        c.id
        for c in load_candidates().values()
        if (family is None or c.family == family) and (fits is None or c.fits == fits)
    ]


def causal_shape_of(config) -> CausalShape:
    """A decoder's shape from its ``transformers`` config, for the activation estimate.

    Parameters are counted by building the model on the meta device, so no
    weights are downloaded or allocated; a multimodal config's ``text_config``
    gives the layer sizes.

    Args:
        config: a ``transformers`` ``PretrainedConfig`` of a causal LM.

    Returns:
        The parameter count, hidden size, layers, attention heads and vocabulary.
    """
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
    """Training memory (GB) for one method: model states, activations, ~1 GB runtime.

    Args:
        params: parameter count of the base model.
        method: ``"full"``, ``"lora"`` or ``"qlora"`` (bytes per parameter from
            ``BYTES_PER_PARAM``).
        shape: the decoder's shape; None leaves activations out (no config
            available offline).
        batch_size: rows per step.
        seq_len: tokens per row (padded length).

    Returns:
        The estimate in GB (1e9 bytes); arithmetic, not a measurement.

    Examples:
        >>> causal_memory_gb(1e9, "lora", None, batch_size=8, seq_len=512)
        3.0
        >>> causal_memory_gb(1e9, "full", None, batch_size=8, seq_len=512)
        17.0
    """
    static = params * BYTES_PER_PARAM[method]
    if shape is None:
        return static / 1e9 + 1.0
    d, L, a, V = shape.hidden, shape.layers, shape.heads, shape.vocab
    acts = batch_size * seq_len * (L * (34 * d + 5 * a * seq_len) + 3 * V * 4)
    return (static + acts) / 1e9 + 1.0


def causal_epoch_hours(
    params: float, method: str, tokens: float, peak_tflops: float, mfu: float
) -> float:
    """Hours per epoch from ``FLOPS_PER_PARAM_TOKEN[method] * params * tokens``.

    Args:
        params: parameter count of the base model.
        method: ``"full"`` (6 FLOPs per parameter and token) or ``"lora"`` /
            ``"qlora"`` (4: no weight gradients for the frozen base).
        tokens: training tokens in one epoch.
        peak_tflops: the GPU's peak 16-bit TFLOP/s.
        mfu: the fraction of that peak actually reached (model FLOPs utilisation).

    Returns:
        Hours of compute for one epoch.

    Examples:
        >>> round(causal_epoch_hours(0.5e9, "full", 1e8, peak_tflops=65, mfu=0.4), 2)
        3.21
    """
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
    """One decoder's row of the candidates table: memory per method, the cheapest that fits.

    Full fine-tuning is tried first only up to 1B parameters (LoRA is the
    default above that), then LoRA, then QLoRA. With a known shape 90% of the
    GPU's memory may be used; without one (activations unknown) 80%.

    Args:
        cand: the candidate from the data file (its sourced ``params`` is used
            when ``shape`` is None).
        shape: the decoder's shape from its config, or None offline.
        gpu_mem_gb: the GPU's memory in GB.
        batch_size: rows per step.
        seq_len: tokens per row.
        tokens: training tokens in one epoch.
        peak_tflops: the GPU's peak 16-bit TFLOP/s.
        mfu: the fraction of that peak reached.

    Returns:
        A dict: ``params_m`` (millions), ``train_mem_gb``/``lora_mem_gb``/
        ``qlora_mem_gb``, ``method`` (or ``"none fits"``), ``fits_memory``,
        ``activations`` (whether they are in the estimate), ``epoch_min`` and
        ``epochs_in_budget_per_h``.

    Raises:
        ValueError: if neither the data file nor a config gives a parameter count.
    """
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
