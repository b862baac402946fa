"""LoRA adapters through ``peft``: wrap a model, reload an adapter, merge it into the model.

LoRA trains small low-rank matrices beside the attention's query and value
projections (``q``/``v`` in T5 naming, ``q_proj``/``v_proj`` in Llama-style
decoders) and freezes everything else, so a larger
mT5 fits the same GPU and a checkpoint is megabytes, not gigabytes. Merging
folds the adapter back into the weights: the result is an ordinary model that
``from_pretrained`` loads without peft.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

T5_ATTENTION_TARGETS = ("q", "v")


def apply_lora(
    model,
    r: int = 8,
    alpha: int = 16,
    dropout: float = 0.05,
    target_modules: tuple[str, ...] | None = None,
):
    """Wrap ``model`` with fresh LoRA adapters; only the adapters stay trainable.

    Logs how many parameters are trainable (peft's own count).

    Args:
        model: a loaded seq2seq or causal model (its family picks the task type).
        r: the adapters' rank (``finetune.lora_r``); more rank, more capacity.
        alpha: the scaling numerator (``finetune.lora_alpha``); updates are
            scaled by ``alpha / r``.
        dropout: dropout on the adapters' input during training.
        target_modules: names of the layers to adapt; None means the query and
            value projections of the model's family (``q``/``v`` for T5,
            ``q_proj``/``v_proj`` for Llama-style decoders).

    Returns:
        The ``peft`` ``PeftModel`` wrapping ``model``.

    Raises:
        ValueError: if ``r`` or ``alpha`` is not positive.
    """
    from peft import LoraConfig, TaskType, get_peft_model

    from .causal import CAUSAL_LORA_TARGETS
    from .loading import family_of

    if r <= 0 or alpha <= 0:
        raise ValueError(f"LoRA rank and alpha must be > 0, got r={r}, alpha={alpha}")
    seq2seq = family_of(model) == "seq2seq"
    if target_modules is None:
        target_modules = T5_ATTENTION_TARGETS if seq2seq else CAUSAL_LORA_TARGETS
    config = LoraConfig(
        task_type=TaskType.SEQ_2_SEQ_LM if seq2seq else TaskType.CAUSAL_LM,
        r=r,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=list(target_modules),
    )
    peft_model = get_peft_model(model, config)
    trainable, total = peft_model.get_nb_trainable_parameters()  # peft's own count
    logger.info(
        "LoRA r=%d alpha=%d on %s: %d of %d parameters trainable (%.2f%%)",
        r,
        alpha,
        ",".join(target_modules),
        trainable,
        total,
        100 * trainable / total,
    )
    return peft_model


def adapter_base(adapter_dir: str | Path) -> str:
    """The base model an adapter was trained on (from its ``adapter_config.json``).

    Args:
        adapter_dir: a folder saved by a LoRA run (``save_pretrained`` of a
            ``PeftModel``).

    Returns:
        The base model's Hub id or folder, as peft recorded it.

    Raises:
        FileNotFoundError: if the folder has no ``adapter_config.json``.
        ValueError: if the config does not name its base model (pass
            ``base_model`` to :func:`load_lora` / :func:`merge_lora` then).
    """
    path = Path(adapter_dir) / "adapter_config.json"
    if not path.exists():
        raise FileNotFoundError(
            f"{adapter_dir} is not a LoRA adapter folder (no adapter_config.json)"
        )
    base = json.loads(path.read_text(encoding="utf-8")).get("base_model_name_or_path")
    if not base:
        raise ValueError(f"{path} does not name its base model; pass base_model explicitly")
    return base


def load_lora(adapter_dir: str | Path, base_model: str | Path | None = None):
    """The base model with a saved adapter attached (a ``PeftModel``), ready to generate.

    Args:
        adapter_dir: the adapter's folder.
        base_model: the base model's Hub id or folder; None reads it from the
            adapter (:func:`adapter_base`).

    Returns:
        The ``PeftModel``; its adapter weights are not merged.
    """
    from peft import PeftModel

    from .loading import load_pretrained

    base, _ = load_pretrained(str(base_model or adapter_base(adapter_dir)))
    return PeftModel.from_pretrained(base, str(adapter_dir))


def merge_lora(
    adapter_dir: str | Path, out_dir: str | Path, base_model: str | Path | None = None
) -> Path:
    """Fold an adapter into its base model and save a plain model (with tokenizer) in ``out_dir``.

    The result loads with ``from_pretrained`` without peft. The tokenizer is the
    adapter folder's when it saved one (a trimmed vocabulary, say), else the base's.

    Args:
        adapter_dir: the adapter's folder.
        out_dir: where the merged model goes (created if missing).
        base_model: the base model's Hub id or folder; None reads it from the adapter.

    Returns:
        ``out_dir`` as a ``Path``.
    """
    from .loading import load_tokenizer

    base_name = str(base_model or adapter_base(adapter_dir))
    merged = load_lora(adapter_dir, base_name).merge_and_unload()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(out_dir)
    tokenizer_src = (
        adapter_dir if (Path(adapter_dir) / "tokenizer_config.json").exists() else base_name
    )
    load_tokenizer(str(tokenizer_src)).save_pretrained(out_dir)
    logger.info("merged LoRA adapter %s into %s -> %s", adapter_dir, base_name, out_dir)
    return out_dir
