"""Direct Preference Optimisation (Rafailov et al. 2023) on the kit's Trainer, for mT5.

Why not TRL: its recent DPO/KTO refactors dropped encoder-decoder models, and mT5 is
one. The loss is short enough to own. For a prompt x, a preferred answer y_w and a
worse one y_l, with the policy pi and a frozen reference pi_ref (the fine-tuned model
before this stage)::

    loss = -log sigmoid( beta * [ (log pi(y_w|x) - log pi_ref(y_w|x))
                                  - (log pi(y_l|x) - log pi_ref(y_l|x)) ] )

The reference log-probabilities are computed once before training, so only one model
sits in memory. The pairs file keeps TRL's columns (``prompt``, ``chosen``,
``rejected``), so decoder-only users can hand the same file to ``trl.DPOTrainer``.
"""

from __future__ import annotations

import functools

IGNORE = -100


def sequence_logprobs(logits, labels):
    """Sum of log p(label) over each row's real target tokens (``-100`` positions skipped).

    Args:
        logits: ``(batch, target_len, vocab)`` decoder logits.
        labels: ``(batch, target_len)`` target ids, ``-100`` where padded.

    Returns:
        A ``(batch,)`` float32 tensor: log p(answer | prompt) per row.
    """
    import torch

    mask = labels != IGNORE
    logp = torch.log_softmax(logits.float(), dim=-1)
    picked = logp.gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return (picked * mask).sum(-1)


def dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta: float = 0.1):
    """The DPO loss and the implicit rewards ``beta * (log pi - log pi_ref)`` per answer.

    Args:
        policy_chosen: log pi(y_w|x) per pair, ``(batch,)``.
        policy_rejected: log pi(y_l|x) per pair.
        ref_chosen: log pi_ref(y_w|x) per pair (no gradient).
        ref_rejected: log pi_ref(y_l|x) per pair.
        beta: how far the policy may move from the reference (smaller: further).

    Returns:
        ``(loss, chosen_rewards, rejected_rewards)``; loss is the mean over pairs.

    Examples:
        >>> import torch
        >>> zero = torch.zeros(2)
        >>> round(float(dpo_loss(zero, zero, zero, zero)[0]), 4)  # log 2 when nothing moved
        0.6931
    """
    import torch.nn.functional as F

    chosen_rewards = beta * (policy_chosen - ref_chosen)
    rejected_rewards = beta * (policy_rejected - ref_rejected)
    loss = -F.logsigmoid(chosen_rewards - rejected_rewards).mean()
    return loss, chosen_rewards.detach(), rejected_rewards.detach()


def _pad(rows: list[list[int]], value: int):
    import torch

    width = max(len(r) for r in rows)
    return torch.tensor([r + [value] * (width - len(r)) for r in rows], dtype=torch.long)


class PairCollator:
    """Batches of pairs as one 2B batch: the prompt twice, chosen then rejected as labels."""

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id

    def __call__(self, features: list[dict]) -> dict:
        import torch

        prompts = [f["prompt_ids"] for f in features] * 2
        targets = [f["chosen_ids"] for f in features] + [f["rejected_ids"] for f in features]
        input_ids = _pad(prompts, self.pad_token_id)
        return {
            "input_ids": input_ids,
            "attention_mask": (input_ids != self.pad_token_id).long()
            if self.pad_token_id is not None
            else torch.ones_like(input_ids),
            "labels": _pad(targets, IGNORE),
            "ref_chosen": torch.tensor([f["ref_chosen"] for f in features], dtype=torch.float32),
            "ref_rejected": torch.tensor(
                [f["ref_rejected"] for f in features], dtype=torch.float32
            ),
        }


def pair_logprobs(model, batch: dict):
    """``(log pi(chosen), log pi(rejected))`` for a collated pair batch (seq2seq models).

    The collator stacks all chosen answers first and all rejected ones after, so
    one forward pass scores both halves.

    Args:
        model: the seq2seq policy being trained.
        batch: a batch from the pair collator: ``input_ids``, ``attention_mask``
            and ``labels`` of ``2 × pairs`` rows.

    Returns:
        Two ``(pairs,)`` tensors of summed answer log-probabilities, with gradients.
    """
    out = model(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]
    )
    logps = sequence_logprobs(out.logits, batch["labels"])
    half = logps.shape[0] // 2
    return logps[:half], logps[half:]


@functools.cache
def dpo_trainer_class():
    """The kit's Trainer with the DPO loss (length sampler and token count inherited).

    Built on first call and cached, so ``transformers`` is imported only when a
    preference stage runs. Set ``beta`` on the class or instance (default 0.1);
    batches must carry ``ref_chosen``/``ref_rejected`` from the frozen reference.

    Returns:
        The ``DPOKitTrainer`` class, a subclass of :func:`trainer.trainer_class`'s.
    """
    from .trainer import trainer_class

    class DPOKitTrainer(trainer_class()):
        beta = 0.1

        def __init__(self, *args, **kwargs):
            kwargs["compute_loss_func"] = None  # the DPO loss below, not the token-weighted one
            super().__init__(*args, **kwargs)
            # compute_loss returns a mean over pairs: let the Trainer divide by accumulation steps.
            self.model_accepts_loss_kwargs = False

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            chosen, rejected = pair_logprobs(model, inputs)
            loss, c_rew, r_rew = dpo_loss(
                chosen, rejected, inputs["ref_chosen"], inputs["ref_rejected"], self.beta
            )
            if return_outputs:
                return loss, {"chosen_rewards": c_rew, "rejected_rewards": r_rew}
            return loss

    return DPOKitTrainer
