"""The simulated crowd: lifecycle, reconstruction, hidden truth, worker profiles, difficulty."""

import json
import re
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from sim_prompts import make_prompts

from tutorial_lib.crowd.backend import BackendError
from tutorial_lib.crowd.design import answer_project, ranking_project, validation_project
from tutorial_lib.crowd.simulated import SimulatedCrowd
from tutorial_lib.crowd.simulated_store import WORKERS
from tutorial_lib.records import to_dict

ENGLISH_WORDS = {"the", "is", "and", "it", "you", "in", "of", "about", "think", "answer"}
TRUTH_KEYS = {"helpful", "profile", "variant"}


def _worker_profiles(workdir):
    """The hidden profile per worker id, as the simulator saved its pool."""
    return json.loads((Path(workdir) / WORKERS).read_text(encoding="utf-8"))["workers"]


def _answer_tasks(prompts):
    return [{"task_id": p.id, "prompt": p.prompt, "prompt_en": p.prompt_en} for p in prompts]


def _vote_tasks(answers):
    return [
        {"task_id": a.assignment_id, "prompt_id": a.task_id, "prompt": "?", "answer": a.answer}
        for a in answers
    ]


def _run(workdir, prompts, seed=0, answer_overlap=2, votes=3, scale="binary", n_workers=40):
    crowd = SimulatedCrowd(prompts, workdir, seed=seed, n_workers=n_workers)
    pid = crowd.create_project(answer_project())
    crowd.add_tasks(pid, _answer_tasks(prompts), answer_overlap)
    crowd.open(pid)
    answers = crowd.fetch(pid)
    vid = crowd.create_project(validation_project(scale))
    crowd.add_tasks(vid, _vote_tasks(answers), votes)
    crowd.open(vid)
    return crowd, pid, vid, answers, crowd.fetch(vid)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """One 160-prompt run (2 answers, 3 votes each) shared by the profile tests."""
    workdir = tmp_path_factory.mktemp("sim_big")
    crowd, _pid, _vid, answers, votes = _run(workdir, make_prompts(160))
    return workdir, crowd, answers, votes


def test_lifecycle_is_idempotent_and_complete(tmp_path):
    prompts = make_prompts(12)
    crowd = SimulatedCrowd(prompts, tmp_path, seed=3)
    pid = crowd.create_project(answer_project())
    assert crowd.create_project(answer_project()) == pid
    assert crowd.add_tasks(pid, _answer_tasks(prompts[:8]), 2) == 8
    assert crowd.add_tasks(pid, _answer_tasks(prompts), 2) == 4  # known ids skipped
    before = crowd.progress(pid)
    assert (before.total, before.submitted, before.done) == (24, 0, False)
    crowd.open(pid)
    crowd.open(pid)
    after = crowd.progress(pid)
    assert after.done and after.fraction == 1.0
    answers = crowd.fetch(pid)
    assert len(answers) == 24 and len({a.assignment_id for a in answers}) == 24
    per_task = defaultdict(set)
    for a in answers:
        per_task[a.task_id].add(a.worker_id)
        assert a.kind == "answers" and a.backend == "simulated" and a.status == "submitted"
        assert re.fullmatch(r"w_[0-9a-f]{10}", a.worker_id)
    assert all(len(w) == 2 for w in per_task.values())  # two different writers per prompt
    with pytest.raises(BackendError, match="no project"):
        crowd.progress("sim-nope")
    with pytest.raises(BackendError, match="task_id"):
        crowd.add_tasks(pid, [{"prompt": "no id"}], 1)


def test_state_is_reconstructible_and_seeded(tmp_path):
    prompts = make_prompts(10)
    _, pid, _vid, answers, votes = _run(tmp_path / "a", prompts, seed=5)
    again = SimulatedCrowd(prompts, tmp_path / "a", seed=5)  # another process, same workdir
    assert [to_dict(a) for a in again.fetch(pid)] == [to_dict(a) for a in answers]
    assert again.add_tasks(pid, _answer_tasks(prompts), 2) == 0
    again.open(pid)
    assert len(again.fetch(pid)) == len(answers)  # nothing created twice
    _, _, _, answers_b, votes_b = _run(tmp_path / "b", prompts, seed=5)  # fresh dir, same seed
    assert [to_dict(a) for a in answers_b] == [to_dict(a) for a in answers]
    assert [to_dict(v) for v in votes_b] == [to_dict(v) for v in votes]
    _, _, _, answers_c, _ = _run(tmp_path / "c", prompts, seed=6)
    assert {a.assignment_id for a in answers_c}.isdisjoint({a.assignment_id for a in answers})
    with pytest.raises(BackendError, match="another simulation"):
        SimulatedCrowd(prompts, tmp_path / "a", seed=6)


