"""The kit's ``Trainer``: its arguments, length-grouped sampling, token count, resume.

Everything here is configuration of ``transformers.Trainer`` that tests and
notebooks can inspect offline; ``train.finetune`` assembles it. Resuming picks
the last ``checkpoint-N`` in the output folder (none yet: a fresh start, said
so); starting afresh over old checkpoints first moves them aside, so a later
resume never continues someone else's run and nothing is deleted.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from pathlib import Path

from ..config import FinetuneConfig
from . import data as ftdata
from .batching import Seq2SeqLengthSampler
from .loss import loss_for
from .precision import precision_arguments

logger = logging.getLogger(__name__)


@functools.cache
def step_timer_class():
    """A ``TrainerCallback`` adding each optimizer step's wall time to ``trainer.step_seconds``.

    Evaluation, logging and checkpoints run after ``on_step_end``, so
    ``tokens / step_seconds`` is a training throughput they do not dilute.
    Built on first call and cached, so ``transformers`` loads only when needed.

    Returns:
        The ``StepTimer`` class; an instance takes the trainer it times.
    """
    from transformers import TrainerCallback

    class StepTimer(TrainerCallback):
        def __init__(self, trainer):
            self.trainer, self.started = trainer, None

        def on_step_begin(self, args, state, control, **kwargs):
            self.started = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            if self.started is not None:
                self.trainer.step_seconds += time.perf_counter() - self.started
                self.started = None

    return StepTimer


def length_grouped_sampler(args, dataset) -> Seq2SeqLengthSampler | None:
    """Batches of similar source and target length (``batching.Seq2SeqLengthSampler``).

    Args:
        args: the ``TrainingArguments``; their batch size, accumulation steps,
            seed and world size shape the global batches.
        dataset: the training dataset; it needs the length columns that
            :func:`data.encode_pairs` (or the causal encoder) writes.

    Returns:
        The sampler; None when ``args`` do not group by length or ``dataset``
        lacks the length columns (the Trainer's own sampler is used then).
    """
    columns = getattr(dataset, "column_names", None) or []
    if args.train_sampling_strategy != "group_by_length":
        return None
    if not set(ftdata.LENGTH_COLUMNS) <= set(columns):
        return None
    src, tgt = (dataset[c] for c in ftdata.LENGTH_COLUMNS)
    return Seq2SeqLengthSampler(
        src,
        tgt,
        args.train_batch_size * args.gradient_accumulation_steps,
        seed=args.seed,
        num_processes=args.world_size,
    )


@functools.cache
def trainer_class():
    """The kit's ``Trainer``: length-grouped batches on both sides, and a count of real tokens.

    A function, so the subclass is defined once and only when training needs it.
    Its loss is the token-weighted one (:func:`loss.loss_for`), it times each
    optimizer step (``step_seconds``) and ``tokens_trained()`` sums the real
    tokens over every process.

    Returns:
        The ``KitTrainer`` class, a ``transformers.Trainer`` subclass.
    """
    import torch
    from transformers import Trainer

    class KitTrainer(Trainer):
        real_tokens = None
        step_seconds = 0.0  # time inside optimizer steps: no evaluation, logging or saving

        def __init__(self, *args, **kwargs):
            # Token-weighted loss (sum over the step's target tokens / their count): the Trainer
            # counts num_items_in_batch over accumulation and processes for a compute_loss_func.
            kwargs.setdefault("compute_loss_func", loss_for(kwargs.get("model")))
            super().__init__(*args, **kwargs)
            self.add_callback(step_timer_class()(self))

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            """The Trainer's, with decoder inputs built first (it hides labels from the model)."""
            inputs = with_decoder_inputs(self.accelerator.unwrap_model(model), inputs)
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)

        def _get_train_sampler(self, train_dataset=None):
            dataset = train_dataset if train_dataset is not None else self.train_dataset
            sampler = length_grouped_sampler(self.args, dataset)
            return sampler if sampler is not None else super()._get_train_sampler(train_dataset)

        def train(self, *args, **kwargs):
            self.step_seconds = 0.0
            return super().train(*args, **kwargs)

        def training_step(self, model, inputs, num_items_in_batch=None):
            # self.model, not the DDP-wrapped ``model``, carries the config
            encoder_decoder = getattr(self.model.config, "is_encoder_decoder", False)
            count = real_token_count(inputs, encoder_decoder)
            self.real_tokens = count if self.real_tokens is None else self.real_tokens + count
            return super().training_step(model, inputs, num_items_in_batch)

        def tokens_trained(self) -> int:
            if self.real_tokens is None:
                return 0
            return int(self.accelerator.gather(self.real_tokens.reshape(1).to(torch.long)).sum())

    return KitTrainer


