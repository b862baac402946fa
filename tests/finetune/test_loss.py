"""Token-weighted loss: a plain token mean per step, the same under gradient accumulation."""

import pytest
import torch
from safetensors.torch import load_file

from tutorial_lib.finetune.loss import TokenWeightedLoss, loss_for, token_weighted_loss
from tutorial_lib.finetune.train import finetune


def test_token_weighted_loss_is_the_token_mean_and_sums_over_micro_batches():
    torch.manual_seed(0)
    logits = torch.randn(4, 5, 7)
    labels = torch.randint(0, 7, (4, 5))
    labels[0, 2:] = -100
    labels[3, 1:] = -100
    mean = torch.nn.functional.cross_entropy(logits.reshape(-1, 7), labels.reshape(-1))
    assert torch.allclose(token_weighted_loss(logits, labels), mean)
    # Two micro-batches of one step, each divided by the step's token count, add up to the mean.
    n = labels.ne(-100).sum()
    halves = token_weighted_loss(logits[:2], labels[:2], n) + token_weighted_loss(
        logits[2:], labels[2:], n
    )
    assert torch.allclose(halves, mean)
    # ... which a mean of per-batch means is not (its rows hold different numbers of tokens).
    means = (
        token_weighted_loss(logits[:2], labels[:2]) + token_weighted_loss(logits[2:], labels[2:])
    ) / 2
    assert not torch.allclose(means, mean)


def test_shifted_loss_predicts_the_next_label():
    logits = torch.full((1, 3, 4), -50.0)
    logits[0, 0, 2] = logits[0, 1, 3] = 50.0  # position i predicts label i + 1
    labels = torch.tensor([[1, 2, 3]])
    assert float(TokenWeightedLoss(shift=True)({"logits": logits}, labels)) < 1e-6
    assert float(TokenWeightedLoss(shift=False)({"logits": logits}, labels)) > 10


def test_loss_for_picks_the_shift_from_the_model_family():
    class Cfg:
        def __init__(self, enc_dec):
            self.is_encoder_decoder = enc_dec

    class M:
        def __init__(self, enc_dec):
            self.config = Cfg(enc_dec)

    assert loss_for(M(True)).shift is False and loss_for(M(False)).shift is True


@pytest.mark.slow
def test_gradient_accumulation_matches_one_big_batch(tmp_path, train_rows):
    """batch 8 x 1 step and batch 4 x 2 accumulated micro-batches: same losses and weights."""
    common = {
        "max_steps": 3,
        "save_steps": 3,
        "eval_steps": 3,
        "tiny_vocab_size": 300,
        "logging_steps": 1,
    }
    runs = {}
    for name, bs, ga in (("one", 8, 1), ("accum", 4, 2)):
        out = tmp_path / name
        result = finetune(
            train_rows, out, "tiny", batch_size=bs, gradient_accumulation_steps=ga, **common
        )
        losses = [row["loss"] for row in result.log_history if "loss" in row]
        runs[name] = (losses, load_file(str(out / "model" / "model.safetensors")))
    (loss_a, w_a), (loss_b, w_b) = runs["one"], runs["accum"]
    assert len(loss_a) == 3 and loss_a == pytest.approx(loss_b, rel=1e-5)
    for key in w_a:
        assert torch.allclose(w_a[key], w_b[key], atol=1e-5), key