def test_truth_is_hidden_from_assignments_but_kept_aside(big):
    workdir, _crowd, answers, votes = big
    truth = SimulatedCrowd.load_truth(workdir)
    assert set(truth) == {a.assignment_id for a in answers}
    for record in answers + votes:
        row = to_dict(record)
        assert not TRUTH_KEYS & set(row) and not TRUTH_KEYS & set(row["extra"])
        dumped = json.dumps(row)
        assert '"variant"' not in dumped and '"profile"' not in dumped
    assert {a.worker_id for a in answers} >= {t["worker_id"] for t in truth.values()}
    share = sum(t["helpful"] for t in truth.values()) / len(truth)
    assert 0.5 <= share <= 0.75


def test_writer_profiles_behave(tmp_path):
    mix = {"writers": {"diligent": 0.4, "spammer": 0.3, "english": 0.3}}
    crowd = SimulatedCrowd(make_prompts(40), tmp_path, seed=1, mix=mix)
    pid = crowd.create_project(answer_project())
    crowd.add_tasks(pid, _answer_tasks(make_prompts(40)), 2)
    crowd.open(pid)
    truth = SimulatedCrowd.load_truth(tmp_path)
    by_profile = defaultdict(list)
    for a in crowd.fetch(pid):
        by_profile[truth[a.assignment_id]["profile"]].append(a)
    assert set(by_profile) == {"diligent", "spammer", "english"}
    speed = {p: statistics.median(a.duration_s for a in rows) for p, rows in by_profile.items()}
    assert speed["spammer"] * 4 < speed["diligent"]
    english = [a for a in by_profile["english"] if truth[a.assignment_id]["variant"] == "english"]
    assert english and all(truth[a.assignment_id]["helpful"] is False for a in english)
    for a in english:
        words = set(re.findall(r"[a-z]+", a.answer.lower()))
        assert len(words & ENGLISH_WORDS) >= 2, a.answer
    assert all(
        len(a.answer) <= 15
        for a in by_profile["spammer"]
        if truth[a.assignment_id]["variant"] == "junk"
    )


def test_good_answers_are_varied_and_copies_copy(big):
    workdir, _crowd, answers, _ = big
    truth = SimulatedCrowd.load_truth(workdir)
    good = [a for a in answers if truth[a.assignment_id]["variant"] == "good"]
    prompts = {p.id: p for p in make_prompts(160)}
    assert all(a.answer != prompts[a.task_id].references[0] for a in good)  # varied, not pasted
    two = defaultdict(list)
    for a in good:
        two[a.task_id].append(a.answer)
    assert all(len(set(texts)) == len(texts) for texts in two.values())
    copies = [a for a in answers if truth[a.assignment_id]["variant"] == "copy"]
    assert copies and all(prompts[a.task_id].prompt in a.answer for a in copies)


def test_validator_profiles_behave(big):
    workdir, _crowd, _, votes = big
    truth = SimulatedCrowd.load_truth(workdir)
    profiles = _worker_profiles(workdir)
    right, yes = defaultdict(list), defaultdict(list)
    for v in votes:
        kind = profiles[v.worker_id]["validator"]["profile"]
        right[kind].append(v.label == int(truth[v.task_id]["helpful"]))
        yes[kind].append(v.label)
        assert set(v.extra) == {"harmless", "truthful"}
    rate = {k: sum(r) / len(r) for k, r in right.items()}
    assert rate["diligent"] >= 0.9 and rate["spammer"] < 0.7
    assert 0.55 < rate["careless"] < 0.85
    assert sum(yes["always_yes"]) / len(yes["always_yes"]) >= 0.9
    durations = defaultdict(list)
    for v in votes:
        durations[profiles[v.worker_id]["validator"]["profile"]].append(v.duration_s)
    assert statistics.median(durations["spammer"]) < statistics.median(durations["diligent"])


def test_exam_keeps_failed_workers_off_real_tasks(big):
    workdir, _crowd, answers, votes = big
    profiles = _worker_profiles(workdir)
    assert all(profiles[a.worker_id]["passed"]["writer"] for a in answers)
    assert all(profiles[v.worker_id]["passed"]["validator"] for v in votes)
    pass_rate = defaultdict(list)
    for w in profiles.values():
        pass_rate[w["validator"]["profile"]].append(w["passed"]["validator"])
    assert sum(pass_rate["diligent"]) / len(pass_rate["diligent"]) > 0.85
    assert sum(pass_rate["spammer"]) / len(pass_rate["spammer"]) < 0.5
    truth = SimulatedCrowd.load_truth(workdir)
    assert all(truth[v.task_id]["worker_id"] != v.worker_id for v in votes)  # no self-rating


