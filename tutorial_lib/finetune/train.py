"""Instruction fine-tuning of mT5: the one ``finetune`` call the CLI, pipeline and notebooks use.

It wires the kit's choices into a ``transformers.Trainer``: dynamic padding and
length-grouped batches, Adafactor (or AdamW), safe precision, a NaN guard,
evaluation on the held-out split while training, checkpoints that ``resume``
continues, optional LoRA, and a final model that reloads with
``AutoModelForSeq2SeqLM.from_pretrained`` (with its own ``lm_head``). The same
entry point scales out unchanged::

    accelerate launch --num_processes 4 -m tutorial_lib.finetune.train \\
        --data runs/t4 --model google/mt5-base --output-dir /content/drive/MyDrive/ft

Taught in notebooks/04_instruction_finetuning.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import FinetuneConfig
from . import data as ftdata
from .models import load_seq2seq, model_type_of, quiet_tie_warnings, resolve_base_model
from .precision import StopOnNonFiniteLoss, choose_precision, precision_arguments

logger = logging.getLogger(__name__)

# Keyword overrides that are not FinetuneConfig fields, with their defaults.
EXTRA_DEFAULTS = {"seed": 0, "lora_r": 8, "lora_alpha": 16, "lora_dropout": 0.05,
                  "tiny_vocab_size": 2000, "save_total_limit": 2, "logging_steps": 10,
                  "dataloader_num_workers": 0}
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


def resolve_settings(cfg: FinetuneConfig | None, model: str | None,
                     overrides: dict) -> tuple[FinetuneConfig, dict]:
    """The config with overrides applied (validated again) and the extra settings."""
    cfg = cfg or FinetuneConfig()
    names = {f.name for f in dataclasses.fields(FinetuneConfig)}
    unknown = sorted(set(overrides) - names - set(EXTRA_DEFAULTS))
    if unknown:
        raise TypeError(f"finetune() got unknown setting(s) {', '.join(unknown)}; known: "
                        f"{', '.join(sorted(names | set(EXTRA_DEFAULTS)))}")
    fields = {k: v for k, v in overrides.items() if k in names and v is not None}
    if model is not None:
        fields["model"] = model
    cfg = dataclasses.replace(cfg, **fields)  # re-runs __post_init__ validation
    extras = {**EXTRA_DEFAULTS, **{k: v for k, v in overrides.items() if k in EXTRA_DEFAULTS}}
    return cfg, extras


@functools.lru_cache(maxsize=None)
def trainer_class():
    """The kit's ``Trainer``: length-grouped batches on both sides, and a count of real tokens.

    Built on first use so that importing this module does not import transformers.
    """
    import torch
    from transformers import Trainer

    class KitTrainer(Trainer):
        real_tokens = None

        def _get_train_sampler(self, train_dataset=None):
            """Batches of similar source and target length (see ``data.Seq2SeqLengthSampler``)."""
            dataset = train_dataset if train_dataset is not None else self.train_dataset
            columns = getattr(dataset, "column_names", None) or []
            if (self.args.train_sampling_strategy != "group_by_length"
                    or not set(ftdata.LENGTH_COLUMNS) <= set(columns)):
                return super()._get_train_sampler(train_dataset)
            src, tgt = (dataset[c] for c in ftdata.LENGTH_COLUMNS)
            return ftdata.Seq2SeqLengthSampler(
                src, tgt, self.args.train_batch_size * self.args.gradient_accumulation_steps,
                seed=self.args.seed)

        def training_step(self, model, inputs, num_items_in_batch=None):
            count = inputs["attention_mask"].sum() + (inputs["labels"] != -100).sum()
            self.real_tokens = count if self.real_tokens is None else self.real_tokens + count
            return super().training_step(model, inputs, num_items_in_batch)

        def tokens_trained(self) -> int:
            if self.real_tokens is None:
                return 0
            return int(self.accelerator.gather(self.real_tokens.reshape(1).to(torch.long)).sum())

    return KitTrainer


def training_arguments(cfg: FinetuneConfig, extras: dict, output_dir: Path, precision: str,
                       has_eval: bool):
    """``TrainingArguments`` for the kit's recipe (inspect them offline in tests/notebooks)."""
    import torch
    from transformers import TrainingArguments

    adafactor = cfg.optimizer == "adafactor"
    return TrainingArguments(
        output_dir=str(output_dir), max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size, per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        learning_rate=cfg.learning_rate,
        # Trainer's Adafactor: scale_parameter=False, relative_step=False, warmup_init=False.
        optim="adafactor" if adafactor else "adamw_torch",
        lr_scheduler_type="constant" if adafactor else "linear",
        train_sampling_strategy="group_by_length",
        remove_unused_columns=False,  # keep the length columns for the sampler; the collator drops them
        eval_strategy="steps" if has_eval else "no", eval_steps=cfg.eval_steps,
        save_strategy="steps", save_steps=cfg.save_steps,
        save_total_limit=extras["save_total_limit"],
        logging_strategy="steps", logging_steps=min(extras["logging_steps"], cfg.save_steps),
        logging_nan_inf_filter=False,  # the NaN guard must see NaN losses
        seed=extras["seed"], report_to="none",
        dataloader_num_workers=extras["dataloader_num_workers"],
        dataloader_pin_memory=torch.cuda.is_available(),
        **precision_arguments(precision),
    )


