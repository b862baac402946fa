"""Fine-tuning throughput: the kit's recipe vs the common ``padding="max_length"`` one, on a CPU.

Both arms train the same mt5-small-shaped model (d_model 512, d_ff 1024, 8+8
layers, 6 heads, gated-gelu; a 4k SentencePiece vocabulary trained on the data,
so it runs on a CPU) on the same rows, with the same batch size, optimizer
(Adafactor) and number of steps:

* kit: ``tutorial_lib.finetune.finetune`` itself: dynamic padding and batches of
  similar source and target length, costliest batch first;
* baseline: the common recipe: tokenise with ``padding="max_length"`` at fixed
  lengths that just cover the longest item (nothing truncated), label padding
  masked with -100, no length grouping, the stock ``Trainer``.

Each arm runs in its own process, so ``ru_maxrss`` is that arm's peak memory.
The first step of each arm is warm-up and is not timed; the kit's first step is
its costliest batch of the epoch, so its peak memory covers the whole epoch.
Real tokens are non-pad source + target tokens. ``padding_limit`` is the
baseline's padded tokens over real tokens on the whole data set: the speed-up
that zero padding would give. The machine is shared: numbers are noisy, so the
ratio is also given per CPU second (``ratio_cpu_time``), which other jobs on the
machine disturb less. The ratio can exceed ``padding_limit``: padding also lengthens every attention
map, whose cost grows with the square of the padded length.

Run:  .venv/bin/python benchmarks/finetune_throughput.py [--steps 4] [--threads 1]
Last line: JSON with kit_tokens_per_s, baseline_tokens_per_s, ratio, padding_limit,
kit_peak_mb, baseline_peak_mb (and more).
"""

from __future__ import annotations

import argparse
import json
import os
import random
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
AFRI = (
    REPO.parent
    / "shared"
    / "realdata"
    / "swahili_instruct"
    / "afriinstruct"
    / "benchmark_swa_602.json"
)
SEED_DATA = REPO / "data" / "prompts" / "seed_sw.jsonl"
SHAPE = {
    "d_model": 512,
    "d_ff": 1024,
    "num_layers": 8,
    "num_decoder_layers": 8,
    "num_heads": 6,
    "d_kv": 64,
}
BATCH, SEED = 8, 0


