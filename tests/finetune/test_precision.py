"""Precision from the GPU's compute capability (mocked); fp16 for mT5 and NaN losses stop."""

import math

import pytest
import torch

from tutorial_lib.finetune import precision as prec
from tutorial_lib.finetune.precision import (
    NonFiniteLossError,
    StopOnNonFiniteLoss,
    choose_precision,
)


@pytest.fixture
def gpu(monkeypatch):
    """Pretend to have a GPU of a given compute capability (None: no GPU)."""

    def set_capability(capability):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: capability is not None)
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a, **k: capability)
        # A T4 says True here (emulated bf16): the kit must not believe it.
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)

    return set_capability


@pytest.mark.parametrize(
    "capability, expected",
    [
        (None, "fp32"),
        ((7, 5), "fp32"),
        ((7, 0), "fp32"),
        ((8, 0), "bf16"),
        ((8, 9), "bf16"),
        ((9, 0), "bf16"),
    ],
)
def test_auto_uses_bf16_only_from_capability_8(gpu, capability, expected):
    gpu(capability)
    assert choose_precision("auto", "google/mt5-small") == expected


@pytest.mark.parametrize(
    "name, model_type",
    [
        ("google/mt5-small", None),
        ("bigscience/mt0-base", None),
        ("CohereForAI/aya-101", None),
        ("/some/local/folder", "mt5"),
        ("t5-small", "t5"),
    ],
)
def test_fp16_refused_for_t5_family_even_on_a_gpu(gpu, name, model_type):
    gpu((8, 0))
    with pytest.raises(ValueError, match="fp16 is refused.*NaN or zero loss"):
        choose_precision("fp16", name, model_type)


def test_fp16_allowed_for_other_models_on_a_gpu_only(gpu):
    gpu((7, 5))
    assert choose_precision("fp16", "facebook/bart-base", "bart") == "fp16"
    gpu(None)
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        choose_precision("fp16", "facebook/bart-base", "bart")


def test_explicit_bf16_on_a_t4_is_an_error_not_a_silent_downgrade(gpu):
    gpu((7, 5))
    with pytest.raises(ValueError, match="compute capability 7.5.*needs >= 8.0"):
        choose_precision("bf16", "google/mt5-small")
    gpu((8, 6))
    assert choose_precision("bf16", "google/mt5-small") == "bf16"
    assert choose_precision("fp32", "google/mt5-small") == "fp32"


def test_unknown_precision_rejected():
    with pytest.raises(ValueError, match="precision must be one of"):
        choose_precision("int8")


@pytest.mark.parametrize("logs", [{"loss": math.nan}, {"loss": math.inf}, {"eval_loss": math.nan}])
def test_guard_raises_on_non_finite_loss(logs):
    state = type("State", (), {"global_step": 7})()
    with pytest.raises(NonFiniteLossError, match="step 7"):
        StopOnNonFiniteLoss().on_log(None, state, None, logs=logs)
    StopOnNonFiniteLoss().on_log(None, state, None, logs={"loss": 1.5})  # finite: no error


def test_nan_during_training_stops_before_any_checkpoint(tmp_path, tiny_model_dir, train_rows):
    """A model whose weights are NaN: training must stop with the message, leaving no checkpoint."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from tutorial_lib.finetune.train import finetune

    broken = tmp_path / "broken"
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir)
    with torch.no_grad():
        model.encoder.final_layer_norm.weight.fill_(math.nan)
    model.save_pretrained(broken)
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(broken)
    out = tmp_path / "out"
    with pytest.raises(NonFiniteLossError, match="loss became nan at step 1"):
        finetune(
            train_rows, out, str(broken), max_steps=4, save_steps=1, eval_steps=1, batch_size=4
        )
    assert not list(out.glob("checkpoint-*")) and not (out / "model").exists()
    assert prec.is_t5_family(str(broken), "mt5")


@pytest.mark.parametrize(
    "model_type, capability, expected",
    [
        ("llama", (7, 5), "fp16"),  # a decoder that trains in fp16, on a T4
        ("qwen2", (8, 0), "bf16"),
        ("gemma2", (7, 5), "fp32"),  # not in the fp16 list: fp32 below Ampere
        ("mt5", (7, 5), "fp32"),
        ("llama", None, "fp32"),
    ],
)
def test_auto_precision_per_family(gpu, model_type, capability, expected):
    gpu(capability)
    assert choose_precision("auto", "some/model", model_type) == expected


def test_fp16_is_refused_for_gemma(gpu):
    gpu((7, 5))
    with pytest.raises(ValueError, match="refused for gemma"):
        choose_precision("fp16", "google/gemma-2-2b-it", "gemma2")
