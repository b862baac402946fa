"""finetune(): the demo trains and reloads offline, resumes to the same step, refuses bad input."""

import json
import logging
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForSeq2SeqLM, TrainerCallback

from tutorial_lib.finetune.data import DataError
from tutorial_lib.finetune.loading import ModelLoadError
from tutorial_lib.finetune.train import finetune

FAST = {"max_steps": 4, "save_steps": 2, "eval_steps": 2, "batch_size": 4, "tiny_vocab_size": 300}


def test_demo_trains_evaluates_and_reports(demo_run, train_rows, heldout_rows):
    result, _, out = demo_run
    assert result.used_tiny_stand_in and result.steps == 4
    assert result.n_train == len(train_rows) and result.n_heldout == len(heldout_rows)
    evals = [row for row in result.log_history if "eval_loss" in row]
    assert [row["step"] for row in evals] == [2, 4]  # evaluated on held-out while training
    assert result.eval_loss == evals[-1]["eval_loss"]
    assert result.train_loss is not None and result.tokens_per_s > 0
    # Real tokens counted = those of the 4 batches the sampler served (16 of 24 rows).
    from transformers import AutoTokenizer

    from tutorial_lib.finetune.batching import Seq2SeqLengthSampler
    from tutorial_lib.finetune.data import encode_pairs, load_pairs

    enc = encode_pairs(
        AutoTokenizer.from_pretrained(result.base_model),
        load_pairs(train_rows, "train")[0],
        256,
        256,
    )
    src, tgt = enc.dataset["source_length"], enc.dataset["target_length"]
    served = Seq2SeqLengthSampler(src, tgt, 4, seed=0).batches()[:4]
    assert result.tokens_trained == sum(src[i] + tgt[i] for b in served for i in b)
    assert result.tokens_trained < enc.real_tokens
    saved = json.loads((out / "train_result.json").read_text())
    assert saved["steps"] == 4 and saved["model_dir"] == result.model_dir


def test_saved_model_reloads_with_separate_trained_lm_head(demo_run):
    result, _, out = demo_run
    model = AutoModelForSeq2SeqLM.from_pretrained(result.model_dir)
    head, shared = model.lm_head.weight, model.shared.weight
    assert head.data_ptr() != shared.data_ptr() and not torch.equal(head, shared)
    base = load_file(str(Path(result.base_model) / "model.safetensors"))
    last_ckpt = load_file(str(out / "checkpoint-4" / "model.safetensors"))
    assert not torch.equal(head, base["lm_head.weight"])  # training changed it...
    assert torch.equal(head, last_ckpt["lm_head.weight"])  # ...and the trained values were kept
    assert model.generation_config.max_new_tokens == 12


def test_default_optimizer_is_adafactor_with_fixed_lr(demo_run):
    _, seen, _ = demo_run
    from transformers.optimization import Adafactor

    opt = seen["optimizer"]
    opt = getattr(opt, "optimizer", opt)  # accelerate wraps it
    assert isinstance(opt, Adafactor)
    d = opt.defaults
    assert (d["scale_parameter"], d["relative_step"], d["warmup_init"], d["lr"]) == (
        False,
        False,
        False,
        1e-3,
    )


class _Crash(Exception):
    pass