def _last_checkpoint(output_dir: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(output_dir)) if output_dir.is_dir() else None


def _resume_point(output_dir: Path, resume: bool) -> str | None:
    last = _last_checkpoint(output_dir)
    if resume and last is None:
        logger.info("resume requested but %s has no checkpoint yet: starting from scratch", output_dir)
    elif not resume and last is not None:
        logger.warning("%s already holds checkpoints (last: %s); starting from scratch because "
                       "resume=False. Pass resume=True (--resume) to continue that run instead",
                       output_dir, Path(last).name)
        return None
    return last if resume else None


def _texts_for_tiny(tiny_texts, pairs) -> list[str]:
    return list(tiny_texts) if tiny_texts else [t for pair in pairs for t in pair]


def _load(cfg: FinetuneConfig, extras: dict, output_dir: Path, texts: list[str]):
    """Build (tiny) or locate the base model, then load it; tiny is built on one process only."""
    from accelerate import PartialState

    with PartialState().main_process_first():
        base, used_tiny = resolve_base_model(cfg.model, output_dir, texts,
                                             vocab_size=extras["tiny_vocab_size"], seed=extras["seed"])
    model, tokenizer = load_seq2seq(base)
    model.generation_config.max_new_tokens = cfg.max_new_tokens
    model.generation_config.max_length = None
    return base, used_tiny, model, tokenizer


