"""The Toloka backend, through the real toloka-kit client, against the Toloka emulator."""

import logging
import pickle
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from emulated import Emulated, work, workers
from toloka_emulator import Worker

from tutorial_lib.crowd.backend import BackendError, VerdictTooLate
from tutorial_lib.crowd.design import answer_project, validation_project
from tutorial_lib.crowd.secrets import MissingSecret
from tutorial_lib.crowd.toloka import TolokaBackend, TolokaError

PROMPTS = [
    {
        "task_id": f"sw-{i}",
        "prompt": f"Eleza jambo la {i}.",
        "prompt_en": f"Explain {i}.",
        "context": "",
    }
    for i in range(4)
]
DAY = 86400.0


@pytest.fixture
def em():
    emulated = Emulated()
    yield emulated
    emulated.stop()


def _answers(em, backend, overlap=2, wait=3600.0):
    project_id = backend.create_project(answer_project())
    added = backend.add_tasks(project_id, PROMPTS, overlap=overlap)
    backend.open(project_id)
    em.clock.sleep(wait)
    return project_id, added


def test_answers_arrive_after_passable_training_and_nothing_is_paid_unasked(em, tmp_path):
    backend = em.backend(tmp_path)
    project_id, added = _answers(em, backend)
    assert added == 4 and backend.progress(project_id).done
    answers = backend.fetch(project_id)
    assert len(answers) == 8 and {a.task_id for a in answers} == {p["task_id"] for p in PROMPTS}
    assert all(a.worker_id.startswith("w_") and a.duration_s == 60.0 for a in answers)
    assert all(passed for passed in em.emu.trained.values())  # the quiz is passable
    assert em.emu.payments == []  # Part I waits for the kit's verdicts
    pool = em.emu.tables["pools"][backend._project(project_id)["pool_id"]]
    assert pool["status"] == "CLOSED" and backend.run_id in pool["private_name"]
    assert not any(
        c["collector_config"]["type"] == "ASSIGNMENTS_ASSESSMENT"
        for c in pool["quality_control"]["configs"]
    )


def test_free_text_training_would_lock_every_worker_out(em, tmp_path, monkeypatch):
    """Defect 1 as it was: model answers as known solutions; exact matching fails everyone."""
    from toloka.client import Task

    from tutorial_lib.crowd import toloka_setup

    def free_text(spec, training_id):
        return [
            Task(
                pool_id=training_id,
                input_values={**item.item, "task_id": f"t-{i}"},
                infinite_overlap=True,
                known_solutions=[Task.KnownSolution(output_values=dict(item.expected))],
            )
            for i, item in enumerate(spec.training_items)
        ]

    monkeypatch.setattr(toloka_setup, "build_training_tasks", free_text)
    backend = em.backend(tmp_path)
    project_id, _ = _answers(em, backend, wait=86400.0)
    assert backend.fetch(project_id) == [] and not any(em.emu.trained.values())


def test_training_gates_workers_who_miss_the_rules(tmp_path):
    crew = workers(2) + [Worker("careless", work("careless"), knows_rules=False)]
    em = Emulated(crew)
    try:
        backend = em.backend(tmp_path)
        project_id, _ = _answers(em, backend)
        pool_id = backend._project(project_id)["pool_id"]
        takers = {
            a["user_id"] for a in em.emu.tables["assignments"].values() if a["pool_id"] == pool_id
        }
        assert takers == {"toloker0", "toloker1"}
        assert em.emu.trained[("careless", backend._project(project_id)["training_id"])] is False
    finally:
        em.stop()


def test_skipped_and_expired_work_is_reissued_and_not_counted(tmp_path):
    crew = [
        Worker("skipper", work("skipper"), skips=True),
        Worker("sleeper", work("sleeper"), expires=True),
    ] + workers(3)
    em = Emulated(crew)
    try:
        backend = em.backend(tmp_path)
        project_id, _ = _answers(em, backend, wait=DAY)
        statuses = {a["status"] for a in em.emu.tables["assignments"].values()}
        assert {"SKIPPED", "EXPIRED", "SUBMITTED"} <= statuses
        answers = backend.fetch(project_id)
        assert len(answers) == 8 and all(a.status == "submitted" for a in answers)
        assert backend.progress(project_id).done
    finally:
        em.stop()


