"""Per-method quality of the kit's aggregation on real crowd data with ground truth.

- CIFAR-10N (MTurk, 10 classes, 3 labels per image): accuracy against the
  original CIFAR-10 label for mv, wawa, ds, glad, mace (crowd-kit 1.4.2 via
  ``tutorial_lib.quality.aggregate``); "random worker" is one label per image.
- CrowdSpeech test-clean / test-other (Toloka transcriptions, ~7 per audio):
  word error rate against the LibriSpeech reference for rover and hrrasa
  (offline character n-gram encoder); "random worker" is one transcription
  per task. Texts are lower-cased and stripped of punctuation first (the
  references are), as in crowd-kit's own CrowdSpeech example.

Reads ../shared/realdata/crowd (never copied into the repo). Files are read
through ``tutorial_lib.quality.io.read_crowd_file``, the CLI's reader.
Run: .venv/bin/python benchmarks/aggregate_realdata.py [--cifar-tasks N] [--speech-tasks N]
Last output line: JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tutorial_lib.quality.aggregate import LABEL_METHODS, make_label_aggregator
from tutorial_lib.quality.io import read_crowd_file
from tutorial_lib.quality.text_aggregate import make_text_aggregator

CROWD = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "crowd"


def word_errors(hyp: str, ref: str) -> tuple[int, int]:
    """(Levenshtein distance in words, reference length)."""
    h, r = hyp.split(), ref.split()
    prev = list(range(len(h) + 1))
    for i, rw in enumerate(r, 1):
        cur = [i] + [0] * len(h)
        for j, hw in enumerate(h, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rw != hw))
        prev = cur
    return prev[-1], len(r)


def corpus_wer(hyps: dict, refs: dict) -> float:
    errs = [word_errors(hyps[t], refs[t]) for t in hyps]
    return sum(e for e, _ in errs) / max(1, sum(n for _, n in errs))


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())


def cifar(n_tasks: int) -> dict:
    df = read_crowd_file(CROWD / "cifar10n" / "train_toloka.csv")
    df = df[df.task.astype(int) < n_tasks]
    gold = pd.read_csv(CROWD / "cifar10n" / "labels.csv")
    truth = dict(zip(gold.img_index.astype(str), gold.clean_label.astype(str)))
    first = df.groupby("task").head(1)
    res = {"random worker": float((first.label == first.task.map(truth)).mean())}
    for method in LABEL_METHODS:
        start = time.perf_counter()
        out = make_label_aggregator(method).fit(df).result_frame()
        res[method] = float((out.label == out.task.map(truth)).mean())
        print(
            f"  cifar10n {method:6} acc {res[method]:.4f} ({time.perf_counter() - start:.1f} s)",
            file=sys.stderr,
        )
    return {"tasks": int(df.task.nunique()), "rows": len(df), "accuracy": res}


def speech(split: str, n_tasks: int | None) -> dict:
    df = read_crowd_file(CROWD / "crowdspeech" / f"crowdspeech-{split}-crowd.tsv", "text")
    gt = pd.read_csv(
        CROWD / "crowdspeech" / f"crowdspeech-{split}-gt.txt",
        sep="\t",
        header=None,
        names=["task", "text"],
        dtype=str,
        keep_default_na=False,
        quoting=3,
    )
    tasks = sorted(df.task.unique())[:n_tasks] if n_tasks else None
    if tasks is not None:
        df = df[df.task.isin(tasks)]
    df = df.assign(text=df.text.map(normalise))
    refs = {t: normalise(x) for t, x in zip(gt.task, gt.text)}
    first = df.groupby("task").head(1)
    res = {"random worker": corpus_wer(dict(zip(first.task, first.text)), refs)}
    for method in ("rover", "hrrasa"):
        start = time.perf_counter()
        out = make_text_aggregator(method).fit(df).result_frame()
        res[method] = corpus_wer(dict(zip(out.task, out.text)), refs)
        print(
            f"  crowdspeech {split} {method:6} WER {res[method]:.4f} "
            f"({time.perf_counter() - start:.1f} s)",
            file=sys.stderr,
        )
    return {"tasks": int(df.task.nunique()), "rows": len(df), "wer": res}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--cifar-tasks",
        type=int,
        default=5_000,
        help="first N images (GLAD takes ~10 minutes on all 50,000)",
    )
    ap.add_argument(
        "--speech-tasks",
        type=int,
        default=500,
        help="first N tasks per split, 0 for all (ROVER takes ~10 minutes on all)",
    )
    args = ap.parse_args()
    if not CROWD.exists():
        print(json.dumps({"skipped": f"{CROWD} absent"}))
        return
    result = {"cifar10n": cifar(args.cifar_tasks)}
    for split in ("test-clean", "test-other"):
        result[f"crowdspeech-{split}"] = speech(split, args.speech_tasks)
    print("\n| data | metric | " + " | ".join(["random worker", *LABEL_METHODS]) + " |")
    acc = result["cifar10n"]["accuracy"]
    print(
        f"| CIFAR-10N ({result['cifar10n']['tasks']} images) | accuracy | "
        + " | ".join(f"{acc[m]:.4f}" for m in ["random worker", *LABEL_METHODS])
        + " |"
    )
    print("\n| data | metric | random worker | rover | hrrasa |")
    for split in ("test-clean", "test-other"):
        r = result[f"crowdspeech-{split}"]
        print(
            f"| CrowdSpeech {split} ({r['tasks']} tasks) | WER | "
            + " | ".join(f"{r['wer'][m]:.4f}" for m in ("random worker", "rover", "hrrasa"))
            + " |"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
