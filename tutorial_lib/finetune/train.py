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
import logging
import math
import shutil
import time
from dataclasses import dataclass
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
from .result import ADAPTER_FOLDER, MODEL_FOLDER, TrainResult, write_result
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


def resolve_settings(
    cfg: FinetuneConfig | None, model: str | None, overrides: dict
) -> tuple[FinetuneConfig, dict]:
    """The config with overrides applied (validated again) and the extra settings.

    Args:
        cfg: the fine-tuning config; None means ``FinetuneConfig()``.
        model: the model to train, overriding ``cfg.model``; None keeps it.
        overrides: ``finetune()``'s keyword settings: ``FinetuneConfig`` fields
            (a None value keeps the config's) or keys of ``EXTRA_DEFAULTS``.

    Returns:
        ``(cfg, extras)``: the new config, and ``EXTRA_DEFAULTS`` updated with
        the overrides among them.

    Raises:
        TypeError: if an override is neither a config field nor an extra setting
            (the message lists the known ones).

    Examples:
        >>> cfg, extras = resolve_settings(None, "tiny", {"max_steps": 5, "seed": 3})
        >>> cfg.model, cfg.max_steps, extras["seed"]
        ('tiny', 5, 3)
    """
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


@dataclass
class LoadedModel:
    """The model a run trains and where it came from (see :func:`load_for_training`)."""

    base: str  # Hub id or folder of the base model (a tiny stand-in: the folder built)
    trimmed: str | None  # the base with its vocabulary trimmed, when ``trim_vocab``
    used_tiny: bool
    net: Any
    tokenizer: Any
    family: str  # "seq2seq" or "causal", read from the model's config
    precision: str  # chosen for the real model type


def load_for_training(
    cfg: FinetuneConfig,
    extras: dict,
    output_dir: Path,
    texts: list[str],
    trim_texts: list[str],
    load_precision: str,
) -> LoadedModel:
    """Build (tiny; safe when several processes race) or locate the base model, then load it.

    Args:
        cfg: the fine-tuning settings (model, ``trim_vocab``, ``qlora``, precision).
        extras: the extra settings (``tiny_vocab_size``, ``seed``).
        output_dir: where a tiny stand-in or a trimmed model is built.
        texts: what a tiny stand-in's tokenizer is trained on.
        trim_texts: with ``cfg.trim_vocab``, the texts whose pieces the trimmed vocabulary keeps.
        load_precision: what a 4-bit (QLoRA) base is loaded in; the real model type, read
            once the model is loaded, then decides the training precision.

    Returns:
        A :class:`LoadedModel`; with ``cfg.trim_vocab`` the model is the trimmed base.
    """
    base, used_tiny = resolve_base_model(
        cfg.model, output_dir, texts, vocab_size=extras["tiny_vocab_size"], seed=extras["seed"]
    )
    trimmed = None
    if cfg.trim_vocab:
        from .vocab_trim import trimmed_for_run

        trimmed = trimmed_for_run(base, trim_texts, output_dir)
    source = trimmed or base
    net, tokenizer = (
        load_pretrained(source) if not cfg.qlora else _load_4bit(source, load_precision)
    )
    net.generation_config.max_new_tokens = cfg.max_new_tokens
    net.generation_config.max_length = None
    precision = choose_precision(cfg.precision, base, net.config.model_type)
    return LoadedModel(base, trimmed, used_tiny, net, tokenizer, family_of(net), precision)


def _encode_splits(loaded: LoadedModel, cfg: FinetuneConfig, train_pairs, heldout_pairs):
    """``(encoded train set, encoded held-out set or None, collator)`` for the model's family."""
    encode, collator = _family_parts(
        loaded.family, loaded.tokenizer, loaded.net, cfg, loaded.precision
    )
    lengths = (cfg.max_source_length, cfg.max_target_length)
    encoded = encode(loaded.tokenizer, train_pairs, *lengths, "train")
    eval_set = (
        encode(loaded.tokenizer, heldout_pairs, *lengths, "heldout") if heldout_pairs else None
    )
    return encoded, eval_set, collator


