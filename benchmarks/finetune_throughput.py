"""Fine-tuning throughput against the stock Hugging Face recipes, mt5-small shape, full vocabulary.

Three arms train the same mt5-small-shaped model (d_model 512, d_ff 1024, 8+8
layers, 6 heads, gated-gelu, untied ``lm_head``) on AfriInstruct's 602 Swahili
pairs, with the same batch size, optimizer (Adafactor, 1e-3, constant, no
extra clipping) and number of timed steps:

* ``hf_default``: the full 250,112-row vocabulary, ``DataCollatorForSeq2Seq``
  dynamic padding, random order (``run_summarization.py``'s recipe);
* ``hf_group_by_length``: the same with transformers' stock length grouping
  (``LengthGroupedSampler``, which groups by source length);
* ``kit``: ``tutorial_lib.finetune.finetune`` itself on the vocabulary trimmed
  by ``trim_vocabulary`` (the run's prompts and answers, the Swahili benchmark
  files and their English originals), with the kit's batching and lean activations
  (``finetune.lean_activations``: PyTorch's fused tanh-GELU instead of transformers'
  Python one, attention maps recomputed in the backward pass; ``--lean 0`` turns it off).
  ``--checkpoint-above N`` also checkpoints whole blocks of batches above N padded tokens.

The vocabulary cost is real: a SentencePiece unigram model is trained on
Swahili and English text (AfriInstruct, AfriQA, MGSM, XCOPA, XNLI,
XStoryCloze from ``../shared/realdata``) and padded with filler pieces (a
character no text contains) up to mT5's 250,112 rows, so the full arms carry
mT5-sized embeddings and softmax while every text tokenizes as without them.

Measurement: each arm runs in its own process (``ru_maxrss`` is its peak
memory) and first trains on a separate warm-up batch (8 rows of median
length; not timed). Then ``--steps`` optimizer steps are timed from step
begin to step end. The hf arms take the batches their stock sampler gives
(``torch.randperm`` as ``RandomSampler``, ``get_length_grouped_indices`` as
``LengthGroupedSampler``, same seed), fed in that order; if the epoch's
costliest batch (longest source + longest target) is not among the first
``--steps``, it replaces the last one, so every arm's timing includes its
costliest batch (the kit and ``LengthGroupedSampler`` put it first anyway).
Real tokens are non-pad source + target tokens. A separate process checks that
the kit's loss path (untrimmed model, kit collator, token-weighted loss) and
``hf_default``'s (the model's own loss) agree on the same batch. ``--repeats``
runs the arms again in reverse order (``--reverse 1`` starts with the kit);
rates are the mean over rounds. The machine may be shared: see ``load_avg``,
the per-round figures and ``tokens_per_cpu_s`` (real tokens per second of the
arm's own CPU time, which other jobs disturb much less than wall time).

Run:  .venv/bin/python benchmarks/finetune_throughput.py [--steps 10] [--repeats 1] [--threads 1]
Last line: JSON with vocab_full, vocab_trimmed, tokens_per_s (per arm),
speedup_vs_hf_default, speedup_vs_group_by_length, peak_mem_ratio_vs_hf_default,
loss_match_max_abs (and more).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
REAL = REPO.parent / "shared" / "realdata"
AFRI = REAL / "swahili_instruct" / "afriinstruct" / "benchmark_swa_602.json"
# Target-language benchmark files and their English originals (the trim corpus besides the data).
BENCH_FILES = (
    "xcopa/data/sw/test.sw.jsonl",
    "xcopa/data/sw/val.sw.jsonl",
    "xnli/sw/test.jsonl",
    "xstorycloze/spring2016.val.sw.tsv.split_20_80_eval.tsv",
    "xcopa/en_copa_reference/test.jsonl",
    "xnli/en/test.jsonl",
)
EXTRA_FILES = (
    "swahili_instruct/afriqa/queries.afriqa.swa.en.train.json",
    "swahili_instruct/mgsm/mgsm_sw.tsv",
    "swahili_instruct/mgsm/mgsm_en.tsv",
)
SHAPE = {
    "d_model": 512,
    "d_ff": 1024,
    "num_layers": 8,
    "num_decoder_layers": 8,
    "num_heads": 6,
    "d_kv": 64,
}
VOCAB_FULL, BATCH, SEED, FILLER = 250_112, 8, 0, "\u2047"
# The kit arm: finetune.lean_activations on (fused tanh-GELU, attention maps recomputed);
# whole-block checkpointing of long batches (finetune.checkpoint_above_tokens) off by default.
CHECKPOINT_ABOVE = 0
ARMS = ("hf_default", "hf_group_by_length", "kit")


def load_rows() -> list[dict]:
    if not AFRI.exists():
        raise SystemExit(
            f"AfriInstruct is absent ({AFRI}); this benchmark needs ../shared/realdata"
        )
    rows = json.loads(AFRI.read_text(encoding="utf-8"))
    return [{"prompt": r["instruction"], "answer": r["output"]} for r in rows]


def pair_texts(rows: list[dict]) -> list[str]:
    from tutorial_lib.instruction import model_input

    return [model_input(r["prompt"], r.get("context")) for r in rows] + [r["answer"] for r in rows]


def prepare(work: Path, sp_vocab: int, vocab_full: int) -> dict:
    """Full tokenizer (trained + fillers) and model, saved; then the kit's trim of them."""
    import torch
    from transformers import MT5Config, MT5ForConditionalGeneration, T5Tokenizer

    from tutorial_lib.finetune.tiny import train_sentencepiece, untie_lm_head
    from tutorial_lib.finetune.vocab_trim import read_corpus, trim_vocabulary

    rows = load_rows()
    trim_corpus = pair_texts(rows) + [
        t for f in BENCH_FILES if (REAL / f).exists() for t in read_corpus(REAL / f)
    ]
    pool = trim_corpus + [
        t for f in EXTRA_FILES if (REAL / f).exists() for t in read_corpus(REAL / f)
    ]
    pieces = train_sentencepiece(pool, vocab_size=sp_vocab)
    fillers = [(f"{FILLER}{i}", -30.0) for i in range(vocab_full - len(pieces))]
    tokenizer = T5Tokenizer(vocab=pieces + fillers, extra_ids=0)
    torch.manual_seed(SEED)
    config = MT5Config(
        vocab_size=len(tokenizer),
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
        feed_forward_proj="gated-gelu",
        dropout_rate=0.0,
        **SHAPE,
    )
    model = untie_lm_head(MT5ForConditionalGeneration(config))
    model.save_pretrained(work / "full")
    tokenizer.save_pretrained(work / "full")
    del model
    trim = trim_vocabulary(
        work / "full", trim_corpus, work / "trimmed", heldout=pool[len(trim_corpus) :]
    )
    (work / "train.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return {
        "vocab_full": len(tokenizer),
        "sp_pieces": len(pieces),
        "vocab_trimmed": trim.vocab_trimmed,
        "trim_corpus_texts": len(trim_corpus),
        "heldout_coverage": trim.heldout_coverage,
    }


