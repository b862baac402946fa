"""Instruction fine-tuning (mT5 or a causal decoder): the one ``finetune`` call everyone uses.

It wires the kit's choices into a ``transformers.Trainer``: dynamic padding and
length-grouped batches, Adafactor (or AdamW), safe precision, a NaN guard,
evaluation on the held-out split while training, checkpoints that ``resume``
continues, optional LoRA, and a final model that reloads with
``from_pretrained`` (an mT5 with its own ``lm_head``). The model family comes
from the loader; a causal model gets its own data format and collator
(``causal_data``) and its LoRA/QLoRA rules (``causal``), the rest is shared. The same
entry point scales out unchanged::

    accelerate launch --multi_gpu --num_processes 4 -m tutorial_lib.finetune.train \\
        --data runs/full --preset full --output-dir /data/ft [--resume]
    torchrun --nproc_per_node 4 -m tutorial_lib.finetune.train ...   # the same, via torchrun

(several nodes: add ``--num_machines N --machine_rank R --main_process_ip IP``).
The per-device batch is ``batch_size``; the global batch is that times the processes.

Taught in notebooks/04_instruction_finetuning.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import FinetuneConfig
from . import data as ftdata
from .batching import Seq2SeqCollator
from .budget import TimeBudget
from .causal import check_qlora_available, count_parameters, resolve_lora
from .causal_data import CausalCollator, encode_causal_pairs
from .loading import (
    family_of,
    load_pretrained,
    model_type_of,
    quiet_tie_warnings,
    resolve_base_model,
)
from .precision import StopOnNonFiniteLoss, choose_precision
from .trainer import resume_point, run_training, trainer_class, training_arguments

logger = logging.getLogger(__name__)

# Keyword overrides that are not FinetuneConfig fields, with their defaults.
EXTRA_DEFAULTS = {
    "seed": 0,
    "lora_r": 8,
    "lora_alpha": 16,
    "lora_dropout": 0.05,
    "tiny_vocab_size": 2000,
    "save_total_limit": 2,
    "logging_steps": 10,
    "dataloader_num_workers": 0,
}
MODEL_FOLDER, ADAPTER_FOLDER, RESULT_FILE = "model", "adapter", "train_result.json"


@dataclass
class TrainResult:
    """What a fine-tuning run produced; ``model_dir`` always holds a plain reloadable model."""

    model_dir: str
    base_model: str
    used_tiny_stand_in: bool
    steps: int
    log_history: list = field(default_factory=list)
    train_loss: float | None = None
    eval_loss: float | None = None
    n_train: int = 0
    n_heldout: int = 0
    n_truncated_sources: int = 0
    n_truncated_targets: int = 0
    precision: str = "fp32"
    lora: bool = False
    wall_s: float = 0.0
    tokens_per_s: float = 0.0
    tokens_trained: int = 0
    adapter_dir: str | None = None
    resumed_from: str | None = None
    planned_steps: int = 0
    stopped_by_time_budget: bool = False
    family: str = "seq2seq"
    qlora: bool = False
    trimmed_base: str | None = None  # the base with its vocabulary trimmed, when trim_vocab
    vocab_size: int = 0  # vocabulary rows of the model trained


def resolve_settings(
    cfg: FinetuneConfig | None, model: str | None, overrides: dict
) -> tuple[FinetuneConfig, dict]:
    """The config with overrides applied (validated again) and the extra settings."""
    cfg = cfg or FinetuneConfig()
    names = {f.name for f in dataclasses.fields(FinetuneConfig)}
    unknown = sorted(set(overrides) - names - set(EXTRA_DEFAULTS))
    if unknown:
        raise TypeError(
            f"finetune() got unknown setting(s) {', '.join(unknown)}; known: "
            f"{', '.join(sorted(names | set(EXTRA_DEFAULTS)))}"
        )
    fields = {k: v for k, v in overrides.items() if k in names and v is not None}
    if model is not None:
        fields["model"] = model
    cfg = dataclasses.replace(cfg, **fields)  # re-runs __post_init__ validation
    extras = {**EXTRA_DEFAULTS, **{k: v for k, v in overrides.items() if k in EXTRA_DEFAULTS}}
    return cfg, extras


def _load(
    cfg: FinetuneConfig,
    extras: dict,
    output_dir: Path,
    texts: list[str],
    trim_texts,
    precision: str,
):
    """Build (tiny; safe when several processes race) or locate the base model, then load it.

    With ``cfg.trim_vocab`` the model trained is the base trimmed to ``trim_texts``
    (see ``vocab_trim``); returns ``(base, trimmed_dir or None, used_tiny, model, tokenizer)``.
    """
    base, used_tiny = resolve_base_model(
        cfg.model, output_dir, texts, vocab_size=extras["tiny_vocab_size"], seed=extras["seed"]
    )
    trimmed = None
    if cfg.trim_vocab:
        from .vocab_trim import trimmed_for_run

        trimmed = trimmed_for_run(base, trim_texts, output_dir)
    source = trimmed or base
    model, tokenizer = load_pretrained(source) if not cfg.qlora else _load_4bit(source, precision)
    model.generation_config.max_new_tokens = cfg.max_new_tokens
    model.generation_config.max_length = None
    return base, trimmed, used_tiny, model, tokenizer


def finetune(
    train,
    output_dir,
    model: str | None = None,
    cfg: FinetuneConfig | None = None,
    *,
    heldout=None,
    resume: bool = False,
    tiny_texts: list[str] | None = None,
    trim_texts: list[str] | None = None,
    callbacks: list | None = None,
    **overrides: Any,
) -> TrainResult:
    """Fine-tune a seq2seq or causal model on instruction pairs; returns a :class:`TrainResult`.

    ``train``/``heldout``: a run directory (its ``05_dataset`` splits), a
    .jsonl/.parquet/.json file or a list of dicts (train: prompt, answer;
    held-out: prompt, references). ``model``: ``"tiny"`` / ``"tiny-causal"`` (local
    stand-ins), a Hub id or a folder (the family comes from its config); None means
    ``cfg.model``. ``trim_texts``: with ``trim_vocab``, texts whose pieces the trimmed
    vocabulary keeps besides the prompts and answers (the benchmark files, their English
    originals). ``overrides``: any FinetuneConfig field
    or ``seed``, ``lora_r``, ``lora_alpha``, ``lora_dropout``, ``tiny_vocab_size``,
    ``save_total_limit``, ``logging_steps``.

    Examples:
        >>> result = finetune("runs/demo", "runs/demo/06_finetune", "tiny", max_steps=20)  # doctest: +SKIP

    Taught in notebooks/04_instruction_finetuning.
    """
    cfg, extras = resolve_settings(cfg, model, overrides)
    output_dir = Path(output_dir)
    if cfg.qlora:
        check_qlora_available()  # refused before anything is built or loaded
    precision = choose_precision(cfg.precision, cfg.model, model_type_of(cfg.model))
    train_pairs, _ = ftdata.load_pairs(train, "train")
    heldout_pairs = _heldout_pairs(train, heldout)
    pair_texts = [t for pair in train_pairs + heldout_pairs for t in pair]
    base, trimmed, used_tiny, net, tokenizer = _load(
        cfg,
        extras,
        output_dir,
        list(tiny_texts) if tiny_texts else pair_texts,
        pair_texts + list(trim_texts or []),
        precision,
    )
    family = family_of(net)
    precision = choose_precision(cfg.precision, base, net.config.model_type)  # the real type
    encode, collator = _family_parts(family, tokenizer, net, cfg, precision)
    encoded = encode(tokenizer, train_pairs, cfg.max_source_length, cfg.max_target_length, "train")
    eval_set = (
        encode(tokenizer, heldout_pairs, cfg.max_source_length, cfg.max_target_length, "heldout")
        if heldout_pairs
        else None
    )
    budget = [TimeBudget(cfg.time_budget_min)] if cfg.time_budget_min else []
    use_lora = resolve_lora(cfg.lora, count_parameters(net), cfg.qlora)
    if use_lora:
        from .lora import apply_lora

        net = apply_lora(net, extras["lora_r"], extras["lora_alpha"], extras["lora_dropout"])
    if cfg.checkpoint_above_tokens:
        from .memory import checkpoint_long_batches

        checkpoint_long_batches(net, cfg.checkpoint_above_tokens)
    args = training_arguments(cfg, extras, output_dir, precision, eval_set is not None)
    trainer = trainer_class()(
        model=net,
        args=args,
        train_dataset=encoded.dataset,
        eval_dataset=eval_set.dataset if eval_set else None,
        data_collator=collator,
        processing_class=tokenizer,
        callbacks=[StopOnNonFiniteLoss(), *budget, *(callbacks or [])],
    )
    checkpoint = resume_point(output_dir, resume, trainer.is_world_process_zero())
    started = time.time()
    with quiet_tie_warnings("transformers.trainer", "transformers.modeling_utils"):
        output = run_training(trainer, checkpoint, cfg.max_steps)
    tokens = trainer.tokens_trained()
    model_dir, adapter_dir = _save(trainer, tokenizer, output_dir, use_lora)
    if trimmed and trainer.is_world_process_zero():  # the trained model says it is trimmed
        from .vocab_trim import MAP_FILE

        shutil.copyfile(Path(trimmed) / MAP_FILE, model_dir / MAP_FILE)
    result = TrainResult(
        model_dir=str(model_dir),
        base_model=base,
        trimmed_base=trimmed,
        vocab_size=int(net.config.vocab_size),
        used_tiny_stand_in=used_tiny,
        steps=trainer.state.global_step,
        log_history=list(trainer.state.log_history),
        train_loss=_finite(output.training_loss),
        eval_loss=_last_eval_loss(trainer.state.log_history),
        n_train=encoded.n_rows,
        n_heldout=eval_set.n_rows if eval_set else 0,
        n_truncated_sources=encoded.n_truncated_sources,
        n_truncated_targets=encoded.n_truncated_targets,
        precision=precision,
        lora=use_lora,
        wall_s=round(time.time() - started, 2),
        tokens_per_s=round(tokens / max(trainer.step_seconds, 1e-9), 1),  # no eval/saving time
        tokens_trained=tokens,
        adapter_dir=str(adapter_dir) if adapter_dir else None,
        resumed_from=checkpoint,
        planned_steps=cfg.max_steps,
        stopped_by_time_budget=bool(budget and budget[0].stopped_at is not None),
        family=family,
        qlora=cfg.qlora,
    )
    if trainer.is_world_process_zero():
        _write_result(result, output_dir)
    return result


def _load_4bit(base: str, precision: str):
    from .causal import load_quantized
    from .loading import load_tokenizer

    tokenizer = load_tokenizer(base)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return load_quantized(base, precision), tokenizer


def _family_parts(family: str, tokenizer, net, cfg: FinetuneConfig, precision: str):
    """``(encode function, collator)`` for the model's family."""
    multiple = 8 if precision != "fp32" else None
    if family == "seq2seq":
        return ftdata.encode_pairs, Seq2SeqCollator(tokenizer, net, multiple)
    block = cfg.max_source_length + cfg.max_target_length
    return encode_causal_pairs, CausalCollator(tokenizer, cfg.packing, block, multiple)


