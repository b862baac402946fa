"""The tiny stand-in reloads through the Auto classes with its own lm_head, like real mT5."""

import json

import torch
from safetensors.torch import load_file
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from tutorial_lib.finetune.tiny import TINY_MARKER, build_tiny_mt5, is_tiny


def test_tiny_model_has_untied_lm_head_after_reload(tiny_model_dir):
    assert is_tiny(tiny_model_dir)
    stored = load_file(str(tiny_model_dir / "model.safetensors"))
    assert "lm_head.weight" in stored and "shared.weight" in stored
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir)
    assert model.config.model_type == "mt5"
    assert model.lm_head.weight.data_ptr() != model.shared.weight.data_ptr()
    assert torch.equal(model.lm_head.weight, stored["lm_head.weight"])
    assert not torch.equal(model.lm_head.weight, model.shared.weight)


def test_tokenizer_round_trips_swahili(tiny_model_dir):
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    ids = tok("Habari ya asubuhi")["input_ids"]
    assert ids[-1] == tok.eos_token_id and tok.unk_token_id not in ids
    assert tok.decode(ids, skip_special_tokens=True) == "Habari ya asubuhi"


def test_build_is_idempotent(tmp_path):
    texts = ["Habari ya asubuhi rafiki", "Leo tutajifunza Kiswahili"] * 20
    first = build_tiny_mt5(tmp_path / "m", texts, vocab_size=60)
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    assert build_tiny_mt5(tmp_path / "m", ["other text"] * 5, vocab_size=60) == first
    assert (first / "model.safetensors").stat().st_mtime_ns == stamp


def test_seed_sets_the_weights_and_leaves_the_callers_rng_alone(tmp_path):
    texts = ["Habari ya asubuhi rafiki", "Leo tutajifunza Kiswahili"] * 20
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    folders = [
        build_tiny_mt5(tmp_path / name, texts, vocab_size=60, seed=seed)
        for name, seed in (("a", 0), ("b", 0), ("c", 1))
    ]
    assert torch.equal(torch.rand(1), expected_next)  # building did not consume the caller's RNG
    a, b, c = (load_file(str(f / "model.safetensors")) for f in folders)
    assert all(torch.equal(a[k], b[k]) for k in a)  # same seed, same weights
    assert not torch.equal(a["shared.weight"], c["shared.weight"])  # the seed is honoured
    assert json.loads((folders[2] / TINY_MARKER).read_text(encoding="utf-8"))["seed"] == 1