def encoded(model_dir: Path):
    """The data encoded as the kit encodes it (no truncation at these lengths) and its lengths."""
    from transformers import AutoTokenizer

    from tutorial_lib.finetune.data import encode_pairs, load_pairs

    tok = AutoTokenizer.from_pretrained(model_dir)
    pairs, _ = load_pairs(model_dir.parent / "train.jsonl", "train")
    enc = encode_pairs(tok, pairs, 1024, 1024, "train")
    return tok, enc.dataset, list(enc.dataset["source_length"]), list(enc.dataset["target_length"])


def _cost(b, src, tgt):
    return max(src[i] for i in b) + max(tgt[i] for i in b)


def stock_batches(arm: str, src: list[int], tgt: list[int], steps: int):
    """``(timed, epoch)``: the stock sampler's first ``steps`` batches (the costliest among them)."""
    import torch
    from transformers.trainer_pt_utils import get_length_grouped_indices

    gen = torch.Generator().manual_seed(SEED)
    if arm == "hf_default":
        order = torch.randperm(len(src), generator=gen).tolist()
    else:
        order = get_length_grouped_indices(src, BATCH, generator=gen)
    epoch = [order[k : k + BATCH] for k in range(0, len(order) - BATCH + 1, BATCH)]
    timed = epoch[:steps]
    costliest = max(epoch, key=lambda b: _cost(b, src, tgt))
    if costliest not in timed:
        timed[-1] = costliest
    return timed, epoch