def _make_trainer(loaded: LoadedModel, cfg, extras, output_dir, splits, callbacks: list):
    """The kit's Trainer over the encoded splits, with the NaN guard and ``callbacks``."""
    encoded, eval_set, collator = splits
    args = training_arguments(cfg, extras, output_dir, loaded.precision, eval_set is not None)
    return trainer_class()(
        model=loaded.net,
        args=args,
        train_dataset=encoded.dataset,
        eval_dataset=eval_set.dataset if eval_set else None,
        data_collator=collator,
        processing_class=loaded.tokenizer,
        callbacks=[StopOnNonFiniteLoss(), *callbacks],
    )


def _training_stats(trainer, output, started: float) -> dict:
    """TrainResult fields that describe the training loop: steps, losses, time, throughput."""
    tokens = trainer.tokens_trained()
    return {
        "steps": trainer.state.global_step,
        "log_history": list(trainer.state.log_history),
        "train_loss": _finite(output.training_loss),
        "eval_loss": _last_eval_loss(trainer.state.log_history),
        "wall_s": round(time.time() - started, 2),
        # Optimizer steps only: evaluation and saving do not dilute the throughput.
        "tokens_per_s": round(tokens / max(trainer.step_seconds, 1e-9), 1),
        "tokens_trained": tokens,
    }


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

    Args:
        train: a run directory or its ``05_dataset`` folder, a .jsonl/.parquet/.json file,
            or a list of dicts with ``prompt`` and ``answer``.
        output_dir: checkpoints, the final ``model/`` (and ``adapter/``), the result JSON.
        model: ``"tiny"`` / ``"tiny-causal"`` (local stand-ins), a Hub id or a folder (its
            config gives the family); None means ``cfg.model``.
        cfg: the fine-tuning settings (default: ``FinetuneConfig()``).
        heldout: held-out rows (``prompt``, ``references``) in the same forms as ``train``;
            None: the run directory's own held-out split when it has one.
        resume: continue from the last checkpoint in ``output_dir`` (else old ones move aside).
        tiny_texts: what a tiny stand-in's tokenizer learns from (default: the pairs).
        trim_texts: with ``trim_vocab``, texts whose pieces the trimmed vocabulary keeps
            besides the pairs (the benchmark files, their English originals).
        callbacks: extra ``TrainerCallback`` objects.
        **overrides: any FinetuneConfig field, or a key of ``EXTRA_DEFAULTS`` (``seed``, ...).

    Returns:
        A :class:`TrainResult`; ``model_dir`` holds a model that reloads with ``from_pretrained``.

    Raises:
        TypeError: an unknown override.
        DataError: training data that cannot be used (names the file and row).
        ModelLoadError: a model that cannot be loaded (e.g. offline and not cached).

    Examples:
        >>> result = finetune("runs/demo", "runs/demo/06_finetune", "tiny", max_steps=20)  # doctest: +SKIP

    Taught in notebooks/04_instruction_finetuning.
    """
    cfg, extras = resolve_settings(cfg, model, overrides)
    output_dir = Path(output_dir)
    if cfg.qlora:
        check_qlora_available()  # refused before anything is built or loaded
    load_precision = choose_precision(cfg.precision, cfg.model, model_type_of(cfg.model))
    train_pairs, _ = ftdata.load_pairs(train, "train")
    heldout_pairs = _heldout_pairs(train, heldout)
    pair_texts = [t for pair in train_pairs + heldout_pairs for t in pair]
    texts = (list(tiny_texts or pair_texts), pair_texts + list(trim_texts or []))
    loaded = load_for_training(cfg, extras, output_dir, *texts, load_precision)
    splits = _encode_splits(loaded, cfg, train_pairs, heldout_pairs)
    return _train_and_save(loaded, splits, cfg, extras, output_dir, resume, callbacks or [])


def _train_and_save(
    loaded: LoadedModel, splits, cfg, extras, output_dir: Path, resume: bool, callbacks: list
) -> TrainResult:
    """LoRA where it applies, train (or resume), save; the main process writes the result."""
    use_lora = resolve_lora(cfg.lora, count_parameters(loaded.net), cfg.qlora)
    if use_lora:
        from .lora import apply_lora

        lora = (extras["lora_r"], extras["lora_alpha"], extras["lora_dropout"])
        loaded.net = apply_lora(loaded.net, *lora)
    from .memory import save_activation_memory

    switch = save_activation_memory(loaded.net, cfg.lean_activations, cfg.checkpoint_above_tokens)
    budget = [TimeBudget(cfg.time_budget_min)] if cfg.time_budget_min else []
    trainer = _make_trainer(loaded, cfg, extras, output_dir, splits, [*budget, *callbacks])
    checkpoint = resume_point(output_dir, resume, trainer.is_world_process_zero())
    started = time.time()
    with quiet_tie_warnings("transformers.trainer", "transformers.modeling_utils"):
        output = run_training(trainer, checkpoint, cfg.max_steps)
    if switch is not None:
        switch.remove()  # logs how many long batches were recomputed
    model_dir, adapter_dir = _save(trainer, loaded, output_dir, use_lora)
    encoded, eval_set, _ = splits
    result = TrainResult(
        model_dir=str(model_dir),
        base_model=loaded.base,
        trimmed_base=loaded.trimmed,
        vocab_size=int(loaded.net.config.vocab_size),
        used_tiny_stand_in=loaded.used_tiny,
        n_train=encoded.n_rows,
        n_heldout=eval_set.n_rows if eval_set else 0,
        n_truncated_sources=encoded.n_truncated_sources,
        n_truncated_targets=encoded.n_truncated_targets,
        precision=loaded.precision,
        lora=use_lora,
        adapter_dir=str(adapter_dir) if adapter_dir else None,
        resumed_from=checkpoint,
        planned_steps=cfg.max_steps,
        stopped_by_time_budget=bool(budget and budget[0].stopped_at is not None),
        family=loaded.family,
        qlora=cfg.qlora,
        **_training_stats(trainer, output, started),  # wall time includes the final save
    )
    if trainer.is_world_process_zero():
        write_result(result, output_dir)
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


def _save(trainer, loaded: LoadedModel, output_dir: Path, lora: bool) -> tuple[Path, Path | None]:
    """Save the final model (merged, for LoRA) and tokenizer; returns (model_dir, adapter_dir).

    A model trained on a trimmed vocabulary carries the trim's map, so scoring knows it.
    """
    model_dir = output_dir / MODEL_FOLDER
    adapter_dir = output_dir / ADAPTER_FOLDER if lora else None
    trainer.save_model(str(adapter_dir or model_dir))
    if trainer.is_world_process_zero():
        loaded.tokenizer.save_pretrained(adapter_dir or model_dir)
        if adapter_dir:
            from .lora import merge_lora

            merge_lora(adapter_dir, model_dir)
        if loaded.trimmed:
            from .vocab_trim import MAP_FILE

            shutil.copyfile(Path(loaded.trimmed) / MAP_FILE, model_dir / MAP_FILE)
    return model_dir, adapter_dir


def _finite(value) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _last_eval_loss(history: list[dict]) -> float | None:
    losses = [row["eval_loss"] for row in history if "eval_loss" in row]
    return _finite(losses[-1]) if losses else None


def main(argv: list[str] | None = None) -> int:
    """``python -m tutorial_lib.finetune.train`` (also under ``accelerate launch``).

    Args:
        argv: the arguments after the program name; None reads ``sys.argv``.

    Returns:
        The exit status: 0 on success, 2 after a reported error.
    """
    from .commands import main as commands_main

    return commands_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
