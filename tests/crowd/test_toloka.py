"""The Toloka backend driving the real toloka-kit client against a local stub of the API."""
import logging
import sys
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message="pkg_resources")
sys.path.insert(0, str(Path(__file__).parent))
from toloka_stub import TolokaStub

from tutorial_lib.crowd.backend import BackendError
from tutorial_lib.crowd.design import answer_project, validation_project
from tutorial_lib.crowd.secrets import MissingSecret
from tutorial_lib.crowd.toloka import TolokaBackend, TolokaError

WORKERS = ["tolokerA", "tolokerB", "tolokerC", "tolokerD", "tolokerE"]
PROMPTS = [{"task_id": f"sw-{i}", "prompt": f"Eleza jambo la {i}.", "prompt_en": f"Explain {i}.",
            "context": ""} for i in range(4)]


def _answer(inputs, worker):
    return {"answer": f"Jibu la {worker} kuhusu {inputs['prompt']} kwa maneno ya kutosha."}


def _vote(inputs, worker):
    return {"helpful": int(worker != "tolokerA"), "harmless": 1, "truthful": 1}


@pytest.fixture
def stub():
    server = TolokaStub().start()
    yield server
    server.stop()


def _backend(stub, workdir):
    return TolokaBackend(workdir, production=True, token=stub.token, url=stub.url)


def _answers_round(stub, backend):
    spec = answer_project()
    project_id = backend.create_project(spec)
    added = backend.add_tasks(project_id, PROMPTS, overlap=2)
    backend.open(project_id)
    pool_id = backend._project(project_id)["pool_id"]
    stub.work(pool_id, _answer, WORKERS[:3])
    return spec, project_id, pool_id, added


def test_full_flow_then_rerun_creates_and_pays_nothing_twice(stub, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    backend = _backend(stub, tmp_path)
    spec, project_id, pool_id, added = _answers_round(stub, backend)
    assert added == 4
    assert backend.progress(project_id).done
    answers = backend.fetch(project_id)
    assert len(answers) == 8 and {a.stage for a in answers} == {"answers"}
    assert {a.task_id for a in answers} == {p["task_id"] for p in PROMPTS}
    assert not any(a.worker_id in WORKERS for a in answers)  # pseudonymised
    assert all(a.worker_id.startswith("w_") and a.duration_s == 60.0 for a in answers)

    good, bad = answers[0], answers[1]
    backend.accept(good.assignment_id, "Asante")
    backend.reject(bad.assignment_id, "Jibu halijibu swali / does not answer")
    # the pool's reject -> ChangeOverlap rule already re-opened the rejected task;
    # asking for re-collection on it must not buy a second extra answer
    backend.raise_overlap(project_id, [bad.task_id])
    overlaps = {t.input_values["task_id"]: t.overlap
                for t in backend._existing_task_ids(pool_id).values()}
    assert overlaps[bad.task_id] == 3
    stub.work(pool_id, _answer, WORKERS)
    after = {a.assignment_id: a for a in backend.fetch(project_id)}
    assert len(after) == 9
    assert after[good.assignment_id].status == "accepted"
    assert after[bad.assignment_id].status == "rejected"
    assert after[bad.assignment_id].comment.startswith("Jibu halijibu")
    new = [a for a in after.values() if a.round == 1]
    assert len(new) == 1 and new[0].task_id == bad.task_id

    n_tasks, n_requests = len(stub.tasks), len(stub.requests)
    rerun = _backend(stub, tmp_path)  # a new process over the same workdir
    assert rerun.create_project(spec) == project_id
    assert rerun.add_tasks(project_id, PROMPTS, overlap=2) == 0
    rerun.open(project_id)
    rerun.accept(good.assignment_id, "Asante")
    rerun.raise_overlap(project_id, [bad.task_id])
    assert len(stub.projects) == 1 and len(stub.pools) == 1 and len(stub.trainings) == 1
    assert len(stub.tasks) == n_tasks and len(stub.requests) > n_requests
    assert [aid for aid, _ in stub.payments] == [good.assignment_id]
    assert stub.payments[0][1] == pytest.approx(0.40)  # 120 s at $12/h
    assert stub.token not in caplog.text


def test_validation_tasks_exclude_the_author_and_votes_map_to_labels(stub, tmp_path):
    backend = _backend(stub, tmp_path)
    _, answers_id, _, _ = _answers_round(stub, backend)
    answers = backend.fetch(answers_id)
    validation = backend.create_project(validation_project())
    tasks = [{"task_id": a.assignment_id, "prompt_id": a.task_id, "prompt": "Swali",
              "answer": a.answer} for a in answers]
    assert backend.add_tasks(validation, tasks, overlap=3) == len(tasks)
    backend.open(validation)
    stub.work(backend._project(validation)["pool_id"], _vote, WORKERS)
    votes = backend.fetch(validation)
    assert len(votes) == 3 * len(tasks)
    by_author = {a.assignment_id: a.worker_id for a in answers}
    assert all(v.worker_id != by_author[v.task_id] for v in votes)
    assert {v.label for v in votes} == {0, 1}
    assert all(v.extra == {"harmless": 1, "truthful": 1} and v.answer is None for v in votes)
    with pytest.raises(BackendError, match="comment"):
        backend.reject(votes[0].assignment_id, "  ")


def test_refuses_without_production_and_without_token(tmp_path, monkeypatch):
    with pytest.raises(TolokaError, match="sandbox in July 2024.*production=True"):
        TolokaBackend(tmp_path, production=False, token="x")
    monkeypatch.delenv("TOLOKA_TOKEN", raising=False)
    with pytest.raises(MissingSecret, match="TOLOKA_TOKEN"):
        TolokaBackend(tmp_path, production=True, url="http://127.0.0.1:9", interactive=False)


def test_token_stays_out_of_reprs_errors_and_logs(stub, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-" + stub.token
    backend = TolokaBackend(tmp_path, production=True, token=wrong, url=stub.url)
    assert wrong not in repr(backend)
    with pytest.raises(TolokaError) as err:
        backend.create_project(answer_project())
    assert "AUTHENTICATION_ERROR" in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert wrong not in str(err.value) and wrong not in repr(err.value)
    assert wrong not in caplog.text
    assert stub.auth_headers[-1] == f"OAuth {wrong}"  # it was sent, only to the API
    with pytest.raises(TypeError):
        import pickle
        pickle.dumps(backend)