def finetune(train, output_dir, model: str | None = None, cfg: FinetuneConfig | None = None, *,
             heldout=None, resume: bool = False, tiny_texts: list[str] | None = None,
             callbacks: list | None = None, **overrides: Any) -> TrainResult:
    """Fine-tune a seq2seq model on instruction pairs; returns a :class:`TrainResult`.

    ``train``/``heldout``: a run directory (its ``05_dataset`` splits), a
    .jsonl/.parquet/.json file or a list of dicts (train: prompt, answer;
    held-out: prompt, references). ``model``: ``"tiny"`` (local stand-in), a Hub id
    or a folder; None means ``cfg.model``. ``overrides``: any FinetuneConfig field
    or ``seed``, ``lora_r``, ``lora_alpha``, ``lora_dropout``, ``tiny_vocab_size``,
    ``save_total_limit``, ``logging_steps``.

    Examples:
        >>> result = finetune("runs/demo", "runs/demo/06_finetune", "tiny", max_steps=20)

    Taught in notebooks/04_instruction_finetuning.
    """
    cfg, extras = resolve_settings(cfg, model, overrides)
    output_dir = Path(output_dir)
    precision = choose_precision(cfg.precision, cfg.model, model_type_of(cfg.model))
    train_pairs, _ = ftdata.load_pairs(train, "train")
    heldout_pairs = _heldout_pairs(train, heldout)
    base, used_tiny, net, tokenizer = _load(
        cfg, extras, output_dir, _texts_for_tiny(tiny_texts, train_pairs + heldout_pairs))
    choose_precision(cfg.precision, base, net.config.model_type)  # re-check with the real type
    encoded = ftdata.encode_pairs(tokenizer, train_pairs, cfg.max_source_length,
                                  cfg.max_target_length, "train")
    eval_set = (ftdata.encode_pairs(tokenizer, heldout_pairs, cfg.max_source_length,
                                    cfg.max_target_length, "heldout") if heldout_pairs else None)
    if cfg.lora:
        from .lora import apply_lora

        net = apply_lora(net, extras["lora_r"], extras["lora_alpha"], extras["lora_dropout"])
    args = training_arguments(cfg, extras, output_dir, precision, eval_set is not None)
    trainer = trainer_class()(
        model=net, args=args, train_dataset=encoded.dataset,
        eval_dataset=eval_set.dataset if eval_set else None,
        data_collator=ftdata.Seq2SeqCollator(tokenizer, net, 8 if precision != "fp32" else None),
        processing_class=tokenizer, callbacks=[StopOnNonFiniteLoss(), *(callbacks or [])],
    )
    checkpoint = _resume_point(output_dir, resume)
    started = time.time()
    with quiet_tie_warnings("transformers.trainer", "transformers.modeling_utils"):
        output = _train(trainer, checkpoint, cfg.max_steps)
    tokens = trainer.tokens_trained()
    model_dir, adapter_dir = _save(trainer, tokenizer, output_dir, cfg.lora)
    result = TrainResult(
        model_dir=str(model_dir), base_model=base, used_tiny_stand_in=used_tiny,
        steps=trainer.state.global_step, log_history=list(trainer.state.log_history),
        train_loss=_finite(output.training_loss), eval_loss=_last_eval_loss(trainer.state.log_history),
        n_train=encoded.n_rows, n_heldout=eval_set.n_rows if eval_set else 0,
        n_truncated_sources=encoded.n_truncated_sources,
        n_truncated_targets=encoded.n_truncated_targets, precision=precision, lora=cfg.lora,
        wall_s=round(time.time() - started, 2),
        tokens_per_s=round(tokens / max(output.metrics.get("train_runtime", 0.0), 1e-9), 1),
        tokens_trained=tokens,
        adapter_dir=str(adapter_dir) if adapter_dir else None, resumed_from=checkpoint,
    )
    if trainer.is_world_process_zero():
        _write_result(result, output_dir)
    return result


def _checkpoint_step(checkpoint: str) -> int:
    state = json.loads((Path(checkpoint) / "trainer_state.json").read_text(encoding="utf-8"))
    return int(state.get("global_step", 0))


def _train(trainer, checkpoint: str | None, max_steps: int):
    """``trainer.train``, except that a checkpoint already at ``max_steps`` is loaded, not retrained.

    (Trainer would run one extra step when resuming a finished run.)
    """
    from transformers import TrainerState
    from transformers.trainer_utils import TrainOutput

    if checkpoint is None or _checkpoint_step(checkpoint) < max_steps:
        return trainer.train(resume_from_checkpoint=checkpoint)
    logger.info("%s already reached max_steps=%d: loading it, nothing left to train",
                checkpoint, max_steps)
    trainer._load_from_checkpoint(checkpoint)  # the Trainer's own loader (full model or adapter)
    trainer.state = TrainerState.load_from_json(str(Path(checkpoint) / "trainer_state.json"))
    losses = [row["loss"] for row in trainer.state.log_history if "loss" in row]
    return TrainOutput(trainer.state.global_step, losses[-1] if losses else None, {})


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
