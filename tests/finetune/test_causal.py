"""Causal (decoder-only) fine-tuning: family detection, the tiny stand-in, answer-only labels,
packing, LoRA defaults and the QLoRA refusal."""

import json
import shutil

import pytest
import torch
from sample_text import SWAHILI_SENTENCES as SW
from transformers import AutoModelForCausalLM, AutoTokenizer

from tutorial_lib.finetune.causal import QLoRAUnavailableError, check_qlora_available, resolve_lora
from tutorial_lib.finetune.causal_data import CausalCollator, encode_causal_pairs, format_prompt
from tutorial_lib.finetune.loading import family_of, load_pretrained, model_family
from tutorial_lib.finetune.tiny_causal import is_tiny_causal
from tutorial_lib.finetune.train import finetune
from tutorial_lib.instruction import INSTRUCTION_TEMPLATE

from .conftest import FAST


def test_tiny_causal_reloads_through_the_auto_classes(tiny_causal_dir):
    assert is_tiny_causal(tiny_causal_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_causal_dir)
    assert model.config.model_type == "llama" and model.config.num_hidden_layers == 2
    tok = AutoTokenizer.from_pretrained(tiny_causal_dir)
    ids = tok("Habari ya asubuhi, ña ß")["input_ids"]
    assert ids[0] == tok.bos_token_id  # BOS added, as a Llama tokenizer does
    assert tok.decode(ids, skip_special_tokens=True) == "Habari ya asubuhi, ña ß"  # byte-level


def test_family_is_read_from_the_config(tiny_causal_dir, tiny_model_dir):
    assert model_family(str(tiny_causal_dir)) == "causal"
    assert model_family(str(tiny_model_dir)) == "seq2seq"
    assert model_family("tiny-causal") == "causal" and model_family("tiny") == "seq2seq"
    model, _ = load_pretrained(str(tiny_causal_dir))
    assert family_of(model) == "causal"


def test_prompt_uses_chat_template_else_the_kits_template(causal_tokenizers):
    chat, plain = causal_tokenizers
    assert format_prompt(chat, "Habari?") == "<s><|user|>\nHabari?\n<|assistant|>\n"
    assert format_prompt(plain, "Habari?") == INSTRUCTION_TEMPLATE.format(prompt="Habari?")


@pytest.mark.parametrize("which", [0, 1])
def test_loss_covers_only_the_answer(causal_tokenizers, which):
    tok = causal_tokenizers[which]
    enc = encode_causal_pairs(tok, [("Habari ya asubuhi?", "Nzuri sana rafiki")], 64, 64)
    row = enc.dataset[0]
    labels, ids = row["labels"], row["input_ids"]
    n_prompt = sum(label == -100 for label in labels)
    assert labels[:n_prompt] == [-100] * n_prompt and -100 not in labels[n_prompt:]
    assert labels[n_prompt:] == ids[n_prompt:]
    assert ids.count(tok.bos_token_id) == 1 and ids[0] == tok.bos_token_id  # BOS exactly once
    answer = tok.decode(ids[n_prompt:], skip_special_tokens=True)
    assert answer.strip() == "Nzuri sana rafiki" and ids[-1] == tok.eos_token_id


def test_truncations_are_counted(causal_tokenizers):
    enc = encode_causal_pairs(causal_tokenizers[0], [(SW[0] * 5, SW[1] * 5), ("a", "b")], 8, 6)
    assert (enc.n_truncated_sources, enc.n_truncated_targets) == (1, 1)
    assert enc.dataset[0]["labels"][-1] == causal_tokenizers[0].eos_token_id


def test_packing_keeps_examples_apart(tiny_causal_dir, causal_tokenizers):
    """Packed rows give the same loss as padded rows: no example attends to another."""
    tok = causal_tokenizers[0]
    model = AutoModelForCausalLM.from_pretrained(tiny_causal_dir).eval()
    pairs = [(SW[i], SW[i + 1]) for i in range(4)]
    feats = list(encode_causal_pairs(tok, pairs, 64, 64).dataset)
    padded = CausalCollator(tok)(feats)
    packed = CausalCollator(tok, packing=True, block=512)(feats)
    assert packed["input_ids"].shape[0] == 1 and "attention_mask" not in packed
    assert packed["position_ids"][0].tolist().count(0) == 4
    with torch.no_grad():
        a, b = model(**padded), model(**packed)  # packed batches switch the KV cache off
    n_a, n_b = (padded["labels"] != -100).sum(), (packed["labels"] != -100).sum()
    assert n_a == n_b
    assert float(a.loss) == pytest.approx(float(b.loss), abs=1e-5)


def test_lora_is_the_default_above_one_billion_parameters():
    assert resolve_lora("auto", 2_000_000_000) and not resolve_lora("auto", 500_000_000)
    assert resolve_lora(True, 10) and not resolve_lora(False, 10**10)
    assert resolve_lora(False, 10, qlora=True)


@pytest.mark.skipif(torch.cuda.is_available(), reason="the refusal is for machines without CUDA")
def test_qlora_is_refused_without_cuda(tmp_path, train_rows):
    with pytest.raises(QLoRAUnavailableError, match="CUDA"):
        check_qlora_available()
    with pytest.raises(QLoRAUnavailableError, match="finetune.lora=true"):
        finetune(train_rows, tmp_path, "tiny-causal", qlora=True, **FAST)
    assert not (tmp_path / "base_tiny_causal").exists()  # refused before building anything


@pytest.mark.slow
def test_causal_finetune_trains_and_reloads(causal_run):
    result, out = causal_run
    assert result.family == "causal" and result.steps == FAST["max_steps"]
    assert result.used_tiny_stand_in and result.eval_loss is not None
    saved = json.loads((out / "train_result.json").read_text())
    assert saved["family"] == "causal"
    model = AutoModelForCausalLM.from_pretrained(result.model_dir)
    assert family_of(model) == "causal"


@pytest.mark.slow
def test_causal_lora_targets_projections_and_merges(tmp_path, train_rows, heldout_rows):
    result = finetune(
        train_rows,
        tmp_path,
        "tiny-causal",
        heldout=heldout_rows,
        lora=True,
        lora_r=4,
        lora_alpha=8,
        tiny_texts=SW * 10,
        packing=True,
        **FAST,
    )
    assert result.lora and result.adapter_dir
    config = json.loads((tmp_path / "adapter" / "adapter_config.json").read_text())
    assert set(config["target_modules"]) == {"q_proj", "v_proj"}
    assert config["task_type"] == "CAUSAL_LM"
    merged = AutoModelForCausalLM.from_pretrained(result.model_dir)
    assert not any("lora" in n for n, _ in merged.named_parameters())


@pytest.fixture(scope="module")
def causal_tokenizers(tiny_causal_dir, tmp_path_factory):
    """The stand-in's tokenizer (chat template) and a copy without one (the kit's template)."""
    plain_dir = tmp_path_factory.mktemp("plain_tok")
    for f in tiny_causal_dir.iterdir():
        if f.name.startswith("tokenizer") or f.name == "special_tokens_map.json":
            shutil.copy(f, plain_dir / f.name)
    plain = AutoTokenizer.from_pretrained(plain_dir)
    plain.chat_template = None
    return AutoTokenizer.from_pretrained(tiny_causal_dir), plain


@pytest.fixture(scope="module")
def causal_run(tmp_path_factory, train_rows, heldout_rows):
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("causal_run")
    return finetune(
        train_rows, out, "tiny-causal", heldout=heldout_rows, tiny_texts=SW * 10, **FAST
    ), out
