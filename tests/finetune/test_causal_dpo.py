"""Causal DPO with TRL's DPOTrainer: the preference stage's result fields, margins that move."""

from types import SimpleNamespace

import pytest
from sample_text import SWAHILI_SENTENCES as SW
from transformers import AutoModelForCausalLM

from tutorial_lib.config import FinetuneConfig
from tutorial_lib.finetune.causal_dpo import pair_margins, train_causal_dpo, trl_rows
from tutorial_lib.finetune.loading import load_pretrained

PAIRS = [
    {"prompt": SW[i % 8], "chosen": SW[(i + 1) % 8], "rejected": SW[(i + 3) % 8][:25]}
    for i in range(10)
]


def test_pairs_reach_trl_as_conversations_when_there_is_a_chat_template(tiny_causal_dir):
    _, tokenizer = load_pretrained(str(tiny_causal_dir))
    row = trl_rows(tokenizer, PAIRS[:1])[0]
    assert row["prompt"] == [{"role": "user", "content": PAIRS[0]["prompt"]}]
    assert row["chosen"] == [{"role": "assistant", "content": PAIRS[0]["chosen"]}]
    tokenizer.chat_template = None
    assert trl_rows(tokenizer, PAIRS[:1])[0]["prompt"].startswith("### Instruction:")


@pytest.mark.slow
def test_dpo_raises_the_training_margin(tiny_causal_dir, tmp_path):
    cfg = SimpleNamespace(beta=0.1, learning_rate=5e-3, max_steps=6, batch_size=4)
    ft = FinetuneConfig(model="tiny-causal", max_source_length=64, max_target_length=64)
    result = train_causal_dpo(PAIRS[:8], PAIRS[8:], str(tiny_causal_dir), tmp_path, cfg, ft)
    assert result["trainer"] == "trl.DPOTrainer" and result["steps"] == 6
    assert result["margin_after"] > result["margin_before"]
    assert 0.0 <= result["heldout_accuracy_after"] <= 1.0
    model = AutoModelForCausalLM.from_pretrained(result["model_dir"])
    _, tokenizer = load_pretrained(result["model_dir"])
    margins = pair_margins(model, tokenizer, PAIRS[:8])
    assert sum(margins) / len(margins) == pytest.approx(result["margin_after"], abs=1e-3)
