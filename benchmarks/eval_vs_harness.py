"""Benchmark: the kit's XCOPA/XNLI/XStoryCloze scoring against lm-evaluation-harness 0.4.13.

Both score the same local model folder (an mt5-small-shaped mT5: d_model 512,
d_ff 1024, 8 layers, 6 heads, gated-gelu, reduced vocabulary, random weights,
built by ``tutorial_lib.finetune.tiny.build_tiny_mt5``) on the same local files
(``../shared/realdata``; never copied). The harness reads them through task
YAMLs generated into the work folder that ``include`` the harness's own
``xcopa_sw``/``xnli_sw``/``xstorycloze_sw`` YAMLs (so the prompts are its own
functions and templates) and only swap the dataset for ``json``/``csv`` +
``data_files``.

Each side runs in its own fresh Python process, one after the other, so the
whole wall time includes imports, model and data loading. The scoring phase is
timed inside: the kit's ``score_requests`` and the harness's
``HFLM.loglikelihood`` (tokenisation included on both sides).

Causal mode (``--family causal``): both sides score a decoder-only model instead,
a Llama-shaped random model (hidden 512, 8 layers, 8 heads, byte-level BPE
vocabulary trained on the benchmark texts; ``finetune.tiny_causal``), the
harness through ``HFLM(backend="causal")``.

Run:  python benchmarks/eval_vs_harness.py [--family causal] [--limit N] [--tasks ...]
The last output line is JSON: agreement, max_ll_diff, kit_acc, harness_acc,
kit_score_s, harness_score_s (task -> value), kit_wall_s, harness_wall_s, wall_speedup.
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
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
REALDATA = REPO.parent / "shared" / "realdata"
FILES = {
    "xcopa": REALDATA / "xcopa" / "data" / "sw" / "test.sw.jsonl",
    "xnli": REALDATA / "xnli" / "sw" / "test.jsonl",
    "xstorycloze": REALDATA / "xstorycloze" / "spring2016.val.sw.tsv.split_20_80_eval.tsv",
}
MT5_SMALL_SHAPE = {
    "d_model": 512,
    "d_ff": 1024,
    "num_layers": 8,
    "num_decoder_layers": 8,
    "num_heads": 6,
    "d_kv": 64,
}
DECODER_SHAPE = {
    "hidden_size": 512,
    "intermediate_size": 1408,
    "num_hidden_layers": 8,
    "num_attention_heads": 8,
    "num_key_value_heads": 8,
    "max_position_embeddings": 2048,
}
TARGETS = {
    "agreement": 0.995,
    "max_ll_diff": 0.01,
    "acc_points": 0.5,
    "score_speedup": {"xstorycloze": 1.5, "xcopa": 1.2, "xnli": 1.0},
    "wall_speedup": 2.0,
}


def harness_yaml(task: str, path: Path) -> str:
    """A task YAML that includes the harness's own ``<task>_sw`` and reads ``path``."""
    import lm_eval

    tasks_dir = Path(lm_eval.__file__).parent / "tasks"
    base = {
        "xcopa": tasks_dir / "xcopa" / "default_sw.yaml",
        "xnli": tasks_dir / "xnli" / "xnli_sw.yaml",
        "xstorycloze": tasks_dir / "xstorycloze" / "default_sw.yaml",
    }[task]
    lines = [
        f"include: {base}",
        f"task: kitbench_{task}_sw",
        "dataset_name: null",
        "training_split: null",
        "validation_split: null",
        "test_split: test",
    ]
    if task == "xstorycloze":
        # The official TSV has its own header and no quoting; the harness's
        # Jinja templates name the Hub's columns, so the same templates are
        # written against the TSV's column names.
        lines += [
            "dataset_path: csv",
            "dataset_kwargs:",
            f"  data_files: {{test: {json.dumps(str(path))}}}",
            '  delimiter: "\\t"',
            "  quoting: 3",
            (
                'doc_to_text: "{{[InputSentence1, InputSentence2, InputSentence3, InputSentence4]'
                "|join(' ')}}\""
            ),
            'doc_to_target: "{{AnswerRightEnding-1}}"',
            'doc_to_choice: "{{[RandomFifthSentenceQuiz1, RandomFifthSentenceQuiz2]}}"',
            "should_decontaminate: false",
        ]
    else:
        lines += [
            "dataset_path: json",
            "dataset_kwargs:",
            f"  data_files: {{test: {json.dumps(str(path))}}}",
        ]
    return "\n".join(lines) + "\n"