class CrashAfterSave(TrainerCallback):
    """Simulates a Colab disconnect right after checkpoint ``step`` is written."""

    def __init__(self, step):
        self.step = step

    def on_save(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise _Crash(f"disconnected at step {state.global_step}")


class CountSteps(TrainerCallback):
    def __init__(self):
        self.steps = 0

    def on_step_end(self, args, state, control, **kwargs):
        self.steps += 1


def test_resume_continues_interrupted_run_to_same_step_count(tmp_path, train_rows):
    kw = dict(FAST, max_steps=6)
    with pytest.raises(_Crash):
        finetune(train_rows, tmp_path, "tiny", callbacks=[CrashAfterSave(4)], **kw)
    assert not (tmp_path / "model").exists()
    counter = CountSteps()
    result = finetune(train_rows, tmp_path, "tiny", resume=True, callbacks=[counter], **kw)
    assert Path(result.resumed_from).name == "checkpoint-4"
    assert counter.steps == 2 and result.steps == 6
    state = json.loads((tmp_path / "checkpoint-6" / "trainer_state.json").read_text())
    assert state["global_step"] == 6


def test_resume_without_checkpoint_starts_fresh(tmp_path, train_rows, caplog):
    with caplog.at_level(logging.INFO, logger="tutorial_lib.finetune"):
        result = finetune(train_rows, tmp_path, "tiny", resume=True, **dict(FAST, max_steps=2))
    assert result.steps == 2 and result.resumed_from is None
    assert "no checkpoint yet" in caplog.text


def test_long_answers_are_truncated_and_counted(tmp_path, train_rows):
    long = [
        {"prompt": r["prompt"], "answer": r["answer"] + " " + "maji " * 40} for r in train_rows[:3]
    ]
    result = finetune(
        train_rows[3:] + long, tmp_path, "tiny", max_target_length=24, **dict(FAST, max_steps=1)
    )
    assert result.n_truncated_targets == 3 and result.n_train == len(train_rows)


def test_fp16_refused_before_anything_is_built(tmp_path, train_rows):
    with pytest.raises(ValueError, match="fp16 is refused"):
        finetune(train_rows, tmp_path, "tiny", precision="fp16", **FAST)
    assert not (tmp_path / "base_tiny").exists()


def test_model_that_cannot_load_offline_is_a_clear_error(tmp_path, train_rows):
    with pytest.raises(ModelLoadError, match="offline.*not in the Hugging Face cache"):
        finetune(train_rows, tmp_path, "google/mt5-small", **FAST)


def test_bad_training_data_names_file_and_columns(tmp_path):
    bad = tmp_path / "train.jsonl"
    bad.write_text('{"prompt": "Habari", "answer": "Nzuri"}\n{"prompt": "Jina", "output": "x"}\n')
    with pytest.raises(DataError, match=r"train.jsonl:2: .*found columns \['output', 'prompt'\]"):
        finetune(bad, tmp_path / "out", "tiny", **FAST)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(DataError, match="empty.*empty.jsonl has no rows"):
        finetune(empty, tmp_path / "out", "tiny", **FAST)


def test_unknown_setting_is_rejected(tmp_path, train_rows):
    with pytest.raises(TypeError, match="max_step"):
        finetune(train_rows, tmp_path, "tiny", max_step=3)


def test_training_batches_are_length_grouped_and_dynamically_padded(tmp_path, tiny_model_dir):
    import random

    from transformers import AutoTokenizer

    from tutorial_lib.config import FinetuneConfig
    from tutorial_lib.finetune.batching import Seq2SeqCollator
    from tutorial_lib.finetune.data import encode_pairs
    from tutorial_lib.finetune.train import EXTRA_DEFAULTS
    from tutorial_lib.finetune.trainer import trainer_class, training_arguments

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    rng = random.Random(0)
    words = ["mvua", "ilinyesha", "sana", "kwa", "hiyo", "barabara", "zilijaa", "maji"]
    text = lambda n: " ".join(rng.choice(words) for _ in range(n))
    pairs = [(text(rng.randint(1, 60)), text(rng.randint(1, 60))) for _ in range(48)]
    enc = encode_pairs(tok, pairs, 512, 512)
    cfg = FinetuneConfig(batch_size=4, max_steps=12)
    args = training_arguments(cfg, EXTRA_DEFAULTS, tmp_path, "fp32", has_eval=False)
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir)
    trainer = trainer_class()(
        model=model,
        args=args,
        train_dataset=enc.dataset,
        data_collator=Seq2SeqCollator(tok),
        processing_class=tok,
    )
    padded = real = 0
    for batch in trainer.get_train_dataloader():
        padded += batch["input_ids"].numel() + batch["labels"].numel()
        real += int(batch["attention_mask"].sum()) + int((batch["labels"] != -100).sum())
    assert real == enc.real_tokens  # one epoch, every row once, nothing dropped
    order = list(range(48))
    rng.shuffle(order)
    lens_s = [len(x) for x in enc.dataset["input_ids"]]
    lens_t = [len(x) for x in enc.dataset["labels"]]
    shuffled = sum(
        4 * (max(lens_s[i] for i in order[k : k + 4]) + max(lens_t[i] for i in order[k : k + 4]))
        for k in range(0, 48, 4)
    )
    assert padded / real < 0.85 * shuffled / real