def load_pairs() -> tuple[list[dict], str]:
    """AfriInstruct's 602 instruction/output pairs, else the kit's seed prompts (said so)."""
    if AFRI.exists():
        rows = json.loads(AFRI.read_text(encoding="utf-8"))
        return [
            {"prompt": r["instruction"], "answer": r["output"]} for r in rows
        ], f"AfriInstruct ({AFRI})"
    rows = [
        json.loads(line)
        for line in SEED_DATA.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    print(f"NOTE: {AFRI} is absent; falling back to the kit's seed prompts", file=sys.stderr)
    return (
        [
            {"prompt": r["prompt"], "context": r.get("context", ""), "answer": r["references"][0]}
            for r in rows
            if r.get("references")
        ],
        f"seed prompts ({SEED_DATA}; AfriInstruct absent)",
    )


def lengths(tokenizer, rows) -> tuple[list[int], list[int]]:
    from tutorial_lib.finetune.data import format_source

    src = tokenizer([format_source(r) for r in rows])["input_ids"]
    tgt = tokenizer(text_target=[r["answer"] for r in rows])["input_ids"]
    return [len(x) for x in src], [len(x) for x in tgt]


def step_clock():
    """A Trainer callback recording wall-clock and process CPU time at the end of every step."""
    from transformers import TrainerCallback

    class StepClock(TrainerCallback):
        def __init__(self):
            self.ends, self.cpu = [], []

        def on_train_begin(self, args, state, control, **kwargs):
            self.ends, self.cpu = [time.perf_counter()], [time.process_time()]

        def on_step_end(self, args, state, control, **kwargs):
            self.ends.append(time.perf_counter())
            self.cpu.append(time.process_time())

    return StepClock()


def _timed(clock, step_tokens: list[int]) -> dict:
    """Rate over steps 2..K (step 1 is warm-up)."""
    seconds = clock.ends[-1] - clock.ends[1]
    cpu_seconds = clock.cpu[-1] - clock.cpu[1]
    tokens = sum(step_tokens[1:])
    return {
        "timed_steps": len(step_tokens) - 1,
        "timed_s": round(seconds, 2),
        "timed_tokens": tokens,
        "tokens_per_s": round(tokens / seconds, 1),
        "tokens_per_cpu_s": round(tokens / cpu_seconds, 1),
        "step_s": [round(b - a, 2) for a, b in zip(clock.ends, clock.ends[1:])],
    }


def run_kit(work: Path, steps: int, max_src: int, max_tgt: int) -> dict:
    from transformers import AutoTokenizer

    from tutorial_lib.finetune.batching import Seq2SeqLengthSampler
    from tutorial_lib.finetune.train import finetune

    rows = [json.loads(x) for x in (work / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    clock = step_clock()
    result = finetune(
        work / "train.jsonl",
        work / "kit",
        str(work / "model"),
        seed=SEED,
        max_steps=steps,
        batch_size=BATCH,
        save_steps=steps,
        eval_steps=steps,
        max_source_length=max_src,
        max_target_length=max_tgt,
        callbacks=[clock],
    )
    src, tgt = lengths(AutoTokenizer.from_pretrained(work / "model"), rows)
    batches = Seq2SeqLengthSampler(src, tgt, BATCH, seed=SEED).batches()[:steps]
    step_tokens = [sum(src[i] + tgt[i] for i in b) for b in batches]
    assert sum(step_tokens) == result.tokens_trained, "sampler replay does not match the trainer"
    padded = sum(len(b) * (max(src[i] for i in b) + max(tgt[i] for i in b)) for b in batches)
    return {
        **_timed(clock, step_tokens),
        "padded_over_real": round(padded / sum(step_tokens), 3),
        "finetune_tokens_per_s": result.tokens_per_s,
    }


def run_baseline(work: Path, steps: int, max_src: int, max_tgt: int) -> dict:
    import datasets
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, Trainer, default_data_collator

    from tutorial_lib.config import FinetuneConfig
    from tutorial_lib.finetune.data import format_source
    from tutorial_lib.finetune.train import EXTRA_DEFAULTS
    from tutorial_lib.finetune.trainer import training_arguments

    rows = [json.loads(x) for x in (work / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    random.Random(SEED).shuffle(rows)  # shuffled once, then read in order: no length grouping
    tok = AutoTokenizer.from_pretrained(work / "model")
    enc = tok(
        [format_source(r) for r in rows], padding="max_length", max_length=max_src, truncation=True
    )
    lab = tok(
        text_target=[r["answer"] for r in rows],
        padding="max_length",
        max_length=max_tgt,
        truncation=True,
    )["input_ids"]
    enc["labels"] = [[t if t != tok.pad_token_id else -100 for t in ids] for ids in lab]
    data = datasets.Dataset.from_dict(dict(enc))
    cfg = FinetuneConfig(max_steps=steps, batch_size=BATCH, save_steps=steps, eval_steps=steps)
    args = training_arguments(
        cfg, {**EXTRA_DEFAULTS, "seed": SEED}, work / "baseline", "fp32", False
    )
    args.train_sampling_strategy, args.remove_unused_columns = "sequential", True
    clock = step_clock()
    trainer = Trainer(
        model=AutoModelForSeq2SeqLM.from_pretrained(work / "model"),
        args=args,
        train_dataset=data,
        data_collator=default_data_collator,
        callbacks=[clock],
    )
    trainer.train()
    trainer.save_model(str(work / "baseline" / "model"))
    src, tgt = lengths(tok, rows)
    step_tokens = [
        sum(src[i] + tgt[i] for i in range(k * BATCH, (k + 1) * BATCH)) for k in range(steps)
    ]
    real = sum(int(sum(m)) for m in data[: steps * BATCH]["attention_mask"])
    real += sum(sum(t != -100 for t in ids) for ids in data[: steps * BATCH]["labels"])
    assert real == sum(step_tokens), "padded data lost tokens (truncation?)"
    return _timed(clock, step_tokens)


def arm_main(arm: str, work: Path, steps: int, max_src: int, max_tgt: int, threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    out = (run_kit if arm == "kit" else run_baseline)(work, steps, max_src, max_tgt)
    out["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print("ARM " + json.dumps(out))


def colab_t4_estimate(src: list[int], tgt: list[int], padding: float) -> dict:
    """Training time of the colab-t4 preset (mt5-small, 600 steps, batch 16): an estimate."""
    from tutorial_lib.config import load_config
    from tutorial_lib.finetune.models import KNOWN_MODELS, estimate_epoch_hours, gpu_class

    ft = load_config("colab-t4").finetune
    name, tflops, precision = gpu_class(15)
    per_row_s, per_row_t = sum(src) / len(src), sum(tgt) / len(tgt)
    rows = ft.max_steps * ft.batch_size
    hours = estimate_epoch_hours(
        KNOWN_MODELS[ft.model], rows * per_row_s * padding, rows * per_row_t * padding, tflops
    )
    return {
        "model": ft.model,
        "steps": ft.max_steps,
        "batch_size": ft.batch_size,
        "gpu": name,
        "train_min_estimate": round(hours * 60, 1),
        "assumptions": f"{precision}, {tflops} TFLOP/s peak at 30% utilisation, this data's "
        f"token lengths under a 4k vocabulary (mT5's own tokenizer differs), "
        f"{padding:.2f}x padding; excludes download, evaluation and checkpoint saves",
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=4, help="steps per arm (the first is warm-up)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per arm (shared CPU: 1)")
    p.add_argument("--vocab", type=int, default=4000)
    p.add_argument("--arm", choices=("kit", "baseline"), help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    p.add_argument("--max-src", type=int, help=argparse.SUPPRESS)
    p.add_argument("--max-tgt", type=int, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.arm:
        return arm_main(a.arm, Path(a.work), a.steps, a.max_src, a.max_tgt, a.threads)

    from transformers import AutoTokenizer

    from tutorial_lib.finetune.batching import Seq2SeqLengthSampler
    from tutorial_lib.finetune.data import format_source
    from tutorial_lib.finetune.tiny import build_tiny_mt5

    started = time.time()
    rows, source = load_pairs()
    with tempfile.TemporaryDirectory(prefix="ft_bench_") as tmp:
        work = Path(tmp)
        (work / "train.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        texts = [format_source(r) for r in rows] + [r["answer"] for r in rows]
        build_tiny_mt5(work / "model", texts, vocab_size=a.vocab, seed=SEED, shape=SHAPE)
        src, tgt = lengths(AutoTokenizer.from_pretrained(work / "model"), rows)
        real = sum(src) + sum(tgt)
        padding_limit = len(rows) * (max(src) + max(tgt)) / real
        epoch = Seq2SeqLengthSampler(src, tgt, BATCH, seed=SEED).batches()
        kit_epoch_padding = (
            sum(len(b) * (max(src[i] for i in b) + max(tgt[i] for i in b)) for b in epoch) / real
        )
        arms = {}
        for arm in ("baseline", "kit"):
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
                "--max-src",
                str(max(src)),
                "--max-tgt",
                str(max(tgt)),
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            line = [x for x in proc.stdout.splitlines() if x.startswith("ARM ")]
            if proc.returncode or not line:
                sys.stderr.write(proc.stderr[-4000:])
                raise SystemExit(f"{arm} arm failed (exit {proc.returncode})")
            arms[arm] = json.loads(line[-1][4:])
            print(f"{arm}: {arms[arm]}", file=sys.stderr)
    kit, base = arms["kit"], arms["baseline"]
    summary = {
        "data": source,
        "rows": len(rows),
        "vocab": a.vocab,
        "batch_size": BATCH,
        "steps": a.steps,
        "threads": a.threads,
        "max_source_tokens": max(src),
        "max_target_tokens": max(tgt),
        "kit_epoch_padding": round(kit_epoch_padding, 3),
        "kit_timed_padding": kit["padded_over_real"],
        "kit_step_s": kit["step_s"],
        "baseline_step_s": base["step_s"],
        "ratio_cpu_time": round(kit["tokens_per_cpu_s"] / base["tokens_per_cpu_s"], 2),
        "colab_t4_estimate": colab_t4_estimate(src, tgt, kit_epoch_padding),
        "wall_s": round(time.time() - started, 1),
        "kit_tokens_per_s": kit["tokens_per_s"],
        "baseline_tokens_per_s": base["tokens_per_s"],
        "ratio": round(kit["tokens_per_s"] / base["tokens_per_s"], 2),
        "padding_limit": round(padding_limit, 2),
        "kit_peak_mb": kit["peak_mb"],
        "baseline_peak_mb": base["peak_mb"],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
