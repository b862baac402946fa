"""Collection on any backend: resume-safe sinks, budget guard, more votes, re-collection."""

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from sim_prompts import make_prompts

import tutorial_lib.crowd.sink as sink_mod
from tutorial_lib.config import CrowdConfig
from tutorial_lib.crowd.backend import BackendError, CrowdBackend, Progress
from tutorial_lib.crowd.collect import (
    collect_answers,
    collect_rankings,
    collect_votes,
    make_backend,
    read_sink,
    request_more_answers,
    request_more_votes,
)
from tutorial_lib.crowd.design import validation_project
from tutorial_lib.crowd.pricing import BudgetExceeded
from tutorial_lib.crowd.simulated import SimulatedCrowd
from tutorial_lib.records import Assignment

PROMPTS = make_prompts(20)


def _crowd(workdir, seed=0):
    return make_backend(CrowdConfig(), workdir, PROMPTS, seed)


def _lines(path):
    return Path(path).read_text(encoding="utf-8").splitlines()


@pytest.mark.filterwarnings("ignore:pkg_resources")
def test_make_backend_picks_the_configured_one(tmp_path):
    assert isinstance(_crowd(tmp_path), SimulatedCrowd)
    with pytest.raises(BackendError, match="production"):  # Toloka's sandbox closed
        make_backend(CrowdConfig(backend="toloka"), tmp_path / "t", PROMPTS, 0)


def test_rerunning_collect_answers_adds_nothing(tmp_path):
    sink = tmp_path / "answers.jsonl"
    first = collect_answers(_crowd(tmp_path / "crowd"), PROMPTS, 2, sink)
    assert len(first) == 40 and len({a.assignment_id for a in first}) == 40
    lines = _lines(sink)
    again = collect_answers(_crowd(tmp_path / "crowd"), PROMPTS, 2, sink)  # a new process
    assert _lines(sink) == lines and [a.assignment_id for a in again] == [
        a.assignment_id for a in first
    ]


def test_interrupted_sink_resumes_to_the_full_set(tmp_path):
    sink = tmp_path / "answers.jsonl"
    full = collect_answers(_crowd(tmp_path / "crowd"), PROMPTS, 2, sink)
    lines = _lines(sink)
    sink.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    resumed = collect_answers(_crowd(tmp_path / "crowd"), PROMPTS, 2, sink)
    assert sorted(_lines(sink)) == sorted(lines)
    assert {a.assignment_id for a in resumed} == {a.assignment_id for a in full}


def test_truth_never_reaches_the_sink(tmp_path):
    sink = tmp_path / "answers.jsonl"
    collect_answers(_crowd(tmp_path / "crowd"), PROMPTS, 2, sink)
    truth = SimulatedCrowd.load_truth(tmp_path / "crowd")
    assert len(truth) == 40
    for line in _lines(sink):
        row = json.loads(line)
        assert not {"helpful", "profile", "variant"} & (set(row) | set(row["extra"]))


def test_budget_guard_refuses_before_anything_is_created(tmp_path):
    crowd = _crowd(tmp_path / "crowd")
    sink = tmp_path / "answers.jsonl"
    with pytest.raises(BudgetExceeded, match="budget"):
        collect_answers(crowd, PROMPTS, 2, sink, budget_usd=1.0)
    assert not sink.exists()
    assert crowd.progress(crowd.create_project(validation_project())).total == 0
    assert all(p["status"] == "created" for p in crowd.state["projects"].values())
    assert len(collect_answers(crowd, PROMPTS, 2, sink, budget_usd=100.0)) == 40


def test_votes_then_more_votes_only_returns_new_ones(tmp_path):
    crowd = _crowd(tmp_path / "crowd")
    answers = collect_answers(crowd, PROMPTS, 1, tmp_path / "answers.jsonl")
    sink = tmp_path / "votes.jsonl"
    votes = collect_votes(crowd, answers, PROMPTS, 3, sink)
    assert len(votes) == 60 and Counter(Counter(v.task_id for v in votes).values()) == {3: 20}
    assert collect_votes(crowd, answers, PROMPTS, 3, sink) == votes
    unsure = [a.assignment_id for a in answers[:5]]
    new = request_more_votes(crowd, unsure, 1, sink)
    assert len(new) == 5 and {v.task_id for v in new} == set(unsure)
    assert not {v.assignment_id for v in new} & {v.assignment_id for v in votes}
    counts = Counter(v.task_id for v in read_sink(sink))
    assert all(counts[t] == 4 for t in unsure) and len(read_sink(sink)) == 65
    # Asking again once those votes are in is a genuine new request (dynamic overlap step 2).
    assert len(request_more_votes(crowd, unsure[:2], 1, sink)) == 2


