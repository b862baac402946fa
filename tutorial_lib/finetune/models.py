"""Which model to fine-tune (mT5 family or a decoder): fertility, size, memory, time, licence.

``select_model`` answers the attendee's first question, "which checkpoint fits
my GPU and my afternoon?", from the data itself: Swahili tokenizer fertility
(tokens per word: more tokens means longer sequences and slower training),
parameter count, a training-memory estimate and an estimated time per epoch.
The estimates are arithmetic on the model shapes (``seq2seq_estimates.py`` for
mT5-family models, ``candidates.py`` for decoders), not measurements, and are
labelled as such. Candidate ids, sourced parameter counts and licences come
from ``data/models/candidates.yaml``.

Taught in notebooks/04_instruction_finetuning (and used in 05_hands_on_mt5).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from .candidates import causal_row, causal_shape_of, load_candidates
from .loading import ModelLoadError, load_tokenizer, model_family
from .seq2seq_estimates import ASSUMED_MFU, seq2seq_row

logger = logging.getLogger(__name__)

DEFAULT_CANDIDATES = tuple(load_candidates())
# GPU classes by memory: (name, peak dense TFLOP/s at the precision mT5 can use there, precision)
GPU_CLASSES = (
    (16, "T4 (fp32)", 8.1, "fp32"),
    (24, "L4 (bf16)", 121.0, "bf16"),
    (48, "A100-40GB (bf16)", 312.0, "bf16"),
    (96, "A100-80GB/H100 (bf16)", 312.0, "bf16"),
    (float("inf"), "H200-class (bf16)", 989.0, "bf16"),
)
ASSUMED_FERTILITY = 1.8  # tokens/word when no tokenizer is available offline (an assumption)
MIN_EPOCHS = 3


# ----- selection -----------------------------------------------------------------------------


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


def gpu_class(gpu_mem_gb: float) -> tuple[str, float, str]:
    """The GPU class the estimates assume for a GPU with this much memory.

    Args:
        gpu_mem_gb: the GPU's memory in GB.

    Returns:
        ``(name, peak TFLOP/s, precision)`` of the first class in
        ``GPU_CLASSES`` whose memory is at least ``gpu_mem_gb``.

    Raises:
        AssertionError: never in practice: the last class has no memory limit.

    Examples:
        >>> gpu_class(15)
        ('T4 (fp32)', 8.1, 'fp32')
        >>> gpu_class(40)[0]
        'A100-40GB (bf16)'
    """
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

    The largest model that fits memory and trains ``MIN_EPOCHS`` epochs in the budget wins.

    Args:
        dataset_texts: the training texts, on which fertility and lengths are measured.
        gpu_mem_gb: the GPU's memory in GB; it also sets the GPU class assumed.
        time_budget_h: hours available for fine-tuning.
        candidates: ids from ``data/models/candidates.yaml`` or local folders;
            None means every id in that file.
        batch_size: rows per step.
        max_length: the longest sequence the estimates assume, in tokens.
        optimizer: ``"adafactor"`` or ``"adamw"`` (seq2seq estimates).

    Returns:
        A pandas DataFrame, one row per candidate: model, family, params_m,
        fertility (where the tokenizer loads), train_mem_gb (full fine-tuning),
        lora_mem_gb, qlora_mem_gb (decoders), method (the cheapest that fits),
        fits_memory, epoch_min, epochs_in_budget, licence, source, recommended, reason;
        every memory and time figure is an estimate.

    Raises:
        ValueError: if no text is given, or a candidate is no local folder nor a known id.

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
        local, family = _where_and_family(name, known)
        fert = _fertility(name, texts, family, local, shared)
        per_word = fert or ASSUMED_FERTILITY
        seq = min(max_length, max(8, math.ceil(_percentile(words, 0.9) * per_word)))
        tokens = sum(words) * per_word * 1.26  # kit's length-grouped padding overhead
        row = (
            seq2seq_row(name, local, gpu, batch_size, seq, tokens, optimizer, gpu_mem_gb)
            if family == "seq2seq"
            else _causal_estimates(name, known, gpu, batch_size, seq, tokens, gpu_mem_gb)
        )
        rows.append(_table_row(name, family, row, fert, time_budget_h, known.get(name), local))
    table = pd.DataFrame(rows)
    return _recommend(table, gpu_mem_gb, gpu[0], time_budget_h)


def _where_and_family(name: str, known: dict) -> tuple[bool, str]:
    """Whether a candidate is a local folder, and its family; unknown ids are refused."""
    local = Path(name).exists()
    if not local and name not in known:
        raise ValueError(
            f"unknown candidate {name!r}: not a local folder and not one of "
            f"{', '.join(known)} (data/models/candidates.yaml)"
        )
    return local, model_family(name) if local else known[name].family


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
