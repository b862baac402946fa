"""LoRA: only adapters train, the adapter reloads, merging gives a plain model with the update."""

from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import AutoModelForSeq2SeqLM

from tutorial_lib.finetune.lora import adapter_base, apply_lora, load_lora
from tutorial_lib.finetune.train import finetune


def test_apply_lora_freezes_everything_but_q_v_adapters(tiny_model_dir):
    model = apply_lora(AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir), r=4, alpha=8)
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert names and all("lora_" in n for n in names)
    assert {n.split(".lora_")[0].rsplit(".", 1)[1] for n in names} == {"q", "v"}
    trainable, total = model.get_nb_trainable_parameters()
    assert trainable == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert 0 < trainable < total / 10


def test_lora_trains_saves_adapter_and_merges(tmp_path, train_rows, heldout_rows):
    result = finetune(
        train_rows,
        tmp_path,
        "tiny",
        heldout=heldout_rows,
        lora=True,
        lora_r=4,
        lora_alpha=8,
        max_steps=4,
        save_steps=2,
        eval_steps=2,
        batch_size=4,
        learning_rate=1e-2,
        tiny_vocab_size=300,
    )
    assert result.lora and result.steps == 4
    assert adapter_base(result.adapter_dir) == result.base_model
    merged = AutoModelForSeq2SeqLM.from_pretrained(result.model_dir)  # plain model, no peft
    assert not any("lora" in n for n, _ in merged.named_parameters())
    base = load_file(str(Path(result.base_model) / "model.safetensors"))
    attn = "encoder.block.0.layer.0.SelfAttention"
    sd = merged.state_dict()
    assert not torch.equal(sd[f"{attn}.q.weight"], base[f"{attn}.q.weight"])  # adapter folded in
    assert torch.equal(sd[f"{attn}.k.weight"], base[f"{attn}.k.weight"])  # untouched
    assert torch.equal(sd["lm_head.weight"], base["lm_head.weight"])  # frozen, still untied
    assert not torch.equal(sd["lm_head.weight"], sd["shared.weight"])
    # The adapter on its own reproduces the merged model's outputs.
    with_adapter = load_lora(result.adapter_dir).eval()
    ids = torch.tensor([[5, 6, 7, 1]])
    dec = torch.tensor([[0, 5]])
    with torch.no_grad():
        a = with_adapter(input_ids=ids, decoder_input_ids=dec).logits
        b = merged.eval()(input_ids=ids, decoder_input_ids=dec).logits
    assert torch.allclose(a, b, atol=1e-4)