def test_verdicts_pay_once_and_a_late_rejection_is_reported_not_paid_twice(em, tmp_path):
    backend = em.backend(tmp_path, review_days=1)
    project_id, _ = _answers(em, backend)
    good, late = backend.fetch(project_id)[:2]
    backend.accept(good.assignment_id, "Asante")
    backend.accept(good.assignment_id, "Asante")  # a rerun: no second payment
    deadline = backend.review_deadline(project_id)
    assert deadline is not None and deadline <= em.clock.now().replace(microsecond=0) + __import__(
        "datetime"
    ).timedelta(days=1)
    em.clock.sleep(2 * DAY)  # the review period runs out
    with pytest.raises(VerdictTooLate, match="too late"):
        backend.reject(late.assignment_id, "Jibu halijibu swali")
    paid = [p["assignment_id"] for p in em.emu.payments]
    assert paid.count(good.assignment_id) == 1 and late.assignment_id in paid
    assert {p["how"] for p in em.emu.payments if p["assignment_id"] == late.assignment_id} == {
        "review"
    }
    with pytest.raises(BackendError, match="comment"):
        backend.reject(late.assignment_id, "  ")


def test_raise_overlap_buys_exactly_what_is_missing_and_stop_tasks_stops(em, tmp_path):
    backend = em.backend(tmp_path)
    project_id, _ = _answers(em, backend)
    pool_id = backend._project(project_id)["pool_id"]
    backend.raise_overlap(project_id, ["sw-0", "sw-1"], 1)
    backend.raise_overlap(project_id, ["sw-0", "sw-1"], 1)  # a rerun asks for nothing more
    overlaps = {t["input_values"]["task_id"]: t["overlap"] for t in em.emu.real_tasks(pool_id)}
    assert overlaps == {"sw-0": 3, "sw-1": 3, "sw-2": 2, "sw-3": 2}
    assert (
        "PATCH",
        "/api/v1/tasks/"
        + next(
            t["id"] for t in em.emu.real_tasks(pool_id) if t["input_values"]["task_id"] == "sw-0"
        ),
    ) in em.emu.requests
    backend.stop_tasks(project_id, ["sw-1"])  # answered meanwhile: stop asking
    em.clock.sleep(3600)
    got = [a.task_id for a in backend.fetch(project_id) if a.round == 1]
    assert got == ["sw-0"]


def test_retried_creates_never_make_a_second_pool(em, tmp_path):
    em.emu.fail("POST", "/api/v1/pools", status=500, commit=True)  # created, reply lost
    em.emu.fail("POST", "/api/v1/tasks", status=503, commit=True)
    em.emu.fail("GET", "/api/v1/tasks", status=429, times=2)
    em.emu.fail("PATCH", "/api/v1/assignments", status=500, commit=True)
    backend = em.backend(tmp_path)
    project_id, _ = _answers(em, backend)
    assert (
        len(em.emu.tables["pools"]) == 1
        and len(em.emu.real_tasks(backend._project(project_id)["pool_id"])) == 4
    )
    first = backend.fetch(project_id)[0]
    backend.accept(first.assignment_id)  # the PATCH went through, its reply was lost
    assert [p["assignment_id"] for p in em.emu.payments] == [first.assignment_id]
    assert backend.calls.retried >= 5


def test_failed_operation_and_low_balance_are_one_clear_error(em, tmp_path):
    backend = em.backend(tmp_path)
    project_id = backend.create_project(answer_project())
    backend.add_tasks(project_id, PROMPTS, overlap=2)
    em.emu.balance = 1.0
    with pytest.raises(TolokaError, match="balance is too low.*crowd plan"):
        backend.open(project_id)
    em.emu.balance = 1000.0
    em.emu.failing_ops.add("POOL.OPEN")
    with pytest.raises(TolokaError, match="operation .* ended FAIL"):
        backend.open(project_id)
    em.emu.failing_ops.clear()
    backend.open(project_id)