def _clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(started: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = _clocks()
    return round(wall - started[0], 3), round(cpu - started[1], 3)


def run_kit(model_dir: str, tasks: list[str], limit: int | None, batch_size: int) -> dict:
    """The kit's side, in this (fresh) process: what ``evaluate_task`` does, timed inside."""
    from tutorial_lib.evaluate.loaders import load_task_docs
    from tutorial_lib.evaluate.scoring import first_argmax, load_model, score_requests
    from tutorial_lib.evaluate.tasks import build_requests

    model, tokenizer = load_model(model_dir, device="cpu")
    out = {}
    for task in tasks:
        docs = load_task_docs(task, "sw", data_file=FILES[task])[:limit]
        requests = build_requests(task, "sw", docs)
        started = _clocks()
        scores = score_requests(model, tokenizer, requests, batch_size=batch_size)
        wall, cpu = _since(started)
        preds = [first_argmax(s) for s in scores]
        acc = sum(p == r.label for p, r in zip(preds, requests)) / len(requests)
        out[task] = {
            "acc": acc,
            "score_s": wall,
            "score_cpu_s": cpu,
            "scores": scores,
            "preds": preds,
        }
    return out


def run_harness(
    model_dir: str,
    tasks: list[str],
    limit: int | None,
    batch_size: int,
    task_dir: str,
    family: str = "seq2seq",
) -> dict:
    """The harness's side, in this (fresh) process: one simple_evaluate per task."""
    import lm_eval
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager

    lm = HFLM(
        pretrained=model_dir, backend=family, batch_size=batch_size, device="cpu", dtype="float32"
    )
    timer = {"wall": 0.0, "cpu": 0.0}
    inner = lm.loglikelihood

    def timed(requests, *args, **kwargs):
        started = _clocks()
        try:
            return inner(requests, *args, **kwargs)
        finally:
            wall, cpu = _since(started)
            timer["wall"] += wall
            timer["cpu"] += cpu

    lm.loglikelihood = timed
    manager = TaskManager(include_path=task_dir)
    out = {}
    for task in tasks:
        name = f"kitbench_{task}_sw"
        timer.update(wall=0.0, cpu=0.0)
        res = lm_eval.simple_evaluate(
            model=lm,
            tasks=[name],
            num_fewshot=0,
            limit=limit,
            task_manager=manager,
            log_samples=True,
        )
        samples = sorted(res["samples"][name], key=lambda s: s["doc_id"])
        scores = [[float(r[0]) for r in s["filtered_resps"]] for s in samples]
        out[task] = {
            "acc": res["results"][name]["acc,none"],
            "score_s": round(timer["wall"], 3),
            "score_cpu_s": round(timer["cpu"], 3),
            "scores": scores,
            "preds": [max(range(len(s)), key=lambda i: (s[i], -i)) for s in scores],
        }
    return out


def _subprocess(side: str, args, work: Path) -> tuple[dict, float, float]:
    """Run one side in a fresh interpreter; returns its result, wall and CPU seconds."""
    out = work / f"{side}.json"
    cmd = [
        sys.executable,
        __file__,
        "--_side",
        side,
        "--_model",
        str(work / "model"),
        "--_out",
        str(out),
        "--tasks",
        ",".join(args.tasks),
        "--batch-size",
        str(args.batch_size),
        "--_taskdir",
        str(work / "tasks"),
        "--threads",
        str(args.threads),
        "--family",
        args.family,
    ]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=REPO)
    wall = round(time.perf_counter() - started, 2)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = round(after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime, 2)
    return json.loads(out.read_text()), wall, cpu


def build_model(work: Path, vocab_size: int, family: str = "seq2seq") -> Path:
    """The mt5-small-shaped (or decoder) random model, its vocabulary trained on the benchmark texts."""
    from tutorial_lib.evaluate.loaders import load_task_docs
    from tutorial_lib.finetune.tiny import build_tiny_mt5

    texts = []
    for task, path in FILES.items():
        for doc in load_task_docs(task, "sw", data_file=path):
            texts += [v for k, v in doc.items() if isinstance(v, str) and k != "question"]
    if family == "causal":
        from tutorial_lib.finetune.tiny_causal import build_tiny_causal

        return build_tiny_causal(
            work / "model", texts, vocab_size=vocab_size, seed=0, shape=DECODER_SHAPE
        )
    model_dir = build_tiny_mt5(
        work / "model", texts, vocab_size=vocab_size, seed=0, shape=MT5_SMALL_SHAPE
    )
    tie_lm_head(model_dir)
    return model_dir


def tie_lm_head(model_dir: Path) -> None:
    """Make ``lm_head`` equal to the input embeddings, so both sides score one function.

    lm-eval 0.4.13's ``HFLM`` calls ``model.tie_weights()`` after loading, and
    transformers 5 forces ``MT5Config.tie_word_embeddings=True``: a checkpoint
    with its own ``lm_head`` (every real mT5/mT0, and the untrained stand-in)
    is then scored with the input embeddings as output layer. The kit keeps
    the checkpoint's ``lm_head``. A tied model makes the two identical.
    """
    import torch
    from transformers import AutoModelForSeq2SeqLM

    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, dtype="float32")
    if torch.equal(model.lm_head.weight, model.get_input_embeddings().weight):
        return
    model.lm_head.weight.data.copy_(model.get_input_embeddings().weight.data)
    model.save_pretrained(model_dir)


