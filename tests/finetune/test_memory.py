"""Checkpointing only the long batches changes memory, never the gradients."""

import pytest
import torch

from tutorial_lib.finetune.memory import MemorySettingError, checkpoint_long_batches


def _grads(model, batch):
    model.zero_grad(set_to_none=True)
    model(**batch).loss.backward()
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def _batch(tokenizer, texts):
    enc = tokenizer(texts, return_tensors="pt", padding=True)
    labels = tokenizer(texts[::-1], return_tensors="pt", padding=True).input_ids
    labels[labels == tokenizer.pad_token_id] = -100
    return {"input_ids": enc.input_ids, "attention_mask": enc.attention_mask, "labels": labels}


@pytest.fixture()
def model_and_batches(tiny_model_dir):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir).train()
    short = _batch(tok, ["habari", "asante sana"])
    long = _batch(tok, ["habari ya asubuhi rafiki yangu mpendwa " * 6] * 4)
    return model, short, long


def test_long_batches_are_checkpointed_and_short_ones_are_not(model_and_batches):
    model, short, long = model_and_batches
    threshold = short["input_ids"].numel() + short["labels"].numel()
    switch = checkpoint_long_batches(model, threshold)
    seen = []
    block = model.encoder.block[0]
    block.register_forward_pre_hook(lambda m, a: seen.append(m.gradient_checkpointing))
    _grads(model, short)
    _grads(model, long)
    assert seen[0] is False and seen[-1] is True
    assert switch.counts == {"checkpointed": 1, "kept": 1}
    model.eval()
    with torch.no_grad():
        model(**long)  # evaluation is never checkpointed nor counted
    assert seen[-1] is False and switch.counts["checkpointed"] == 1
    switch.remove()
    assert not any(getattr(m, "gradient_checkpointing", False) for m in model.modules())


def test_gradients_are_identical_with_and_without_checkpointing(model_and_batches):
    model, _, long = model_and_batches
    plain = _grads(model, long)
    switch = checkpoint_long_batches(model, 0)
    checkpointed = _grads(model, long)
    switch.remove()
    assert switch.counts["checkpointed"] == 1
    assert plain.keys() == checkpointed.keys()
    for name, grad in plain.items():
        torch.testing.assert_close(checkpointed[name], grad, rtol=1e-5, atol=1e-6, msg=name)


def test_a_model_without_checkpointing_support_is_refused():
    with pytest.raises(MemorySettingError, match="does not support activation checkpointing"):
        checkpoint_long_batches(torch.nn.Linear(2, 2), 10)


def test_lean_activations_keep_the_loss_and_gradients(tiny_model_dir):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from tutorial_lib.finetune.memory import RECOMPUTED_ATTENTION, lean_activations

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir).train()
    # Rows of different lengths: padding masks must reach the recomputed attention.
    long = _batch(tok, ["habari", "habari ya asubuhi rafiki yangu mpendwa " * 5, "asante sana"])
    with torch.no_grad():
        plain_loss = model(**long).loss
    plain = _grads(model, long)
    lean_activations(model)
    assert model.config._attn_implementation.startswith(RECOMPUTED_ATTENTION)
    before = model.config._attn_implementation
    lean_activations(model)  # a second call does not wrap the wrapper
    assert model.config._attn_implementation == before
    assert not any(type(m).__name__ == "NewGELUActivation" for m in model.modules())
    lean = _grads(model, long)
    with torch.no_grad():
        torch.testing.assert_close(model(**long).loss, plain_loss)
    for name, grad in plain.items():
        torch.testing.assert_close(lean[name], grad, rtol=1e-4, atol=1e-6, msg=name)
    model.eval()
    with torch.no_grad():  # evaluation calls the wrapped attention directly
        assert torch.isfinite(model(**long).loss)


def test_finetune_trains_with_both_memory_settings_and_says_what_it_did(
    tmp_path, train_rows, caplog
):
    import logging

    from tutorial_lib.finetune.train import finetune

    fast = {"max_steps": 2, "save_steps": 2, "eval_steps": 2, "batch_size": 4}
    with caplog.at_level(logging.INFO, logger="tutorial_lib.finetune.memory"):
        result = finetune(
            train_rows,
            tmp_path,
            "tiny",
            tiny_vocab_size=300,
            lean_activations=True,
            checkpoint_above_tokens=1,
            **fast,
        )
    assert result.steps == 2 and result.train_loss is not None
    assert "2 long batches recomputed, 0 kept their activations" in caplog.text