def warmup_rows(src: list[int], tgt: list[int]) -> list[int]:
    by_size = sorted(range(len(src)), key=lambda i: src[i] + tgt[i])
    mid = len(by_size) // 2
    return by_size[mid - BATCH // 2 : mid + BATCH // 2]


def clock_callback(warm_batch):
    """Warm-up on a separate batch at train begin, then time each step (begin to end)."""
    from transformers import TrainerCallback

    class Clock(TrainerCallback):
        def __init__(self):
            self.steps: list[float] = []
            self.cpu: list[float] = []  # process CPU seconds: less disturbed by other jobs

        def on_train_begin(self, args, state, control, model=None, **kwargs):
            model.train()
            model(**warm_batch).logits.float().logsumexp(-1).mean().backward()
            model.zero_grad(set_to_none=True)

        def on_step_begin(self, args, state, control, **kwargs):
            self.started, self.cpu_started = time.perf_counter(), time.process_time()

        def on_step_end(self, args, state, control, **kwargs):
            self.steps.append(time.perf_counter() - self.started)
            self.cpu.append(time.process_time() - self.cpu_started)

    return Clock()


def run_hf(arm: str, work: Path, steps: int) -> dict:
    from transformers import (
        AutoModelForSeq2SeqLM,
        DataCollatorForSeq2Seq,
        Trainer,
        TrainingArguments,
    )

    tok, data, src, tgt = encoded(work / "full")
    batches, epoch = stock_batches(arm, src, tgt, steps)
    data = data.remove_columns(["source_length", "target_length"])
    model = AutoModelForSeq2SeqLM.from_pretrained(work / "full")
    collator = DataCollatorForSeq2Seq(tok, model=model)
    clock = clock_callback(collator([data[i] for i in warmup_rows(src, tgt)]))
    args = TrainingArguments(
        output_dir=str(work / arm),
        max_steps=steps,
        per_device_train_batch_size=BATCH,
        optim="adafactor",
        learning_rate=1e-3,
        lr_scheduler_type="constant",
        max_grad_norm=0.0,
        train_sampling_strategy="sequential",
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        seed=SEED,
        logging_steps=1,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=data.select([i for b in batches for i in b]),
        data_collator=collator,
        callbacks=[clock],
    )
    trainer.train()
    return _summary(clock, batches, epoch, src, tgt)


def run_kit(work: Path, steps: int, checkpoint_above: int, lean: bool) -> dict:
    from tutorial_lib.finetune.batching import Seq2SeqCollator, Seq2SeqLengthSampler
    from tutorial_lib.finetune.train import finetune

    tok, data, src, tgt = encoded(work / "trimmed")
    epoch = Seq2SeqLengthSampler(src, tgt, BATCH, seed=SEED).batches()
    batches = epoch[:steps]
    warm = Seq2SeqCollator(tok)([data[i] for i in warmup_rows(src, tgt)])
    clock = clock_callback(warm)
    result = finetune(
        work / "train.jsonl",
        work / "kit",
        str(work / "trimmed"),
        seed=SEED,
        max_steps=steps,
        batch_size=BATCH,
        save_steps=10**6,
        eval_steps=10**6,
        max_source_length=1024,
        max_target_length=1024,
        callbacks=[clock],
        checkpoint_above_tokens=checkpoint_above or None,
        lean_activations=lean,
    )
    real = sum(src[i] + tgt[i] for b in batches for i in b)
    assert real == result.tokens_trained, "sampler replay does not match the trainer"
    out = _summary(clock, batches, [b for b in epoch if len(b) == BATCH], src, tgt)
    above = [len(b) * _cost(b, src, tgt) > (checkpoint_above or float("inf")) for b in epoch]
    out["checkpointed_batches"] = {
        "timed": sum(above[:steps]),
        "epoch": sum(above),
        "epoch_batches": len(epoch),
    }
    return out


def _summary(clock, timed, epoch, src, tgt) -> dict:
    step_s = clock.steps
    real = sum(src[i] + tgt[i] for b in timed for i in b)
    padded = sum(len(b) * _cost(b, src, tgt) for b in timed)
    epoch_real = sum(src[i] + tgt[i] for b in epoch for i in b)
    epoch_padded = sum(len(b) * _cost(b, src, tgt) for b in epoch)
    return {
        "timed_steps": len(step_s),
        "timed_s": round(sum(step_s), 2),
        "real_tokens": real,
        "tokens_per_s": round(real / sum(step_s), 1),
        "padded_over_real": round(padded / real, 3),
        "tokens_per_cpu_s": round(real / sum(clock.cpu), 1),
        "epoch_padded_over_real": round(epoch_padded / epoch_real, 3),
        "costliest_batch_timed": max(_cost(b, src, tgt) for b in timed)
        == max(_cost(b, src, tgt) for b in epoch),
        "step_s": [round(s, 2) for s in step_s],
    }


def loss_check(work: Path, lean: bool) -> dict:
    """The kit's untrimmed loss path vs hf_default's on the same batch (and the trimmed model's).

    The kit's model is prepared as the kit arm trains it (lean activations when on) and run
    in training mode, so the recomputed attention path is the one checked.
    """
    import torch
    from transformers import AutoModelForSeq2SeqLM, DataCollatorForSeq2Seq, TrainingArguments

    from tutorial_lib.finetune.batching import Seq2SeqCollator
    from tutorial_lib.finetune.memory import lean_activations
    from tutorial_lib.finetune.trainer import trainer_class

    out = {}
    for name in ("full", "trimmed"):
        tok, data, _, _ = encoded(work / name)
        rows = [data[i] for i in range(BATCH)]
        model = AutoModelForSeq2SeqLM.from_pretrained(work / name).train()
        if lean:
            lean_activations(model)
        args = TrainingArguments(output_dir=str(work / "loss"), use_cpu=True, report_to="none")
        kit = trainer_class()(model=model, args=args, data_collator=Seq2SeqCollator(tok, model))
        batch = Seq2SeqCollator(tok, model)(rows)
        items = batch["labels"].ne(-100).sum()
        out[f"kit_{name}"] = float(kit.compute_loss(model, dict(batch), num_items_in_batch=items))
        if name == "full":
            plain = [{k: v for k, v in r.items() if not k.endswith("_length")} for r in rows]
            stock = AutoModelForSeq2SeqLM.from_pretrained(work / name).eval()
            with torch.no_grad():
                out["hf_default"] = float(
                    stock(**DataCollatorForSeq2Seq(tok, model=stock)(plain)).loss
                )
    return out


def arm_main(a: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(a.threads)
    arm, work = a.arm, Path(a.work)
    if arm == "prepare":
        out = prepare(work, a.sp_vocab, a.vocab_full)
    elif arm == "loss":
        out = loss_check(work, bool(a.lean))
    else:
        if arm == "kit":
            out = run_kit(work, a.steps, a.checkpoint_above, bool(a.lean))
        else:
            out = run_hf(arm, work, a.steps)
        out["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print("ARM " + json.dumps(out))


def child(arm: str, work: Path, a) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--arm",
        arm,
        "--work",
        str(work),
        "--steps",
        str(a.steps),
        "--threads",
        str(a.threads),
        "--sp-vocab",
        str(a.sp_vocab),
        "--vocab-full",
        str(a.vocab_full),
        "--checkpoint-above",
        str(a.checkpoint_above),
        "--lean",
        str(a.lean),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": str(a.threads)}
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    line = [x for x in proc.stdout.splitlines() if x.startswith("ARM ")]
    if proc.returncode or not line:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"{arm} failed (exit {proc.returncode})")
    out = json.loads(line[-1][4:])
    print(f"{arm}: {json.dumps(out)}", file=sys.stderr)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=10, help="timed steps per arm (>= 10)")
    p.add_argument(
        "--repeats", type=int, default=1, help="rounds; odd rounds reverse the arm order"
    )
    p.add_argument("--reverse", type=int, choices=(0, 1), default=0, help="1: kit arm first")
    p.add_argument("--threads", type=int, default=1, help="torch threads per arm (shared CPU: 1)")
    p.add_argument(
        "--sp-vocab", type=int, default=32000, help="SentencePiece pieces before fillers"
    )
    p.add_argument("--vocab-full", type=int, default=VOCAB_FULL, help="full vocabulary rows")
    p.add_argument(
        "--checkpoint-above",
        type=int,
        default=CHECKPOINT_ABOVE,
        help="kit arm: recompute activations for batches above this many padded tokens (0: off)",
    )
    p.add_argument(
        "--lean", type=int, choices=(0, 1), default=1, help="kit arm: finetune.lean_activations"
    )
    p.add_argument("--arm", choices=("prepare", "loss", *ARMS), help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.arm:
        return arm_main(a)
    started, load = time.time(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="ft_bench_") as tmp:
        work = Path(tmp)
        prep = child("prepare", work, a)
        losses = child("loss", work, a)
        rounds: dict[str, list[dict]] = {arm: [] for arm in ARMS}
        for r in range(a.repeats):
            for arm in ARMS if (r + a.reverse) % 2 == 0 else ARMS[::-1]:
                rounds[arm].append(child(arm, work, a))
    rate = {arm: round(sum(x["tokens_per_s"] for x in v) / len(v), 1) for arm, v in rounds.items()}
    peak = {arm: max(x["peak_mb"] for x in v) for arm, v in rounds.items()}
    cpu_rate = {
        arm: round(sum(x["tokens_per_cpu_s"] for x in v) / len(v), 1) for arm, v in rounds.items()
    }
    summary = {
        "data": f"AfriInstruct ({len(load_rows())} pairs)",
        "batch_size": BATCH,
        "steps": a.steps,
        "repeats": a.repeats,
        "threads": a.threads,
        "load_avg_at_start": round(load, 2),
        "load_avg_at_end": round(os.getloadavg()[0], 2),
        **prep,
        "per_round_tokens_per_s": {
            arm: [x["tokens_per_s"] for x in v] for arm, v in rounds.items()
        },
        "padded_over_real_timed": {arm: v[0]["padded_over_real"] for arm, v in rounds.items()},
        "padded_over_real_epoch": {
            arm: v[0]["epoch_padded_over_real"] for arm, v in rounds.items()
        },
        "costliest_batch_timed": {arm: v[0]["costliest_batch_timed"] for arm, v in rounds.items()},
        "tokens_per_cpu_s": cpu_rate,
        "cpu_speedup_vs_hf_default": round(cpu_rate["kit"] / cpu_rate["hf_default"], 2),
        "cpu_speedup_vs_group_by_length": round(
            cpu_rate["kit"] / cpu_rate["hf_group_by_length"], 2
        ),
        "losses_same_batch": losses,
        "peak_mb": peak,
        "wall_s": round(time.time() - started, 1),
        "vocab_full": prep["vocab_full"],
        "vocab_trimmed": prep["vocab_trimmed"],
        "tokens_per_s": rate,
        "speedup_vs_hf_default": round(rate["kit"] / rate["hf_default"], 2),
        "speedup_vs_group_by_length": round(rate["kit"] / rate["hf_group_by_length"], 2),
        "peak_mem_ratio_vs_hf_default": round(peak["kit"] / peak["hf_default"], 3),
        "kit_checkpoint_above_tokens": a.checkpoint_above,
        "kit_lean_activations": bool(a.lean),
        "kit_checkpointed_batches": rounds["kit"][0]["checkpointed_batches"],
        "loss_match_max_abs": abs(losses["kit_full"] - losses["hf_default"]),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