def compare(kit: dict, harness: dict) -> dict:
    """Per task: prediction agreement, max |ll diff| per choice, both accuracies."""
    report = {k: {} for k in ("agreement", "max_ll_diff", "kit_acc", "harness_acc", "n")}
    for task, a in kit.items():
        b = harness[task]
        if len(a["scores"]) != len(b["scores"]):
            raise SystemExit(
                f"{task}: kit scored {len(a['scores'])} docs, harness {len(b['scores'])}"
            )
        same = sum(x == y for x, y in zip(a["preds"], b["preds"]))
        diff = max(abs(x - y) for sa, sb in zip(a["scores"], b["scores"]) for x, y in zip(sa, sb))
        report["n"][task] = len(a["preds"])
        report["agreement"][task] = round(same / len(a["preds"]), 5)
        report["max_ll_diff"][task] = float(f"{diff:.3g}")
        report["kit_acc"][task] = round(a["acc"], 5)
        report["harness_acc"][task] = round(b["acc"], 5)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="documents per task (quick check)")
    parser.add_argument("--tasks", default="xcopa,xnli,xstorycloze")
    parser.add_argument(
        "--family",
        choices=("seq2seq", "causal"),
        default="seq2seq",
        help="score an mT5-shaped (seq2seq) or a Llama-shaped (causal) model",
    )
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--vocab-size", type=int, default=16000)
    parser.add_argument("--workdir", default=None, help="keep the model and YAMLs here")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads on both sides (1: steadier timings on a shared machine)",
    )
    for hidden in ("--_side", "--_model", "--_out", "--_taskdir"):
        parser.add_argument(hidden, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.tasks = [t for t in args.tasks.split(",") if t]
    if args._side:  # a child process: run one side and write its JSON
        import torch

        torch.set_num_threads(args.threads)
        fn = run_kit if args._side == "kit" else run_harness
        extra = (args._taskdir, args.family) if args._side == "harness" else ()
        result = fn(args._model, args.tasks, args.limit, args.batch_size, *extra)
        Path(args._out).write_text(json.dumps(result))
        return
    missing = [str(FILES[t]) for t in args.tasks if not FILES[t].exists()]
    if missing:
        raise SystemExit(f"real data missing: {', '.join(missing)}")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="eval_vs_harness_"))
    work.mkdir(parents=True, exist_ok=True)
    build_model(work, args.vocab_size, args.family)
    (work / "tasks").mkdir(exist_ok=True)
    for task in args.tasks:
        (work / "tasks" / f"kitbench_{task}_sw.yaml").write_text(harness_yaml(task, FILES[task]))
    kit, kit_wall, kit_cpu = _subprocess("kit", args, work)
    harness, harness_wall, harness_cpu = _subprocess("harness", args, work)
    report = compare(kit, harness)
    for key in ("score_s", "score_cpu_s"):
        report[f"kit_{key}"] = {t: kit[t][key] for t in args.tasks}
        report[f"harness_{key}"] = {t: harness[t][key] for t in args.tasks}
    report["score_speedup"] = {
        t: round(harness[t]["score_s"] / max(kit[t]["score_s"], 1e-9), 2) for t in args.tasks
    }
    report["score_cpu_speedup"] = {
        t: round(harness[t]["score_cpu_s"] / max(kit[t]["score_cpu_s"], 1e-9), 2)
        for t in args.tasks
    }
    report.update(
        kit_wall_s=kit_wall,
        harness_wall_s=harness_wall,
        wall_speedup=round(harness_wall / kit_wall, 2),
        kit_cpu_s=kit_cpu,
        harness_cpu_s=harness_cpu,
        cpu_speedup=round(harness_cpu / max(kit_cpu, 1e-9), 2),
        limit=args.limit,
        batch_size=args.batch_size,
        vocab_size=args.vocab_size,
        threads=args.threads,
        load_avg_1min=round(os.getloadavg()[0], 2),
        family=args.family,
        targets=TARGETS,
    )
    for task in args.tasks:
        print(
            f"{task:12s} n={report['n'][task]:5d} agree={report['agreement'][task]:.4f} "
            f"max|dll|={report['max_ll_diff'][task]:.2e} acc kit/harness="
            f"{report['kit_acc'][task]:.4f}/{report['harness_acc'][task]:.4f} score s kit/harness="
            f"{report['kit_score_s'][task]:.1f}/{report['harness_score_s'][task]:.1f} "
            f"(x{report['score_speedup'][task]}; CPU x{report['score_cpu_speedup'][task]})"
        )
    print(
        f"whole run: kit {kit_wall}s, harness {harness_wall}s (x{report['wall_speedup']}); "
        f"CPU kit {kit_cpu}s, harness {harness_cpu}s (x{report['cpu_speedup']})"
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