def test_run_directory_with_ci_preset_uses_curated_splits(tmp_path, train_rows, heldout_rows):
    from tutorial_lib.config import load_config

    ds = tmp_path / "05_dataset"
    ds.mkdir()
    extra = {"prompt_id": "p", "category": "open_qa", "lang": "sw", "score": 0.9}
    (ds / "train.jsonl").write_text("".join(json.dumps({**r, **extra}) + "\n" for r in train_rows))
    (ds / "heldout.jsonl").write_text(
        "".join(json.dumps({**r, **extra}) + "\n" for r in heldout_rows)
    )
    ft = load_config("ci").finetune
    result = finetune(
        tmp_path,
        tmp_path / "06_finetune",
        model=ft.model,
        cfg=ft,
        heldout=tmp_path,
        tiny_texts=[r["prompt"] for r in train_rows] * 5,
        tiny_vocab_size=300,
    )
    assert result.steps == ft.max_steps == 12
    assert (result.n_train, result.n_heldout) == (len(train_rows), len(heldout_rows))
    assert [r["step"] for r in result.log_history if "eval_loss" in r] == [6, 12]
    assert sorted(p.name for p in (tmp_path / "06_finetune").glob("checkpoint-*")) == [
        "checkpoint-12",
        "checkpoint-6",
    ]


def test_gradient_accumulation_keeps_the_loss_scale(tmp_path, train_rows):
    """Same 4 rows per step either way; without the fix the accumulated loss is logged ~2x."""
    kw = dict(FAST, max_steps=1, logging_steps=1)
    one = finetune(
        train_rows,
        tmp_path / "a",
        "tiny",
        batch_size=4,
        **{k: v for k, v in kw.items() if k != "batch_size"},
    )
    two = finetune(
        train_rows,
        tmp_path / "b",
        "tiny",
        batch_size=2,
        gradient_accumulation_steps=2,
        **{k: v for k, v in kw.items() if k != "batch_size"},
    )
    loss = lambda r: next(row["loss"] for row in r.log_history if "loss" in row)
    assert loss(two) == pytest.approx(loss(one), rel=0.15)


def test_fresh_start_moves_old_checkpoints_aside(tmp_path, train_rows):
    kw = dict(FAST, max_steps=2)
    finetune(train_rows, tmp_path, "tiny", **kw)
    old = (tmp_path / "checkpoint-2" / "model.safetensors").read_bytes()
    result = finetune(train_rows, tmp_path, "tiny", seed=1, **kw)  # resume=False: start again
    assert result.resumed_from is None and result.steps == 2
    aside = list(tmp_path.glob("previous-*/checkpoint-2"))
    assert len(aside) == 1 and (aside[0] / "model.safetensors").read_bytes() == old


def test_adamw_option(tmp_path, train_rows):
    seen = {}

    class Spy(TrainerCallback):
        def on_train_begin(self, args, state, control, optimizer=None, **kwargs):
            seen["opt"] = getattr(optimizer, "optimizer", optimizer)

    finetune(
        train_rows,
        tmp_path,
        "tiny",
        optimizer="adamw",
        callbacks=[Spy()],
        **dict(FAST, max_steps=1),
    )
    assert type(seen["opt"]).__name__ == "AdamW" and seen["opt"].defaults["lr"] == 3e-4


def test_each_optimizer_gets_its_own_learning_rate_and_clipping(tmp_path):
    from tutorial_lib.config import FinetuneConfig
    from tutorial_lib.finetune.train import EXTRA_DEFAULTS
    from tutorial_lib.finetune.trainer import training_arguments

    def args(**kw):
        return training_arguments(FinetuneConfig(**kw), EXTRA_DEFAULTS, tmp_path, "fp32", False)

    ada, adamw = args(), args(optimizer="adamw")
    assert (ada.learning_rate, ada.max_grad_norm) == (1e-3, 0.0)  # Adafactor clips its updates
    assert (adamw.learning_rate, adamw.max_grad_norm) == (3e-4, 1.0)
    assert args(optimizer="adamw", learning_rate=5e-5).learning_rate == 5e-5