# Learning rates when the config leaves ``finetune.learning_rate`` unset, per optimizer.
# Adafactor: 1e-3 constant, the original T5 codebase's fine-tuning rate (review comment in
# https://github.com/huggingface/transformers/pull/13240, read 2026-11-30).
# AdamW: 3e-4, the upper of the values transformers' T5 documentation recommends
# ("Typically, values of 1e-4 and 3e-4 work well for most tasks",
# https://huggingface.co/docs/transformers/model_doc/t5, Notes; read 2026-11-30).
DEFAULT_LEARNING_RATES = {"adafactor": 1e-3, "adamw": 3e-4}


def learning_rate(cfg: FinetuneConfig) -> float:
    """The configured learning rate, else the chosen optimizer's own default.

    Args:
        cfg: the fine-tuning config; ``learning_rate`` None means the default of
            ``optimizer`` (``DEFAULT_LEARNING_RATES``, sourced above).

    Returns:
        The learning rate.

    Examples:
        >>> learning_rate(FinetuneConfig(optimizer="adamw"))
        0.0003
        >>> learning_rate(FinetuneConfig(learning_rate=5e-4))
        0.0005
    """
    if cfg.learning_rate is not None:
        return cfg.learning_rate
    return DEFAULT_LEARNING_RATES[cfg.optimizer]


def with_decoder_inputs(model, inputs: dict) -> dict:
    """``inputs`` plus ``decoder_input_ids`` shifted from the labels, for an encoder-decoder.

    The kit's collator already adds them; a plain collator may not, and with a
    ``compute_loss_func`` the model never sees the labels it would shift itself.

    Args:
        model: the unwrapped model; only an encoder-decoder with
            ``prepare_decoder_input_ids_from_labels`` gets decoder inputs.
        inputs: the batch.

    Returns:
        ``inputs`` unchanged, or a new dict with ``decoder_input_ids`` added.
    """
    if "labels" not in inputs or "decoder_input_ids" in inputs:
        return inputs
    prepare = getattr(model, "prepare_decoder_input_ids_from_labels", None)
    if prepare is None or not getattr(model.config, "is_encoder_decoder", False):
        return inputs
    return {**inputs, "decoder_input_ids": prepare(labels=inputs["labels"])}


def real_token_count(inputs: dict, encoder_decoder: bool):
    """Tokens the model really processed: inputs (minus padding) plus, for seq2seq, the targets.

    A causal row holds prompt and answer in ``input_ids`` already; packed rows carry
    no attention mask and (almost) no padding.

    Args:
        inputs: the batch (``input_ids``, optional ``attention_mask``, ``labels``
            with -100 on padding).
        encoder_decoder: whether the targets are a second sequence to count.

    Returns:
        A 0-d tensor on the batch's device (summed across steps without a sync).

    Examples:
        >>> import torch
        >>> batch = {"input_ids": torch.tensor([[5, 6, 0], [7, 0, 0]]),
        ...          "attention_mask": torch.tensor([[1, 1, 0], [1, 0, 0]]),
        ...          "labels": torch.tensor([[8, -100], [9, 10]])}
        >>> int(real_token_count(batch, encoder_decoder=True)), int(real_token_count(batch, False))
        (6, 3)
    """
    mask = inputs.get("attention_mask")
    ids = inputs["input_ids"]
    count = mask.sum() if mask is not None else ids.new_tensor(ids.numel())
    return count + (inputs["labels"] != -100).sum() if encoder_decoder else count