def test_accept_reject_and_recollection(tmp_path):
    prompts = make_prompts(6)
    crowd, pid, _, answers, _ = _run(tmp_path, prompts, votes=1)
    good, bad = answers[0], answers[1]
    with pytest.raises(BackendError, match="comment"):
        crowd.reject(bad.assignment_id, " ")
    crowd.accept(good.assignment_id)
    crowd.accept(good.assignment_id)  # idempotent
    crowd.reject(bad.assignment_id, "Jibu limeandikwa kwa Kiingereza")
    with pytest.raises(BackendError, match="already rejected"):
        crowd.accept(bad.assignment_id)
    crowd.raise_overlap(pid, [bad.task_id], extra=1)
    reloaded = {a.assignment_id: a for a in SimulatedCrowd(prompts, tmp_path).fetch(pid)}
    assert reloaded[good.assignment_id].status == "accepted"
    assert reloaded[bad.assignment_id].comment == "Jibu limeandikwa kwa Kiingereza"
    redo = [a for a in reloaded.values() if a.task_id == bad.task_id]
    assert len(redo) == 3 and Counter(a.round for a in redo) == {0: 2, 1: 1}
    assert len({a.worker_id for a in redo}) == 3
    with pytest.raises(BackendError, match="raise n_workers"):
        crowd.raise_overlap(pid, [bad.task_id], extra=50)
    with pytest.raises(BackendError, match="no task"):
        crowd.raise_overlap(pid, ["missing"], 1)


def test_likert_votes_and_optional_questions(tmp_path):
    prompts = make_prompts(8)
    crowd = SimulatedCrowd(prompts, tmp_path)
    pid = crowd.create_project(answer_project())
    crowd.add_tasks(pid, _answer_tasks(prompts), 1)
    crowd.open(pid)
    vid = crowd.create_project(validation_project("likert5", ask_harmless=False))
    crowd.add_tasks(vid, _vote_tasks(crowd.fetch(pid)), 3)
    crowd.open(vid)
    votes = crowd.fetch(vid)
    assert {v.label for v in votes} <= {1, 2, 3, 4, 5} and len({v.label for v in votes}) >= 3
    assert all(set(v.extra) == {"truthful"} for v in votes)


def test_ranking_prefers_the_answer_closer_to_the_references(tmp_path):
    prompts = make_prompts(30)
    crowd = SimulatedCrowd(prompts, tmp_path, seed=2)
    rid = crowd.create_project(ranking_project())
    tasks = []
    for i, p in enumerate(prompts):
        good, bad = p.references[0], "sawa"
        a, b = (good, bad) if i % 2 else (bad, good)
        tasks.append(
            {
                "task_id": f"cmp-{p.id}",
                "prompt_id": p.id,
                "prompt": p.prompt,
                "answer_a": a,
                "answer_b": b,
                "model_a": "x",
                "model_b": "y",
            }
        )
    crowd.add_tasks(rid, tasks, 3)
    crowd.open(rid)
    votes = crowd.fetch(rid)
    assert {v.label for v in votes} == {0, 1} and all(v.kind == "ranking" for v in votes)
    good_side = {t["task_id"]: 0 if t["answer_a"] != "sawa" else 1 for t in tasks}
    profiles = _worker_profiles(tmp_path)
    by_kind = defaultdict(list)
    for v in votes:
        by_kind[profiles[v.worker_id]["validator"]["profile"]].append(v)
    diligent = by_kind["diligent"]
    assert sum(v.label == good_side[v.task_id] for v in diligent) / len(diligent) > 0.9
    yes_sayers = by_kind["always_yes"]  # their bias shows as picking the first answer
    assert yes_sayers and sum(v.label == 0 for v in yes_sayers) / len(yes_sayers) > 0.8


@pytest.mark.parametrize("seed", [0, 1])
def test_majority_of_three_is_not_enough(tmp_path, seed):
    """The difficulty the quality benchmark relies on: MV@3 stays below 93% accurate."""
    _, _, _, _answers, votes = _run(tmp_path, make_prompts(160), seed=seed)
    truth = SimulatedCrowd.load_truth(tmp_path)
    labels = defaultdict(list)
    for v in votes:
        labels[v.task_id].append(v.label)
    assert all(len(v) == 3 for v in labels.values()) and len(labels) == 320
    accuracy = sum((sum(v) >= 2) == truth[t]["helpful"] for t, v in labels.items()) / len(labels)
    assert 0.75 < accuracy < 0.93, accuracy
