"""Model selection: fertility where a tokenizer loads, estimates that behave, one reasoned pick."""

import pytest
from transformers import AutoTokenizer

from tutorial_lib.finetune.candidates import load_candidates
from tutorial_lib.finetune.models import DEFAULT_CANDIDATES, select_model
from tutorial_lib.finetune.seq2seq_estimates import (
    KNOWN_MODELS,
    estimate_epoch_hours,
    estimate_memory_gb,
)

TEXTS = [
    "Habari ya asubuhi, rafiki yangu. Leo tutajifunza Kiswahili.",
    "Mji mkuu wa Kenya ni Nairobi, na mji mkuu wa Tanzania ni Dodoma.",
] * 30


def test_table_marks_fertility_offline_and_computes_it_for_local_tokenizers(tiny_model_dir):
    table = select_model(
        TEXTS,
        gpu_mem_gb=15,
        time_budget_h=1.5,
        candidates=["google/mt5-small", "google/mt5-xl", str(tiny_model_dir)],
    )
    by = table.set_index("model")
    assert by.loc["google/mt5-small", "fertility"] == "n/a (offline)"
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    words = sum(len(t.split()) for t in TEXTS)
    tokens = sum(len(tok(t, add_special_tokens=False)["input_ids"]) for t in TEXTS)
    assert by.loc[str(tiny_model_dir), "fertility"] == pytest.approx(tokens / words, abs=0.01)
    assert by.loc["google/mt5-small", "params_m"] == 300.0
    assert not by.loc["google/mt5-xl", "fits_memory"]  # 3.7B params in fp32 cannot fit a T4
    assert "GB" in by.loc["google/mt5-xl", "reason"]
    assert table["recommended"].sum() == 1


def test_recommendation_grows_with_the_budget():
    seq2seq = list(KNOWN_MODELS)
    small = select_model(TEXTS * 50, gpu_mem_gb=15, time_budget_h=1.5, candidates=seq2seq)
    big = select_model(TEXTS * 50, gpu_mem_gb=80, time_budget_h=24, candidates=seq2seq)
    pick = lambda t: t[t["recommended"]].iloc[0]
    assert pick(small)["params_m"] < pick(big)["params_m"]
    assert "largest model that fits" in pick(big)["reason"]
    everything = select_model(TEXTS * 50, gpu_mem_gb=15, time_budget_h=1.5)
    assert set(everything["model"]) == set(DEFAULT_CANDIDATES) == set(load_candidates())


def test_estimates_move_the_right_way():
    small, base = KNOWN_MODELS["google/mt5-small"], KNOWN_MODELS["google/mt5-base"]
    mem = lambda shape, **kw: estimate_memory_gb(
        shape, **{"batch_size": 16, "source_len": 128, "target_len": 128, **kw}
    )
    assert mem(small) < mem(base)
    assert mem(small, optimizer="adamw") > mem(small) + small.params * 7.9 / 1e9
    assert mem(small, precision="bf16") < mem(small)
    assert mem(small, batch_size=32) > mem(small)
    t = estimate_epoch_hours(small, 1e6, 1e6, peak_tflops=8.1)
    assert estimate_epoch_hours(small, 2e6, 2e6, peak_tflops=8.1) == pytest.approx(2 * t)
    assert estimate_epoch_hours(small, 1e6, 1e6, peak_tflops=312) < t


def test_no_texts_is_an_error():
    with pytest.raises(ValueError, match="texts"):
        select_model(["  "], 15, 1)


def test_both_families_come_from_the_data_file_with_sources():
    cands = load_candidates()
    families = {c.family for c in cands.values()}
    assert families == {"seq2seq", "causal"}
    for c in cands.values():
        if c.family == "causal":
            assert c.params and c.licence and c.source.startswith("https://"), c.id
            assert "(read 20" in c.source  # every sourced fact says when it was read
    ids = " ".join(cands)
    for name in ("mt5", "mt0", "aya-101", "aya-expanse", "gemma", "Qwen"):
        assert name in ids


def test_decoders_get_memory_per_method_and_a_local_folder_is_measured(tiny_causal_dir):
    table = select_model(
        TEXTS,
        gpu_mem_gb=15,
        time_budget_h=1.0,
        candidates=["Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct", str(tiny_causal_dir)],
    )
    by = table.set_index("model")
    big, small = by.loc["Qwen/Qwen2.5-7B-Instruct"], by.loc["Qwen/Qwen2.5-0.5B-Instruct"]
    assert big["family"] == "causal" and big["params_m"] == 7616.0
    assert big["train_mem_gb"] > big["lora_mem_gb"] > big["qlora_mem_gb"]
    assert big["method"] == "qlora" and small["method"] == "full"  # LoRA default above 1B
    assert big["licence"] == "apache-2.0" and "huggingface.co" in big["source"]
    local = by.loc[str(tiny_causal_dir)]
    assert local["activations"] == "included" and isinstance(local["fertility"], float)
    assert table["recommended"].sum() == 1
