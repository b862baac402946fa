"""Preference tuning after fine-tuning: Part II's judgements as DPO pairs, measured before/after.

The validators already said which answer to a prompt is better; ``dataset.preference``
turned that into ``{"prompt", "chosen", "rejected"}`` pairs. This stage holds some
prompts out, trains the fine-tuned model with DPO (``dpo.py``) against itself as the
reference, and reports what moved: the mean chosen-minus-rejected log-probability
margin on the training pairs, and the share of held-out pairs where chosen scores
above rejected.

Decoder-only models take the same pairs through TRL's ``DPOTrainer``
(``causal_dpo.train_causal_dpo``), measured the same way.

Taught in notebooks/04_instruction_finetuning.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import atomic_write_json
from ..config import FinetuneConfig, PreferenceConfig
from .dpo import PairCollator, dpo_trainer_class, pair_logprobs
from .loading import load_seq2seq, model_family, quiet_tie_warnings
from .precision import choose_precision
from .trainer import training_arguments

logger = logging.getLogger(__name__)
RESULT_FILE, MODEL_FOLDER = "preference_result.json", "model"


@dataclass
class PreferenceResult:
    """What the preference stage did; ``model_dir`` is None when it had nothing to train on."""

    reference_model: str
    model_dir: str | None = None
    pairs_train: int = 0
    pairs_heldout: int = 0
    margin_before: float | None = None
    margin_after: float | None = None
    heldout_accuracy_before: float | None = None
    heldout_accuracy_after: float | None = None
    beta: float = 0.1
    steps: int = 0
    train_loss: float | None = None
    wall_s: float = 0.0
    skipped: str | None = None
    trainer: str = "kit DPO (seq2seq)"
    log_history: list = field(default_factory=list)


def _prompt_key(pair: dict) -> str:
    return str(pair.get("prompt_id") or pair["prompt"])


def split_pairs(pairs: list[dict], heldout_fraction: float, seed: int = 0):
    """``(train, heldout)`` pairs, split by prompt so no prompt is on both sides.

    Held-out accuracy would flatter the model if a prompt it trained on were
    measured again, so whole prompts (by ``prompt_id``, else the prompt text)
    are held out. With at least 4 prompts and a positive fraction, at least one
    prompt is held out.

    Args:
        pairs: preference pairs (``prompt``, ``chosen``, ``rejected``, optional
            ``prompt_id``).
        heldout_fraction: the share of prompts held out, 0 to 1.
        seed: seeds the shuffle of prompts, so reruns split the same way.

    Returns:
        The training pairs and the held-out pairs, each in input order.

    Examples:
        >>> pairs = [{"prompt_id": f"p{i % 4}", "prompt": "?", "chosen": "a", "rejected": "b"}
        ...          for i in range(8)]
        >>> train, held = split_pairs(pairs, heldout_fraction=0.25)
        >>> len(train), len(held), {p["prompt_id"] for p in held}
        (6, 2, {'p2'})
    """
    prompts = sorted({_prompt_key(p) for p in pairs})
    random.Random(seed).shuffle(prompts)
    n_held = round(len(prompts) * heldout_fraction)
    if heldout_fraction > 0 and len(prompts) >= 4:
        n_held = max(1, n_held)
    held = set(prompts[:n_held])
    return (
        [p for p in pairs if _prompt_key(p) not in held],
        [p for p in pairs if _prompt_key(p) in held],
    )


def encode_pairs(tokenizer, pairs: list[dict], max_source: int, max_target: int) -> list[dict]:
    """Token ids per pair for the seq2seq DPO collator, each side truncated to its limit.

    Args:
        tokenizer: the seq2seq model's tokenizer.
        pairs: preference pairs with ``prompt``, ``chosen`` and ``rejected``.
        max_source: the most tokens kept of a prompt (``finetune.max_source_length``).
        max_target: the most tokens kept of an answer (``finetune.max_target_length``).

    Returns:
        One ``{"prompt_ids", "chosen_ids", "rejected_ids"}`` dict per pair.
    """
    prompts = tokenizer([p["prompt"] for p in pairs], truncation=True, max_length=max_source)[
        "input_ids"
    ]
    chosen = tokenizer(
        text_target=[p["chosen"] for p in pairs], truncation=True, max_length=max_target
    )["input_ids"]
    rejected = tokenizer(
        text_target=[p["rejected"] for p in pairs], truncation=True, max_length=max_target
    )["input_ids"]
    return [
        {"prompt_ids": p, "chosen_ids": c, "rejected_ids": r}
        for p, c, r in zip(prompts, chosen, rejected)
    ]


def pair_margins(model, rows: list[dict], pad_token_id: int, batch_size: int = 16) -> list[float]:
    """``log p(chosen|prompt) - log p(rejected|prompt)`` per pair under ``model`` (no gradients).

    As a side effect each row gets ``ref_chosen`` and ``ref_rejected``, the
    answers' log-probabilities now: measured before training, they are the
    frozen reference the DPO loss needs, so no second model is kept in memory.

    Args:
        model: the seq2seq model; its train/eval mode is restored afterwards.
        rows: pairs from :func:`encode_pairs`, updated in place.
        pad_token_id: the tokenizer's pad id, for the collator.
        batch_size: pairs per forward pass.

    Returns:
        One margin (nats) per row; positive where the model prefers ``chosen``.
    """
    import torch

    collate = PairCollator(pad_token_id)
    was_training = model.training
    model.eval()
    margins, refs = [], []
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            chunk = [
                {**r, "ref_chosen": 0.0, "ref_rejected": 0.0}
                for r in rows[start : start + batch_size]
            ]
            batch = {k: v.to(model.device) for k, v in collate(chunk).items()}
            chosen, rejected = pair_logprobs(model, batch)
            margins.extend((chosen - rejected).tolist())
            refs.extend(zip(chosen.tolist(), rejected.tolist()))
    model.train(was_training)
    for row, (c, r) in zip(rows, refs):
        row["ref_chosen"], row["ref_rejected"] = c, r
    return margins


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _accuracy(margins: list[float]) -> float | None:
    return round(sum(m > 0 for m in margins) / len(margins), 4) if margins else None


def measured_fields(before, after, held_before, held_after, trainer, output, started) -> dict:
    """The :class:`PreferenceResult` fields both DPO trainers measure, from per-pair margins.

    Args:
        before: chosen-minus-rejected margins on the training pairs, before training.
        after: the same margins after training.
        held_before: margins on the held-out pairs before training.
        held_after: margins on the held-out pairs after training.
        trainer: the finished trainer (steps, log history).
        output: what ``trainer.train()`` returned (the training loss).
        started: ``time.time()`` when training began.

    Returns:
        Mean margins, held-out accuracies (share of pairs with a positive
        margin; None without pairs), steps, loss, wall time and log history.

    Examples:
        >>> from types import SimpleNamespace as Obj
        >>> done = Obj(state=Obj(global_step=3, log_history=[]))
        >>> fields = measured_fields([-1, 1], [1, 3], [-1], [2], done, Obj(training_loss=0.5), 0)
        >>> fields["margin_before"], fields["margin_after"], fields["heldout_accuracy_after"]
        (0.0, 2.0, 1.0)
    """
    return {
        "margin_before": _mean(before),
        "margin_after": _mean(after),
        "heldout_accuracy_before": _accuracy(held_before),
        "heldout_accuracy_after": _accuracy(held_after),
        "steps": trainer.state.global_step,
        "train_loss": round(float(output.training_loss), 4),
        "wall_s": round(time.time() - started, 2),
        "log_history": list(trainer.state.log_history),
    }


def _train(model, tokenizer, rows, cfg: PreferenceConfig, ft: FinetuneConfig, out: Path, seed):
    import datasets

    precision = choose_precision(ft.precision, str(out), model.config.model_type)
    steps_cfg = dataclasses.replace(
        ft,
        max_steps=cfg.max_steps,
        batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate,
        save_steps=cfg.max_steps,
        eval_steps=cfg.max_steps,
        lora=False,
    )
    extras = {
        "seed": seed,
        "save_total_limit": 1,
        "logging_steps": max(1, cfg.max_steps // 10),
        "dataloader_num_workers": 0,
    }
    args = training_arguments(steps_cfg, extras, out, precision, has_eval=False)
    args.train_sampling_strategy = "random"  # pairs carry no length columns
    trainer = dpo_trainer_class()(
        model=model,
        args=args,
        train_dataset=datasets.Dataset.from_list(rows),
        data_collator=PairCollator(tokenizer.pad_token_id),
    )
    trainer.beta = cfg.beta
    with quiet_tie_warnings("transformers.trainer", "transformers.modeling_utils"):
        output = trainer.train()
    return trainer, output


def preference_tune(
    pairs: list[dict],
    model_dir: str,
    output_dir,
    cfg: PreferenceConfig,
    ft: FinetuneConfig | None = None,
    seed: int = 0,
) -> PreferenceResult:
    """Train ``model_dir`` with DPO on ``pairs`` (TRL format); writes the model and a result JSON.

    Args:
        pairs: rows with ``prompt``, ``chosen``, ``rejected`` (and ``prompt_id``).
        model_dir: the fine-tuned model, also the frozen reference.
        output_dir: where ``model/`` and ``preference_result.json`` go.
        cfg: beta, steps, learning rate, batch size, held-out share.
        ft: the fine-tuning settings (lengths, optimizer, precision) to reuse.
        seed: for the held-out split and the Trainer.

    Returns:
        A :class:`PreferenceResult` (``skipped`` says why when there was nothing to train).

    Taught in notebooks/04_instruction_finetuning.
    """
    ft = ft or FinetuneConfig()
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    train, held = split_pairs(pairs, cfg.heldout_fraction, seed)
    result = PreferenceResult(
        reference_model=str(model_dir),
        pairs_train=len(train),
        pairs_heldout=len(held),
        beta=cfg.beta,
    )
    if not train:
        result.skipped = (
            f"no training pairs ({len(pairs)} pairs in all): Part II produced no "
            "prompt with both an accepted and a clearly worse answer"
        )
        logger.warning("preference stage skipped: %s", result.skipped)
        return _write(result, out)
    if model_family(str(model_dir)) == "causal":  # decoder-only: TRL's DPOTrainer
        from .causal_dpo import train_causal_dpo

        fields = train_causal_dpo(train, held, str(model_dir), out, cfg, ft, seed)
    else:
        fields = _seq2seq_dpo(train, held, str(model_dir), out, cfg, ft, seed)
    return _write(dataclasses.replace(result, **fields), out)


def _seq2seq_dpo(train, held, model_dir: str, out: Path, cfg, ft, seed: int) -> dict:
    """The kit's DPO on a seq2seq model; PreferenceResult fields measured before and after."""
    model, tokenizer = load_seq2seq(model_dir)
    rows = encode_pairs(tokenizer, train, ft.max_source_length, ft.max_target_length)
    held_rows = encode_pairs(tokenizer, held, ft.max_source_length, ft.max_target_length)
    before = pair_margins(model, rows, tokenizer.pad_token_id)  # also stores reference logps
    held_before = pair_margins(model, held_rows, tokenizer.pad_token_id) if held_rows else []
    started = time.time()
    trainer, output = _train(model, tokenizer, rows, cfg, ft, out, seed)
    after = pair_margins(model, [dict(r) for r in rows], tokenizer.pad_token_id)
    held_after = pair_margins(model, [dict(r) for r in held_rows], tokenizer.pad_token_id)
    model_path = out / MODEL_FOLDER
    trainer.save_model(str(model_path))
    tokenizer.save_pretrained(model_path)
    measured = measured_fields(before, after, held_before, held_after, trainer, output, started)
    return {"model_dir": str(model_path), **measured}


def _write(result: PreferenceResult, out: Path) -> PreferenceResult:
    atomic_write_json(out / RESULT_FILE, dataclasses.asdict(result), indent=2)
    return result


def read_result(stage_dir) -> dict | None:
    """The preference stage's result JSON, for the report and the next stage.

    Args:
        stage_dir: the stage's output folder (a run's ``07_preference``).

    Returns:
        The :class:`PreferenceResult` fields as a dict; None when the stage has
        not run there.
    """
    path = Path(stage_dir) / RESULT_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
