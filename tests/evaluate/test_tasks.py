"""The kit's requests equal the ones lm-evaluation-harness 0.4.13 builds from its own task YAMLs.

The harness side includes the installed ``xcopa_sw``/``xnli_sw``/``xstorycloze_sw``
YAMLs (their own prompt functions and templates) and only swaps the dataset for
local files, then builds its requests; the kit must produce the same
(context, " " + choice) pairs, zero- and few-shot.
"""

import json
from pathlib import Path

import pytest

from tutorial_lib.evaluate.loaders import load_task_docs
from tutorial_lib.evaluate.tasks import build_requests

lm_eval = pytest.importorskip("lm_eval")

SMOKE = Path(__file__).resolve().parents[2] / "data" / "smoke"
HARNESS_TASKS = Path(lm_eval.__file__).parent / "tasks"


def _write_jsonl(path: Path, docs: list[dict]) -> Path:
    rows = [{k: v for k, v in d.items() if k != "_row"} for d in docs]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def _harness_requests(
    tmp_path: Path, base: str, name: str, files: dict, extra: str, num_fewshot: int, limit: int
) -> list[tuple[str, str]]:
    from lm_eval.tasks import TaskManager, get_task_dict

    data_files = ", ".join(f"{split}: {json.dumps(str(p))}" for split, p in files.items())
    (tmp_path / f"{name}.yaml").write_text(
        f"include: {HARNESS_TASKS / base}\ntask: {name}\ndataset_path: json\n"
        f"dataset_name: null\ndataset_kwargs:\n  data_files: {{{data_files}}}\n{extra}",
        "utf-8",
    )
    manager = TaskManager(include_path=str(tmp_path), include_defaults=False)
    task = get_task_dict([name], manager)[name]
    task.set_config(key="num_fewshot", value=num_fewshot)
    task.set_fewshot_seed(seed=1234)
    task.build_all_requests(limit=limit, rank=0, world_size=1)
    ordered = sorted(task.instances, key=lambda inst: (inst.doc_id, inst.idx))
    return [inst.arguments for inst in ordered]


def _kit_requests(task, docs, pool, num_fewshot, limit):
    requests = build_requests(task, "sw", docs[:limit], num_fewshot=num_fewshot, fewshot_docs=pool)
    return [(r.context, " " + c) for r in requests for c in r.choices]


@pytest.mark.parametrize("num_fewshot", [0, 2])
def test_xcopa_requests_match_harness(tmp_path, num_fewshot):
    docs = load_task_docs("xcopa", "sw", SMOKE / "xcopa" / "test.sw.jsonl")
    val = _write_jsonl(tmp_path / "val.jsonl", docs[-8:])
    pool = load_task_docs("xcopa", "sw", val)
    harness = _harness_requests(
        tmp_path,
        "xcopa/default_sw.yaml",
        f"kit_xcopa_{num_fewshot}",
        {"test": SMOKE / "xcopa" / "test.sw.jsonl", "validation": val},
        "",
        num_fewshot,
        6,
    )
    assert _kit_requests("xcopa", docs, pool, num_fewshot, 6) == harness


@pytest.mark.parametrize("num_fewshot", [0, 3])
def test_xnli_requests_match_harness(tmp_path, num_fewshot):
    test_file = SMOKE / "xnli" / "test.sw.jsonl"
    docs = load_task_docs("xnli", "sw", test_file)
    harness = _harness_requests(
        tmp_path,
        "xnli/xnli_sw.yaml",
        f"kit_xnli_{num_fewshot}",
        {"validation": test_file, "train": test_file},
        "",
        num_fewshot,
        5,
    )
    if num_fewshot == 0:
        assert {ctx for ctx, _ in harness} == {""}  # XNLI: everything is in the choices
    assert _kit_requests("xnli", docs, docs, num_fewshot, 5) == harness


@pytest.mark.parametrize("num_fewshot", [0, 2])
def test_xstorycloze_requests_match_harness(tmp_path, num_fewshot):
    folder = SMOKE / "xstorycloze"
    docs = load_task_docs(
        "xstorycloze", "sw", folder / "spring2016.val.sw.tsv.split_20_80_eval.tsv"
    )
    pool = load_task_docs(
        "xstorycloze", "sw", folder / "spring2016.val.sw.tsv.split_20_80_train.tsv"
    )
    # The harness reads the Hub's field names; the kit's TSV loader produced them.
    harness = _harness_requests(
        tmp_path,
        "xstorycloze/default_sw.yaml",
        f"kit_xsc_{num_fewshot}",
        {
            "eval": _write_jsonl(tmp_path / "eval.jsonl", docs),
            "train": _write_jsonl(tmp_path / "train.jsonl", pool),
        },
        "",
        num_fewshot,
        6,
    )
    assert _kit_requests("xstorycloze", docs, pool, num_fewshot, 6) == harness


def test_fewshot_from_the_evaluated_split_leaves_the_document_out():
    docs = load_task_docs("xcopa", "sw", SMOKE / "xcopa" / "test.sw.jsonl")
    requests = build_requests(
        "xcopa", "sw", docs, num_fewshot=len(docs) - 1, fewshot_docs=docs, exclude_self=True
    )
    for doc, req in zip(docs, requests):
        shots = req.context.split("\n\n")[:-1]
        assert len(shots) == len(docs) - 1
        assert not any(s.startswith(doc["premise"].strip()[:-1] + " ") for s in shots)


def test_fewshot_needs_documents_and_a_valid_count():
    docs = load_task_docs("xcopa", "sw", SMOKE / "xcopa" / "test.sw.jsonl")
    with pytest.raises(ValueError, match="validation split"):
        build_requests("xcopa", "sw", docs, num_fewshot=2)
    with pytest.raises(ValueError, match="only 3 few-shot"):
        build_requests("xcopa", "sw", docs, num_fewshot=5, fewshot_docs=docs[:3])
    with pytest.raises(ValueError, match="unknown task"):
        build_requests("copa", "sw", docs)
