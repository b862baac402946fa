"""DPO: the loss against a direct computation of Rafailov et al.'s formula, and a real step."""

import math

import pytest
from sample_text import SWAHILI_SENTENCES as SW

from tutorial_lib.config import PreferenceConfig
from tutorial_lib.finetune.dpo import dpo_loss, sequence_logprobs
from tutorial_lib.finetune.preference import preference_tune, split_pairs


def _direct_dpo(pc, pr, rc, rr, beta):
    """-log sigmoid(beta * ((pc - rc) - (pr - rr))), written out with math, averaged."""
    losses = []
    for a, b, c, d in zip(pc, pr, rc, rr):
        z = beta * ((a - c) - (b - d))
        losses.append(-math.log(1.0 / (1.0 + math.exp(-z))))
    return sum(losses) / len(losses)


def test_loss_matches_the_formula():
    import torch

    pc, pr = [-3.0, -10.5, -0.7], [-4.2, -9.0, -6.1]
    rc, rr = [-3.5, -10.0, -2.0], [-4.0, -9.5, -5.0]
    for beta in (0.1, 0.5, 2.0):
        loss, c_rew, r_rew = dpo_loss(*(torch.tensor(x) for x in (pc, pr, rc, rr)), beta=beta)
        assert float(loss) == pytest.approx(_direct_dpo(pc, pr, rc, rr, beta), rel=1e-6)
        assert c_rew.tolist() == pytest.approx([beta * (a - c) for a, c in zip(pc, rc)], rel=1e-6)
        assert r_rew.tolist() == pytest.approx([beta * (b - d) for b, d in zip(pr, rr)], rel=1e-6)


def test_sequence_logprobs_sum_real_tokens_only():
    import torch

    logits = torch.tensor([[[2.0, 0.0, -1.0], [0.5, 0.5, 0.0], [9.0, 9.0, 9.0]]])
    labels = torch.tensor([[0, 2, -100]])
    expected = 0.0
    for row, tok in ((logits[0, 0], 0), (logits[0, 1], 2)):
        expected += float(row[tok] - torch.logsumexp(row, 0))
    assert float(sequence_logprobs(logits, labels)[0]) == pytest.approx(expected, rel=1e-6)


def test_split_keeps_prompts_on_one_side():
    pairs = [
        {"prompt_id": f"p{i // 2}", "prompt": "x", "chosen": "a", "rejected": "b"}
        for i in range(12)
    ]
    train, held = split_pairs(pairs, 0.34, seed=1)
    assert len(train) + len(held) == 12 and held
    assert not {p["prompt_id"] for p in train} & {p["prompt_id"] for p in held}


@pytest.mark.slow
def test_dpo_raises_the_training_margin(tiny_model_dir, tmp_path):
    pairs = [
        {
            "prompt_id": f"p{i}",
            "prompt": SW[i % 8],
            "chosen": SW[(i + 1) % 8],
            "rejected": " ".join(SW[(i + 3) % 8].split()[:4]),
        }
        for i in range(10)
    ]
    cfg = PreferenceConfig(max_steps=8, batch_size=4, learning_rate=1e-3, heldout_fraction=0.2)
    result = preference_tune(pairs, str(tiny_model_dir), tmp_path, cfg, seed=0)
    assert result.pairs_train + result.pairs_heldout == 10 and result.pairs_heldout >= 1
    assert result.margin_after > result.margin_before
    assert (tmp_path / "model" / "config.json").exists()
    assert (tmp_path / "preference_result.json").exists()


def test_no_pairs_means_skipped_not_crashed(tmp_path):
    result = preference_tune([], "unused", tmp_path, PreferenceConfig())
    assert result.skipped and result.model_dir is None
    assert (tmp_path / "preference_result.json").exists()
