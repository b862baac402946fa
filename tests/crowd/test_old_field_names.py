"""Run folders written before the renames still load: ``stage`` -> ``kind`` (the crowd project
kind of an assignment, a ledger event, a room) and ``answer_id`` -> ``assignment_id`` (a
decision's or QC result's answer). Old names are read; only the new ones are written."""

import json
import shutil
import sys
from pathlib import Path

from conftest import copy_crowd_stages
from tutorial_lib.config import load_config
from tutorial_lib.crowd.collect import collect_answers, read_sink
from tutorial_lib.crowd.design import validation_project
from tutorial_lib.crowd.ledger import Ledger, sink_ledger
from tutorial_lib.crowd.room_config import read_room, write_room
from tutorial_lib.crowd.simulated import SimulatedCrowd
from tutorial_lib.crowd.simulated_store import TRUTH
from tutorial_lib.jsonl import read_jsonl, write_jsonl
from tutorial_lib.pipeline import Pipeline
from tutorial_lib.records import Decision, QCResult

sys.path.insert(0, str(Path(__file__).parent))
from sim_prompts import make_prompts

PROMPTS = make_prompts(6)

OLD_NAMES = {"kind": "stage", "assignment_id": "answer_id"}


def _to_old(row: dict, keys: tuple[str, ...]) -> dict:
    return {OLD_NAMES[k] if k in keys else k: v for k, v in row.items()}


def _rewrite_jsonl(path, keys: tuple[str, ...]) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    text = "".join(json.dumps(_to_old(r, keys), ensure_ascii=False) + "\n" for r in rows)
    path.write_text(text, encoding="utf-8")


def _rewrite_ledger(path) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    old = [
        _to_old(r, ("kind", "assignment_id") if r["event"] == "verdict" else ("kind",))
        for r in rows
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in old), encoding="utf-8")


def test_old_assignment_and_decision_files_load_and_are_rewritten_with_new_names(tmp_path):
    crowd = SimulatedCrowd(PROMPTS[:4], tmp_path / "crowd", seed=3)
    sink = tmp_path / "answers.jsonl"
    answers = collect_answers(crowd, PROMPTS[:4], 2, sink)
    _rewrite_jsonl(sink, ("kind",))
    assert '"stage": "answers"' in sink.read_text(encoding="utf-8")
    assert read_sink(sink, "answers") == answers

    old = tmp_path / "decisions.jsonl"
    row = {"answer_id": "a-1", "prompt_id": "p", "worker_id": "w", "verdict": "accept"}
    old.write_text(json.dumps({**row, "score": 1.0, "confidence": 0.9, "votes": 3}) + "\n")
    (decision,) = read_jsonl(old, Decision)
    assert decision.assignment_id == "a-1"
    write_jsonl(old, [decision])
    written = json.loads(old.read_text(encoding="utf-8"))
    assert written["assignment_id"] == "a-1" and "answer_id" not in written

    qc = tmp_path / "qc.jsonl"
    qc.write_text(
        json.dumps({"answer_id": "a-2", "prompt_id": "p", "worker_id": "w", "passed": True})
    )
    assert read_jsonl(qc, QCResult)[0].assignment_id == "a-2"


def test_an_old_ledger_still_stops_paying_twice(tmp_path):
    crowd = SimulatedCrowd(PROMPTS[:5], tmp_path / "crowd", seed=1)
    sink = tmp_path / "answers.jsonl"
    first = collect_answers(crowd, PROMPTS[:5], 2, sink, budget_usd=50)
    ledger = sink_ledger(sink, "simulated")
    spent = ledger.spent_usd()
    _rewrite_ledger(ledger.path)
    _rewrite_jsonl(sink, ("kind",))
    assert '"stage": "answers"' in ledger.path.read_text(encoding="utf-8")
    assert ledger.projects("answers") and ledger.spent_usd(("answers",)) == spent

    again = SimulatedCrowd(PROMPTS[:5], tmp_path / "crowd", seed=1)  # a new process
    assert collect_answers(again, PROMPTS[:5], 2, sink, budget_usd=50) == first
    assert ledger.spent_usd() == spent and len(ledger.events("launch")) == 1
    new_rows = [json.loads(x) for x in ledger.path.read_text(encoding="utf-8").splitlines()]
    assert all("stage" in r for r in new_rows if r["event"] in ("project", "launch"))


def test_old_room_and_truth_files_load(tmp_path):
    write_room(
        "validation",
        [{"task_id": "ans-1", "prompt": "p", "answer": "a"}],
        tmp_path,
        validation_project(),
    )
    meta_file = tmp_path / "validation" / "room.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    assert meta["kind"] == "validation" and "stage" not in meta
    meta_file.write_text(json.dumps(_to_old(meta, ("kind",))), encoding="utf-8")
    assert read_room(tmp_path / "validation")["kind"] == "validation"

    (tmp_path / TRUTH).write_text(json.dumps({"answer_id": "a-1", "helpful": 1}) + "\n")
    assert SimulatedCrowd.load_truth(tmp_path) == {"a-1": {"helpful": 1}}


def test_an_old_run_folder_reruns_without_paying_or_deciding_again(ci_run_dir, tmp_path):
    """A finished run written with the old names: redoing its decisions (verdicts, dynamic
    overlap, re-collection, all read back from the old ledger) pays and decides nothing twice."""
    out = copy_crowd_stages(ci_run_dir, tmp_path / "old")
    shutil.rmtree(out / "05_dataset")
    for name in ("02_answers/answers.jsonl", "03_validation/votes.jsonl"):
        _rewrite_jsonl(out / name, ("kind",))
    for name in ("02_answers/qc.jsonl", "04_decisions/decisions.jsonl", "04_decisions/qc.jsonl"):
        _rewrite_jsonl(out / name, ("assignment_id",))
    ledger_file = out / "crowd" / "ledger.jsonl"
    _rewrite_ledger(ledger_file)
    before = ledger_file.read_text(encoding="utf-8")
    ledger = Ledger(ledger_file, backend="simulated")
    spent, verdicts = ledger.spent_usd(), ledger.verdicts()
    assert verdicts and all(isinstance(d, Decision) for d in verdicts.values())

    stages = ["prompts", "answers", "validation", "decisions", "dataset"]
    Pipeline(load_config("ci"), out).run(stages=stages, force=["decisions"])
    assert ledger.spent_usd() == spent and ledger.verdicts() == verdicts
    added = ledger_file.read_text(encoding="utf-8")[len(before) :].splitlines()
    added = [json.loads(r) for r in added]
    assert not [r for r in added if r["event"] in ("launch", "more", "verdict")]
    assert all("stage" not in r for r in added)  # whatever is written carries the new names
    assert (out / "05_dataset" / "manifest.json").exists()