def training_arguments(
    cfg: FinetuneConfig, extras: dict, output_dir: Path, precision: str, has_eval: bool
):
    """``TrainingArguments`` for the kit's recipe (inspect them offline in tests/notebooks).

    Adafactor runs at a constant rate without extra gradient clipping; AdamW
    with a linear schedule and ``max_grad_norm=1.0``. Batches are length-grouped,
    NaN losses are logged (for the NaN guard), and on a machine without CUDA
    training runs on the CPUs.

    Args:
        cfg: the fine-tuning config (steps, batch size, optimizer, intervals).
        extras: ``seed``, ``save_total_limit``, ``logging_steps`` and
            ``dataloader_num_workers``.
        output_dir: where checkpoints go.
        precision: ``"fp32"``, ``"bf16"`` or ``"fp16"`` from ``choose_precision``.
        has_eval: whether a held-out split is evaluated every ``eval_steps``.

    Returns:
        The ``transformers.TrainingArguments``.
    """
    import torch
    from transformers import TrainingArguments

    adafactor = cfg.optimizer == "adafactor"
    return TrainingArguments(
        output_dir=str(output_dir),
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        learning_rate=learning_rate(cfg),
        # Trainer's Adafactor: scale_parameter=False, relative_step=False, warmup_init=False.
        optim="adafactor" if adafactor else "adamw_torch",
        lr_scheduler_type="constant" if adafactor else "linear",
        # Adafactor clips its own updates (clip_threshold=1.0); its documentation advises
        # against extra gradient clipping. AdamW keeps the Trainer's max_grad_norm=1.0.
        max_grad_norm=0.0 if adafactor else 1.0,
        train_sampling_strategy="group_by_length",
        remove_unused_columns=False,  # the sampler reads the length columns; collator drops them
        eval_strategy="steps" if has_eval else "no",
        eval_steps=cfg.eval_steps,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=extras["save_total_limit"],
        logging_strategy="steps",
        logging_steps=min(extras["logging_steps"], cfg.save_steps),
        logging_nan_inf_filter=False,  # the NaN guard must see NaN losses
        seed=extras["seed"],
        report_to="none",
        dataloader_num_workers=extras["dataloader_num_workers"],
        dataloader_pin_memory=torch.cuda.is_available(),
        use_cpu=not torch.cuda.is_available(),  # also lets torchrun/accelerate run DDP on CPUs
        **precision_arguments(precision),
    )


def last_checkpoint(output_dir: Path) -> str | None:
    """The newest ``checkpoint-N`` folder in ``output_dir``, if any.

    Args:
        output_dir: the run's checkpoint folder (it need not exist yet).

    Returns:
        The checkpoint's path, or None when there is none.
    """
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(output_dir)) if output_dir.is_dir() else None


def resume_point(output_dir: Path, resume: bool, is_main: bool = True) -> str | None:
    """The checkpoint to continue from, or None for a fresh start.

    Starting afresh over old checkpoints moves them into ``previous-<time>/``,
    so a later resume never continues another run and nothing is deleted.

    Args:
        output_dir: the run's checkpoint folder.
        resume: continue from the last checkpoint (``--resume``); without one
            the run starts from scratch, and says so.
        is_main: whether this process moves old checkpoints (only rank 0 does,
            in a multi-process run).

    Returns:
        The checkpoint path to pass to ``trainer.train``, or None.
    """
    last = last_checkpoint(output_dir)
    if resume and last is None:
        logger.info(
            "resume requested but %s has no checkpoint yet: starting from scratch", output_dir
        )
    if resume or last is None:
        return last
    aside = output_dir / time.strftime("previous-%Y%m%d-%H%M%S")
    logger.warning(
        "%s already holds checkpoints (last: %s); starting from scratch because "
        "resume=False and moving them to %s. Pass resume=True (--resume) to continue "
        "a run instead",
        output_dir,
        Path(last).name,
        aside.name,
    )
    if is_main:
        aside.mkdir()
        for ckpt in output_dir.glob("checkpoint-*"):
            ckpt.rename(aside / ckpt.name)
    return None


def _checkpoint_step(checkpoint: str) -> int:
    state = json.loads((Path(checkpoint) / "trainer_state.json").read_text(encoding="utf-8"))
    return int(state.get("global_step", 0))


def run_training(trainer, checkpoint: str | None, max_steps: int):
    """``trainer.train``; a checkpoint already at ``max_steps`` is loaded, not trained further.

    (Trainer would run one extra step when resuming a finished run.)

    Args:
        trainer: the assembled trainer.
        checkpoint: the checkpoint to resume from (:func:`resume_point`), or None.
        max_steps: the run's planned steps.

    Returns:
        A ``TrainOutput``: the global step and the last training loss (None if
        the finished run logged none).
    """
    from transformers import TrainerState
    from transformers.trainer_utils import TrainOutput

    if checkpoint is None or _checkpoint_step(checkpoint) < max_steps:
        return trainer.train(resume_from_checkpoint=checkpoint)
    logger.info(
        "%s already reached max_steps=%d: loading it, nothing left to train", checkpoint, max_steps
    )
    trainer._load_from_checkpoint(checkpoint)  # the Trainer's own loader (full model or adapter)
    trainer.state = TrainerState.load_from_json(str(Path(checkpoint) / "trainer_state.json"))
    losses = [row["loss"] for row in trainer.state.log_history if "loss" in row]
    return TrainOutput(trainer.state.global_step, losses[-1] if losses else None, {})