def _heldout_pairs(train, heldout) -> list[tuple[str, str]]:
    """Held-out pairs: given explicitly, else the run directory's own split when it has one."""
    if heldout is None and isinstance(train, (str, Path)) and Path(train).is_dir():
        try:
            ftdata.split_path(train, "heldout")
        except FileNotFoundError:
            logger.info("no held-out split in %s: training without evaluation", train)
            return []
        heldout = train
    if heldout is None:
        return []
    return ftdata.load_pairs(heldout, "heldout")[0]


def _save(trainer, tokenizer, output_dir: Path, lora: bool) -> tuple[Path, Path | None]:
    """Save the final model (merged, for LoRA) and tokenizer; returns (model_dir, adapter_dir)."""
    model_dir = output_dir / MODEL_FOLDER
    if not lora:
        trainer.save_model(str(model_dir))
        if trainer.is_world_process_zero():
            tokenizer.save_pretrained(model_dir)
        return model_dir, None
    from .lora import merge_lora

    adapter_dir = output_dir / ADAPTER_FOLDER
    trainer.save_model(str(adapter_dir))
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(adapter_dir)
        merge_lora(adapter_dir, model_dir)
    return model_dir, adapter_dir


def _finite(value) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _last_eval_loss(history: list[dict]) -> float | None:
    losses = [row["eval_loss"] for row in history if "eval_loss" in row]
    return _finite(losses[-1]) if losses else None


def _write_result(result: TrainResult, output_dir: Path) -> Path:
    path = output_dir / RESULT_FILE
    path.write_text(json.dumps(dataclasses.asdict(result), indent=2, default=str), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m tutorial_lib.finetune.train`` (also under ``accelerate launch``)."""
    from .commands import main as commands_main

    return commands_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