def test_runs_do_not_share_pools_and_an_archived_pool_is_found(em, tmp_path):
    pilot, real = em.backend(tmp_path / "pilot"), em.backend(tmp_path / "real")
    pilot_project, _ = _answers(em, pilot)
    real_project = real.create_project(answer_project())
    assert real_project == pilot_project  # projects are shared
    assert real._project(real_project)["pool_id"] != pilot._project(pilot_project)["pool_id"]
    assert real.fetch(real_project) == []  # the pilot's answers stay the pilot's
    em.clock.sleep(31 * DAY)  # the pilot's closed pool is archived
    pool_id = pilot._project(pilot_project)["pool_id"]
    assert em.emu.tables["pools"][pool_id]["status"] == "ARCHIVED"
    (tmp_path / "pilot" / "toloka_state.json").unlink()  # even without the state file
    n_pools, n_tasks = len(em.emu.tables["pools"]), len(em.emu.tables["tasks"])
    late = em.backend(tmp_path / "pilot")
    assert late.create_project(answer_project()) == pilot_project
    assert late.add_tasks(pilot_project, PROMPTS, overlap=2) == 0
    late.open(pilot_project)
    assert len(late.fetch(pilot_project)) == 8
    assert (len(em.emu.tables["pools"]), len(em.emu.tables["tasks"])) == (n_pools, n_tasks)
    with pytest.raises(TolokaError, match="archived"):
        late.add_tasks(pilot_project, PROMPTS + [dict(PROMPTS[0], task_id="sw-new")], 2)


def test_validation_pool_auto_accepts_golden_tasks_restrict_careless_raters(tmp_path):
    crew = workers(6) + [
        Worker("guesser", work("guesser", helpful=0), misses_golden=True, seconds=20.0)
    ]
    em = Emulated(crew)
    try:
        backend = em.backend(tmp_path, control_share=0.5)  # a golden task every 2nd suite
        answers_id, _ = _answers(em, backend)
        answers = backend.fetch(answers_id)
        validation = backend.create_project(validation_project())
        pool_id = backend._project(validation)["pool_id"]
        golden = [
            t
            for t in em.emu.tables["tasks"].values()
            if t["pool_id"] == pool_id and t.get("known_solutions")
        ]
        assert len(golden) == len(validation_project().control_items)
        tasks = [
            {
                "task_id": a.assignment_id,
                "prompt_id": a.task_id,
                "prompt": "Swali",
                "answer": a.answer,
            }
            for a in answers
        ]
        backend.add_tasks(validation, tasks, overlap=3)
        backend.open(validation)
        em.clock.sleep(DAY)
        votes = backend.fetch(validation)
        assert len(votes) == 3 * len(tasks) and not any(
            v.task_id.startswith("golden") for v in votes
        )
        by_author = {a.assignment_id: a.worker_id for a in answers}
        assert all(v.worker_id != by_author[v.task_id] for v in votes)
        paid = {p["assignment_id"]: p["how"] for p in em.emu.payments}
        assert all(paid[v.assignment_id] == "auto" for v in votes)  # raters paid at once
        assert ("guesser", em.emu.tables["pools"][pool_id]["project_id"]) in em.emu.restricted
    finally:
        em.stop()


def test_refuses_without_production_and_without_token(tmp_path, monkeypatch):
    with pytest.raises(TolokaError, match="sandbox in July 2024.*crowd.production"):
        TolokaBackend(tmp_path, production=False, token="x")
    with pytest.raises(TolokaError, match="sandbox"):
        TolokaBackend(tmp_path, production="yes", token="x")
    monkeypatch.delenv("TOLOKA_TOKEN", raising=False)
    with pytest.raises(MissingSecret, match="TOLOKA_TOKEN"):
        TolokaBackend(tmp_path, production=True, url="http://127.0.0.1:9", interactive=False)


def test_token_stays_out_of_reprs_errors_and_logs(em, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-" + em.emu.token
    backend = TolokaBackend(
        tmp_path, production=True, token=wrong, url=em.server.url, clock=em.clock
    )
    assert wrong not in repr(backend)
    with pytest.raises(TolokaError) as err:
        backend.create_project(answer_project())
    assert "AUTHENTICATION_ERROR" in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert wrong not in str(err.value) and wrong not in repr(err.value)
    assert wrong not in caplog.text
    assert em.emu.auth_headers[-1] == f"OAuth {wrong}"  # it was sent, only to the API
    with pytest.raises(TypeError):
        pickle.dumps(backend)
