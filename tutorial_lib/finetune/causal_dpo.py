"""Preference optimisation (DPO) of a fine-tuned decoder with TRL's ``DPOTrainer``.

The causal half of the preference stage: Part II's ``{"prompt", "chosen",
"rejected"}`` pairs train the fine-tuned causal model against itself as the
frozen reference (TRL keeps the reference copy; with LoRA it disables the
adapter instead). The prompt reaches TRL in the form the model was fine-tuned
on: as a conversation when the tokenizer has a chat template (TRL applies it),
else already written with the kit's instruction template (TRL appends EOS to
the answers). Before and after training the same measures as the seq2seq
stage are taken -- the mean ``log p(chosen) - log p(rejected)`` margin on the
training pairs and the share of held-out pairs where chosen scores higher --
with the answer log-probabilities summed exactly over the tokens fine-tuning
trained (``causal_data.encode_causal_pairs``).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from .causal_data import CausalCollator, encode_causal_pairs, format_prompt, has_chat_template
from .preference import measured_fields

logger = logging.getLogger(__name__)


def answer_logprobs(
    model, tokenizer, pairs: list[tuple[str, str]], batch_size: int = 16, max_length: int = 512
) -> list[float]:
    """Sum of log p(answer token) per ``(prompt, answer)``, prompt formatted as in fine-tuning.

    The sum runs over exactly the tokens fine-tuning trained (the answer and its
    end-of-turn token; prompt positions are masked), in eval mode without
    gradients; the model's train/eval mode is restored afterwards.

    Args:
        model: a causal LM (on any device; batches follow its parameters).
        tokenizer: its tokenizer.
        pairs: ``(prompt, answer)`` texts.
        batch_size: rows per forward pass.
        max_length: the most tokens kept of a prompt and of an answer each.

    Returns:
        One summed log-probability (nats, <= 0) per pair, in order.
    """
    import torch

    if not pairs:
        return []
    rows = list(encode_causal_pairs(tokenizer, pairs, max_length, max_length, "preference").dataset)
    collate = CausalCollator(tokenizer)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out: list[float] = []
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            batch = collate(rows[start : start + batch_size])
            labels = batch.pop("labels").to(device)
            logits = model(**{k: v.to(device) for k, v in batch.items()}).logits[:, :-1]
            targets = labels[:, 1:]
            logp = torch.log_softmax(logits.float(), dim=-1)
            picked = logp.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
            out += (picked * (targets != -100)).sum(-1).tolist()
    model.train(was_training)
    return out


def pair_margins(model, tokenizer, pairs: list[dict], max_length: int = 512) -> list[float]:
    """``log p(chosen|prompt) - log p(rejected|prompt)`` per pair under ``model``.

    Args:
        model: a causal LM.
        tokenizer: its tokenizer.
        pairs: preference pairs with ``prompt``, ``chosen`` and ``rejected``.
        max_length: the most tokens kept of a prompt and of an answer each.

    Returns:
        One margin (nats) per pair; positive where the model prefers ``chosen``.
    """
    chosen = answer_logprobs(
        model, tokenizer, [(p["prompt"], p["chosen"]) for p in pairs], max_length=max_length
    )
    rejected = answer_logprobs(
        model, tokenizer, [(p["prompt"], p["rejected"]) for p in pairs], max_length=max_length
    )
    return [c - r for c, r in zip(chosen, rejected)]


def trl_rows(tokenizer, pairs: list[dict]) -> list[dict]:
    """Pairs in TRL's format: conversational with a chat template, else pre-formatted prompts.

    With a chat template TRL applies it itself; without one the prompt is written
    with the kit's instruction template and TRL appends EOS to the answers, as
    fine-tuning did.

    Args:
        tokenizer: the model's tokenizer.
        pairs: preference pairs with ``prompt``, ``chosen`` and ``rejected``.

    Returns:
        One ``{"prompt", "chosen", "rejected"}`` dict per pair, for
        ``datasets.Dataset.from_list``.

    Examples:
        >>> from types import SimpleNamespace
        >>> row = trl_rows(SimpleNamespace(chat_template=None),
        ...                [{"prompt": "Habari?", "chosen": "Nzuri.", "rejected": "Mbaya."}])[0]
        >>> row["prompt"].startswith("### Instruction:"), row["chosen"]
        (True, 'Nzuri.')
    """
    if has_chat_template(tokenizer):
        return [
            {
                "prompt": [{"role": "user", "content": p["prompt"]}],
                "chosen": [{"role": "assistant", "content": p["chosen"]}],
                "rejected": [{"role": "assistant", "content": p["rejected"]}],
            }
            for p in pairs
        ]
    return [
        {
            "prompt": format_prompt(tokenizer, p["prompt"]),
            "chosen": p["chosen"],
            "rejected": p["rejected"],
        }
        for p in pairs
    ]


def _dpo_config(cfg, ft, out: Path, precision: str, seed: int):
    import torch
    from trl import DPOConfig

    from .precision import precision_arguments

    return DPOConfig(
        output_dir=str(out / "checkpoints"),
        beta=cfg.beta,
        learning_rate=cfg.learning_rate,
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size,
        max_length=ft.max_source_length + ft.max_target_length,
        save_strategy="no",
        logging_steps=max(1, cfg.max_steps // 10),
        report_to="none",
        seed=seed,
        use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=0,
        gradient_checkpointing=False,
        **precision_arguments(precision),
    )


def train_causal_dpo(
    train: list[dict], heldout: list[dict], model_dir: str, output_dir, cfg, ft, seed: int = 0
) -> dict:
    """DPO of a causal model with TRL; returns the preference stage's result fields.

    Args:
        train: pairs to train on (``prompt``, ``chosen``, ``rejected``).
        heldout: pairs only measured (held-out accuracy before and after).
        model_dir: the fine-tuned causal model, also the frozen reference.
        output_dir: ``model/`` (merged when LoRA was used) is written here.
        cfg: ``beta``, ``learning_rate``, ``max_steps``, ``batch_size`` (the preference config).
        ft: the fine-tuning config (lengths, precision, LoRA setting).
        seed: for the Trainer.

    Returns:
        ``model_dir``, ``margin_before``, ``margin_after``, ``heldout_accuracy_before``,
        ``heldout_accuracy_after``, ``steps``, ``train_loss``, ``wall_s``, ``log_history``,
        ``trainer`` ("trl.DPOTrainer").
    """
    import datasets
    from trl import DPOTrainer

    from .causal import count_parameters, resolve_lora
    from .loading import load_pretrained
    from .precision import choose_precision

    out = Path(output_dir)
    model, tokenizer = load_pretrained(str(model_dir), "causal")
    precision = choose_precision(ft.precision, str(model_dir), model.config.model_type)
    limit = ft.max_source_length + ft.max_target_length
    before = pair_margins(model, tokenizer, train, limit)
    held_before = pair_margins(model, tokenizer, heldout, limit)
    peft_config = _lora_config() if resolve_lora(ft.lora, count_parameters(model)) else None
    trainer = DPOTrainer(
        model=model,
        args=_dpo_config(cfg, ft, out, precision, seed),
        train_dataset=datasets.Dataset.from_list(trl_rows(tokenizer, train)),
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    started = time.time()
    output = trainer.train()
    trained = trainer.model.merge_and_unload() if peft_config else trainer.model
    after = pair_margins(trained, tokenizer, train, limit)
    held_after = pair_margins(trained, tokenizer, heldout, limit)
    model_path = out / "model"
    trained.save_pretrained(model_path)
    tokenizer.save_pretrained(model_path)
    measured = measured_fields(before, after, held_before, held_after, trainer, output, started)
    return {"model_dir": str(model_path), **measured, "trainer": "trl.DPOTrainer"}


def _lora_config():
    from peft import LoraConfig, TaskType

    from .causal import CAUSAL_LORA_TARGETS

    return LoraConfig(
        task_type=TaskType.CAUSAL_LM,
        r=8,
        lora_alpha=16,
        lora_dropout=0.05,
        target_modules=list(CAUSAL_LORA_TARGETS),
    )