def test_more_votes_after_a_crash_are_collected_not_asked_twice(tmp_path, monkeypatch):
    crowd = _crowd(tmp_path / "crowd")
    answers = collect_answers(crowd, PROMPTS, 1, tmp_path / "answers.jsonl")
    sink = tmp_path / "votes.jsonl"
    collect_votes(crowd, answers, PROMPTS, 3, sink)
    real_append = sink_mod.append_jsonl

    def crash_on_sink(path, records):
        if Path(path) == sink:
            raise KeyboardInterrupt("power cut")
        return real_append(path, records)

    unsure = [a.assignment_id for a in answers[:4]]
    monkeypatch.setattr(sink_mod, "append_jsonl", crash_on_sink)
    with pytest.raises(KeyboardInterrupt):
        request_more_votes(crowd, unsure, 1, sink)
    monkeypatch.setattr(sink_mod, "append_jsonl", real_append)
    again = SimulatedCrowd(PROMPTS, tmp_path / "crowd")  # the stage re-runs in a new process
    new = request_more_votes(again, unsure, 1, sink)
    assert len(new) == 4
    assert all(
        n == 4 for t, n in Counter(v.task_id for v in read_sink(sink)).items() if t in unsure
    )
    vid = next(p for p in again.state["projects"] if "validation" in p)
    assert again.progress(vid).total == 20 * 3 + 4  # paid once


def test_recollection_stamps_the_round(tmp_path):
    crowd = _crowd(tmp_path / "crowd")
    sink = tmp_path / "answers.jsonl"
    answers = collect_answers(crowd, PROMPTS, 2, sink)
    rejected = answers[0]
    crowd.reject(rejected.assignment_id, "Jibu halijibu swali")
    new = request_more_answers(crowd, [rejected.task_id], 1, sink, round=1)
    assert len(new) == 1 and new[0].round == 1 and new[0].task_id == rejected.task_id
    assert new[0].worker_id not in {a.worker_id for a in answers if a.task_id == rejected.task_id}
    assert len(read_sink(sink, "answers")) == 41
    with pytest.raises(ValueError, match="round"):
        request_more_answers(crowd, [rejected.task_id], 1, sink, round=0)


def test_more_votes_need_a_known_project(tmp_path):
    with pytest.raises(BackendError, match="no validation project"):
        request_more_votes(_crowd(tmp_path / "crowd"), ["x"], 1, tmp_path / "votes.jsonl")


def test_votes_for_unknown_prompts_fail_clearly(tmp_path):
    crowd = _crowd(tmp_path / "crowd")
    answers = collect_answers(crowd, PROMPTS, 1, tmp_path / "answers.jsonl")
    with pytest.raises(BackendError, match="not among the prompts"):
        collect_votes(crowd, answers, PROMPTS[:3], 3, tmp_path / "votes.jsonl")


def test_likert_votes_and_rankings(tmp_path):
    crowd = _crowd(tmp_path / "crowd")
    answers = collect_answers(crowd, PROMPTS[:6], 1, tmp_path / "answers.jsonl")
    votes = collect_votes(
        crowd, answers, PROMPTS, 3, tmp_path / "votes.jsonl", spec=validation_project("likert5")
    )
    assert {v.label for v in votes} <= set(range(1, 6))
    pairs = [
        {
            "task_id": f"cmp-{p.id}",
            "prompt_id": p.id,
            "prompt": p.prompt,
            "answer_a": p.references[0],
            "answer_b": "sawa",
            "model_a": "a",
            "model_b": "b",
        }
        for p in PROMPTS[:6]
    ]
    ranks = collect_rankings(crowd, pairs, 3, tmp_path / "ranking.jsonl")
    assert len(ranks) == 18 and {r.kind for r in ranks} == {"ranking"}
    assert collect_rankings(crowd, pairs, 3, tmp_path / "ranking.jsonl") == ranks


class SlowBackend(CrowdBackend):
    """A backend whose workers hand in one assignment per progress poll."""

    name = "room"

    def __init__(self):
        self.tasks, self.done = [], []

    def create_project(self, spec):
        return "p1"

    def add_tasks(self, project_id, tasks, overlap):
        new = [t for t in tasks if t["task_id"] not in {x["task_id"] for x in self.tasks}]
        self.tasks += new
        return len(new)

    def open(self, project_id):
        pass

    def progress(self, project_id):
        if len(self.done) < len(self.tasks):
            t = self.tasks[len(self.done)]
            self.done.append(
                Assignment(
                    f"a-{t['task_id']}",
                    t["task_id"],
                    "w_0000000001",
                    "answers",
                    "room",
                    "2025-01-01T00:00:00+00:00",
                    30.0,
                    answer="Jibu refu la kutosha kwa Kiswahili.",
                )
            )
        return Progress(len(self.tasks), len(self.done))

    def fetch(self, project_id):
        return list(self.done)

    def accept(self, assignment_id, comment=""):
        pass

    def reject(self, assignment_id, comment):
        pass

    def raise_overlap(self, project_id, task_ids, extra=1):
        pass

    def close(self, project_id):
        pass


def test_timeout_keeps_what_arrived_and_a_rerun_continues(tmp_path):
    backend, sink = SlowBackend(), tmp_path / "answers.jsonl"
    part = collect_answers(backend, PROMPTS[:10], 1, sink, timeout_s=0.05, poll_s=0.02)
    assert 0 < len(part) < 10
    full = collect_answers(backend, PROMPTS[:10], 1, sink, poll_s=0.0)
    assert len(full) == 10 and len(_lines(sink)) == 10
