"""Money on a paid backend: the pipeline against the Toloka API stub pays nothing twice."""
import json
import sys
import warnings
import zlib
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message="pkg_resources")
sys.path.insert(0, str(Path(__file__).parent / "crowd"))
from sample_text import SWAHILI_SENTENCES
from toloka_stub import TolokaStub

import tutorial_lib.crowd.collect as collect_mod
from tutorial_lib.config import load_config
from tutorial_lib.pipeline import Pipeline, StageChanged

WORKERS = [f"toloker{i}" for i in range(10)]
UPTO = ["prompts", "answers", "validation", "decisions"]


def _respond(inputs: dict, worker: str) -> dict:
    """Answers: two sentences picked by worker and task; votes: all helpful but one worker's."""
    if "answer" in inputs:
        return {"helpful": int(worker != WORKERS[0]), "harmless": 1, "truthful": 1}
    n = len(SWAHILI_SENTENCES)
    i = WORKERS.index(worker)
    j = zlib.crc32(inputs["task_id"].encode()) % n
    return {"answer": f"{SWAHILI_SENTENCES[i % n]} {SWAHILI_SENTENCES[(j + i // n) % n]}"}


@pytest.fixture
def toloka_run(tmp_path, monkeypatch):
    """A ``ci`` run on the Toloka stub whose workers answer whenever progress is polled."""
    from tutorial_lib.crowd.toloka import TolokaBackend

    stub = TolokaStub().start()

    class Working(TolokaBackend):
        def progress(self, project_id):
            stub.work(self._project(project_id)["pool_id"], _respond, WORKERS)
            return super().progress(project_id)

    def make_backend(cfg, workdir, prompts, seed):
        assert cfg.production is True
        return Working(workdir, production=True, token=stub.token, url=stub.url,
                       hourly_pay_usd=cfg.hourly_pay_usd)

    monkeypatch.setattr(collect_mod, "make_backend", make_backend)
    overrides = ["crowd.backend=toloka", "crowd.production=true", "prompts.limit=8",
                 "quality.max_rounds=1", "crowd.validation_max_overlap=3"]
    yield stub, tmp_path / "run", overrides
    stub.stop()


def test_forced_decisions_on_toloka_pay_nobody_twice(toloka_run):
    stub, out, overrides = toloka_run
    Pipeline(load_config("ci", overrides), out).run(UPTO)
    paid, tasks, done = list(stub.payments), len(stub.tasks), len(stub.assignments)
    assert paid and len({aid for aid, _ in paid}) == len(paid)
    decisions = (out / "04_decisions" / "decisions.jsonl").read_text()
    cost = json.loads((out / "04_decisions" / "cost.json").read_text())
    for _ in range(3):  # once "already accepted" broke the run directory for good
        Pipeline(load_config("ci", overrides), out).run(["decisions"], force=True)
        assert stub.payments == paid
        assert len(stub.tasks) == tasks and len(stub.assignments) == done
    assert (out / "04_decisions" / "decisions.jsonl").read_text() == decisions
    assert json.loads((out / "04_decisions" / "cost.json").read_text()) == cost


def test_changed_setting_on_toloka_stops_and_names_it(toloka_run):
    stub, out, overrides = toloka_run
    Pipeline(load_config("ci", overrides), out).run(UPTO[:2])
    tasks = len(stub.tasks)
    changed = load_config("ci", [*overrides, "crowd.answer_overlap=3"])
    with pytest.raises(StageChanged) as err:
        Pipeline(changed, out).run(UPTO[:2])
    message = str(err.value)
    assert "crowd.answer_overlap: 2 -> 3" in message and "--force answers" in message
    assert len(stub.tasks) == tasks
    # the explicit way on: --force answers raises the overlap on the tasks already launched
    Pipeline(changed, out).run(UPTO[:2], force=["answers"])
    assert len(stub.tasks) == tasks
    rows = [json.loads(line) for line in (out / "02_answers" / "answers.jsonl").open()]
    per_prompt = {r["task_id"] for r in rows}
    assert all(sum(r["task_id"] == p for r in rows) >= 3 for p in per_prompt)
