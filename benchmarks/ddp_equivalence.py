"""Two processes train like one: the kit's fine-tuning under DDP vs a single process.

The same short training runs twice on the same data and model, with the same
global batch and data order:

* ``processes=2``: ``accelerate launch --multi_gpu --num_processes 2`` on a
  machine without GPUs: torchrun-style processes, and the kit's
  ``use_cpu=True`` gives the gloo backend; each process ``batch`` / 2 rows per
  step. (``accelerate launch --cpu --num_processes 2`` starts *one* process in
  accelerate 1.15: multi-CPU launches go through MPI; the worker checks
  ``WORLD_SIZE`` so a run that silently fell back to one process fails);
* ``processes=1``: one process, ``batch`` rows per step.

Both call :func:`tutorial_lib.finetune.train.finetune` unchanged, log every
step, and use AdamW so the Trainer also logs the global gradient norm. With
the token-weighted loss and the process-aware length sampler, every step's
loss and gradient norm must agree (float tolerance); a loss averaged per
process, or scaled by the process count, would not. The model is a small
mT5 built locally (no download), dropout 0, so nothing else is random.

Run:  .venv/bin/python benchmarks/ddp_equivalence.py [--steps 6] [--rows 96] [--batch 8]
Last line: JSON with processes, steps, max_rel_loss_diff (target <= 1e-3),
max_rel_grad_norm_diff, max_abs_weight_diff, losses.
"""

from __future__ import annotations

import argparse
import json
import os
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
AFRI = REPO.parent / "shared/realdata/swahili_instruct/afriinstruct/benchmark_swa_602.json"
SEED_DATA = REPO / "data" / "prompts" / "seed_sw.jsonl"
SHAPE = {
    "d_model": 64,
    "d_ff": 128,
    "num_layers": 2,
    "num_decoder_layers": 2,
    "num_heads": 4,
    "d_kv": 16,
}


def load_rows(n: int) -> tuple[list[dict], str]:
    """The first ``n`` AfriInstruct pairs, else the kit's seed prompts (said so)."""
    if AFRI.exists():
        rows = json.loads(AFRI.read_text(encoding="utf-8"))[:n]
        return [{"prompt": r["instruction"], "answer": r["output"]} for r in rows], "AfriInstruct"
    rows = [json.loads(x) for x in SEED_DATA.read_text(encoding="utf-8").splitlines() if x.strip()]
    print(f"NOTE: {AFRI} absent; using the kit's seed prompts", file=sys.stderr)
    pairs = [
        {"prompt": r["prompt"], "answer": r["references"][0]} for r in rows if r.get("references")
    ]
    return pairs[:n], "seed prompts (AfriInstruct absent)"


def worker(work: Path, out: Path, batch: int, steps: int) -> None:
    """One run (one process, or one rank of a launch): train, then rank 0 writes its log."""
    import torch

    from tutorial_lib.finetune.train import finetune

    torch.set_num_threads(1)
    result = finetune(
        work / "train.jsonl",
        out,
        str(work / "model"),
        optimizer="adamw",
        batch_size=batch,
        max_steps=steps,
        save_steps=steps,
        eval_steps=steps,
        logging_steps=1,
        seed=0,
    )
    if os.environ.get("RANK", "0") == "0":
        rows = [r for r in result.log_history if "loss" in r]
        world = int(os.environ.get("WORLD_SIZE", "1"))
        (out / "steps.json").write_text(json.dumps({"processes": world, "rows": rows}))


def _run(cmd: list[str]) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-6000:])
        raise SystemExit(f"run failed (exit {proc.returncode}): {' '.join(cmd)}")


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def compare(one: Path, two: Path) -> dict:
    """Per-step loss and gradient-norm differences, and the final weights' largest difference."""
    from safetensors.torch import load_file

    a, b = (json.loads((p / "steps.json").read_text()) for p in (one, two))
    if (a["processes"], b["processes"]) != (1, 2):
        raise SystemExit(f"expected 1 and 2 processes, ran {a['processes']} and {b['processes']}")
    a, b = a["rows"], b["rows"]
    if [r["step"] for r in a] != [r["step"] for r in b]:
        raise SystemExit(
            f"logged steps differ: {[r['step'] for r in a]} vs {[r['step'] for r in b]}"
        )
    wa, wb = (load_file(str(p / "model" / "model.safetensors")) for p in (one, two))
    return {
        "steps": len(a),
        "max_rel_loss_diff": max(_rel(x["loss"], y["loss"]) for x, y in zip(a, b)),
        "max_rel_grad_norm_diff": max(_rel(x["grad_norm"], y["grad_norm"]) for x, y in zip(a, b)),
        "max_abs_weight_diff": max(float((wa[k] - wb[k]).abs().max()) for k in wa),
        "losses": {"processes_1": [x["loss"] for x in a], "processes_2": [y["loss"] for y in b]},
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--rows", type=int, default=96)
    p.add_argument("--batch", type=int, default=8, help="global batch (even: split over 2)")
    p.add_argument("--worker", help=argparse.SUPPRESS)  # work folder of a worker run
    p.add_argument("--out", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        return worker(Path(a.worker), Path(a.out), a.batch, a.steps)
    if a.batch % 2:
        raise SystemExit("--batch must be even (it is split over 2 processes)")
    from tutorial_lib.finetune.tiny import build_tiny_mt5
    from tutorial_lib.instruction import model_input

    started = time.time()
    rows, source = load_rows(a.rows)
    with tempfile.TemporaryDirectory(prefix="ddp_eq_") as tmp:
        work = Path(tmp)
        (work / "train.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        texts = [model_input(r["prompt"], r.get("context")) for r in rows] + [
            r["answer"] for r in rows
        ]
        build_tiny_mt5(work / "model", texts, vocab_size=800, seed=0, shape=SHAPE)
        common = ["--worker", str(work), "--steps", str(a.steps)]
        _run(
            [sys.executable, __file__, *common, "--out", str(work / "p1"), "--batch", str(a.batch)]
        )
        _run(
            [
                sys.executable,
                "-m",
                "accelerate.commands.launch",
                "--multi_gpu",
                "--num_processes",
                "2",
                "--num_machines",
                "1",
                "--mixed_precision",
                "no",
                "--dynamo_backend",
                "no",
                __file__,
                *common,
                "--out",
                str(work / "p2"),
                "--batch",
                str(a.batch // 2),
            ]
        )
        result = compare(work / "p1", work / "p2")
    print(
        json.dumps(
            {
                "data": source,
                "rows": len(rows),
                "global_batch": a.batch,
                "processes": 2,
                "backend": "gloo, accelerate launch --multi_gpu on CPUs",
                "wall_s": round(time.time() - started, 1),
                **result,
            }
        )
    )


if __name__ == "__main__":
    main()
