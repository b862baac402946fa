"""The room crowd: Potato config from the design, a live room over HTTP, export, the backend."""

import json

import pytest
import requests
import yaml
from crowd.room_helpers import free_port, room_cli

from tutorial_lib.crowd import potato_safe, room_server
from tutorial_lib.crowd.design import answer_project, validation_project
from tutorial_lib.crowd.room import RoomBackend, RoomError, export, over_collected, write_room
from tutorial_lib.jsonl import read_jsonl, write_jsonl
from tutorial_lib.records import Assignment, Prompt

XSS = '</script><img src=x onerror="window.__xss=1">'
PROMPTS = [
    Prompt(
        id=f"sw-{i}",
        category="open_qa",
        prompt=f"Eleza jambo la {i}.",
        prompt_en=f"Explain thing {i}.",
    )
    for i in range(3)
]


def _answer_tasks():
    return [
        {"task_id": p.id, "prompt": p.prompt, "prompt_en": p.prompt_en, "context": ""}
        for p in PROMPTS
    ]


def _vote_tasks(n=3):
    return [
        {
            "task_id": f"ans-{i}",
            "prompt_id": f"sw-{i}",
            "prompt": f"Swali {i}?",
            "answer": f"Jibu {i} {XSS}",
        }
        for i in range(n)
    ]


def _user_state(folder, user, ordering, labels, page_labels=None):
    """A Potato user_state.json as Potato 2.12.1 writes it (only the fields export reads)."""
    out = folder / "annotation_output" / user
    out.mkdir(parents=True)
    state = {
        "user_id": user,
        "instance_id_ordering": ordering,
        "instance_id_to_label_to_value": labels,
        "phase_to_page_to_label_to_value": {"done": {"null": page_labels or []}},
    }
    (out / "user_state.json").write_text(json.dumps(state))
    history = [
        {"instance_id": iid, "timestamp": f"2026-01-05T10:0{i}:00"}
        for i, iid in enumerate(ordering)
    ]
    (out / "annotation_history.jsonl").write_text("".join(json.dumps(h) + "\n" for h in history))


def _vote(helpful, harmless=1, truthful=1):
    return [
        [{"schema": "helpful", "name": str(helpful)}, str(helpful)],
        [{"schema": "harmless", "name": str(harmless)}, str(harmless)],
        [{"schema": "truthful", "name": str(truthful)}, str(truthful)],
    ]


def test_config_follows_the_design_and_keeps_text_as_written(tmp_path):
    spec = validation_project()
    config = write_room("validation", _vote_tasks(), tmp_path, spec, port=8123, overlap=3)
    cfg = yaml.safe_load(config.read_text())
    assert cfg["require_password"] is False and cfg["user_config"]["allow_all_users"]
    assert cfg["num_annotators_per_item"] == 3 and cfg["port"] == 8123
    assert [s["name"] for s in cfg["annotation_schemes"]] == ["helpful", "harmless", "truthful"]
    assert [lab["name"] for lab in cfg["annotation_schemes"][0]["labels"]] == ["1", "0"]
    assert "training" not in cfg
    rows = [json.loads(line) for line in (config.parent / "data/items.jsonl").open()]
    assert rows[0]["answer"] == f"Jibu 0 {XSS}"  # raw, exactly as written
    assert "<img" not in rows[0]["text"] and "&lt;/script&gt;" in rows[0]["text"]
    assert cfg["attention_checks"]["enabled"] and cfg["gold_standards"]["enabled"]
    attention = [json.loads(line) for line in (config.parent / "data/attention.jsonl").open()]
    assert len(attention) == len(spec.exam_items)
    assert attention[0]["expected_answer"]["helpful"] in ("0", "1")

    trained = write_room(
        "validation",
        _vote_tasks(),
        tmp_path / "t",
        spec,
        training=True,
        gold=False,
        attention_checks=False,
    )
    cfg = yaml.safe_load(trained.read_text())
    assert cfg["training"]["enabled"] and "gold_standards" not in cfg
    answers = write_room("answers", _answer_tasks(), tmp_path / "a", answer_project(), overlap=2)
    cfg = yaml.safe_load(answers.read_text())
    assert cfg["annotation_schemes"][0]["annotation_type"] == "text"
    assert "attention_checks" not in cfg  # free text cannot be checked automatically
    with pytest.raises(RoomError, match="free-text"):
        write_room("answers", _answer_tasks(), tmp_path / "b", answer_project(), training=True)
    with pytest.raises(RoomError, match="lacks answer"):
        write_room("validation", [{"task_id": "x", "prompt": "p"}], tmp_path / "c", spec)


def test_export_drops_checks_stray_and_unassigned_rows(tmp_path, caplog):
    caplog.set_level("INFO")
    folder = write_room("validation", _vote_tasks(), tmp_path, validation_project()).parent
    _user_state(
        folder,
        "amina",
        ["ans-0", "attention-0", "ans-1"],
        {
            "ans-0": _vote(1),
            "attention-0": _vote(0),
            "ans-1": _vote(0, truthful=0),
            "ans-2": _vote(1),  # exists, never assigned to amina
            "ghost": _vote(1),
        },  # does not exist
        page_labels=[[{"schema": "helpful", "name": "1"}, "1"]],
    )
    _user_state(folder, "baraka", ["ans-2"], {"ans-2": [], "gold-0": _vote(1)})
    out = tmp_path / "votes.jsonl"
    records = export(tmp_path, out)
    assert [(r.task_id, r.label, r.extra["truthful"]) for r in records] == [
        ("ans-0", 1, 1),
        ("ans-1", 0, 0),
    ]
    assert read_jsonl(out, Assignment) == records
    assert records[1].duration_s == 60.0 and records[1].submitted_at == "2026-01-05T10:02:00"
    assert {r.worker_id for r in records} != {"amina"} and records[0].worker_id.startswith("w_")
    for reason, n in [
        ("attention check or gold item", 2),
        ("no such item", 1),
        ("item never assigned to this person", 1),
        ("main question unanswered", 1),
        ("posted outside the annotation", 1),
    ]:
        assert f"dropped {n} row(s): {reason}" in caplog.text


def test_room_backend_decisions_and_recollection_rounds(tmp_path):
    backend = RoomBackend(tmp_path)
    project_id = backend.create_project(validation_project())
    assert backend.add_tasks(project_id, _vote_tasks(3), overlap=2) == 3
    assert backend.add_tasks(project_id, _vote_tasks(3), overlap=2) == 0
    folder = tmp_path / "validation"
    _user_state(folder, "amina", ["ans-0", "ans-1"], {"ans-0": _vote(1), "ans-1": _vote(0)})
    assert backend.progress(project_id).submitted == 2 and backend.progress(project_id).total == 6
    first, second = backend.fetch(project_id)
    backend.accept(first.assignment_id)
    backend.reject(second.assignment_id, "Kura haikubaliani na wengine")
    backend.reject(second.assignment_id, "Kura haikubaliani na wengine")
    assert len((tmp_path / "decisions.jsonl").read_text().splitlines()) == 2
    statuses = {r.assignment_id: (r.status, r.comment) for r in backend.fetch(project_id)}
    assert statuses[second.assignment_id] == ("rejected", "Kura haikubaliani na wengine")
    assert statuses[first.assignment_id][0] == "accepted"

    backend.raise_overlap(project_id, ["ans-1"], extra=1)
    backend.raise_overlap(project_id, ["ans-1"], extra=1)  # re-run: already waiting
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == [
        "validation",
        "validation-round1",
    ]
    _user_state(tmp_path / "validation-round1", "baraka", ["ans-1"], {"ans-1": _vote(1)})
    rounds = {(r.task_id, r.round) for r in backend.fetch(project_id)}
    assert ("ans-1", 1) in rounds and backend.progress(project_id).total == 7
    with pytest.raises(RoomError, match="no task"):
        backend.raise_overlap(project_id, ["nope"])


def test_json_escape_keeps_meaning_and_hides_tags():
    original = {"text": f"a & b {XSS}\u2028end"}
    escaped = potato_safe.escape_json_for_html(json.dumps(original))
    assert not set("<>&\u2028") & set(escaped)
    assert json.loads(escaped) == original


def test_missing_potato_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(room_server.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RoomError, match=r"pip install 'tutorial-lib\[room\]'"):
        room_server.serve(tmp_path / "config.yaml")


def _annotate(base: str, user: str, payload) -> list[str]:
    """One person: nickname login, then answer every item Potato hands out."""
    s = requests.Session()
    assert s.post(f"{base}/auth", data={"email": user}, timeout=10).ok
    seen = []
    for _ in range(20):
        current = s.get(f"{base}/api/current_instance", timeout=10)
        if current.status_code != 200:
            break
        iid = current.json()["instance_id"]
        reply = s.post(
            f"{base}/updateinstance",
            timeout=10,
            json={"instance_id": iid, "annotations": payload(user, iid)},
        )
        assert reply.ok, reply.text
        seen.append(iid)
        s.post(
            f"{base}/annotate",
            json={"action": "next_instance"},
            timeout=10,
            headers={"X-Potato-Navigation": "1"},
        )
    stray = s.post(
        f"{base}/updateinstance",
        timeout=10,
        json={"instance_id": "not-an-item", "annotations": {"answer:::text_box": "stray"}},
    )
    assert stray.status_code in (403, 404)
    s.post(
        f"{base}/updateinstance",
        timeout=10,
        json={  # after the queue is done
            "instance_id": seen[0],
            "annotations": {"answer:::text_box": "late"},
        },
    )
    return seen


def test_three_people_answer_a_served_room_over_http(tmp_path, capsys):
    port = free_port()
    workdir = tmp_path / "room"
    backend = RoomBackend(workdir, port=port)  # open() serves through potato_safe
    project_id = backend.create_project(answer_project())
    backend.add_tasks(project_id, _answer_tasks(), overlap=3)
    people = ["amina", "baraka", "chausiku"]
    try:
        backend.open(project_id)
        backend.open(project_id)  # already running: no second server
        for user in people:
            seen = _annotate(
                f"http://127.0.0.1:{port}",
                user,
                lambda u, i: {
                    "answer:::text_box": f"Jibu la {u} kwa {i}: maelezo marefu ya kutosha."
                },
            )
            assert sorted(seen) == [p.id for p in PROMPTS]
        assert backend.progress(project_id).done
    finally:
        backend.close(project_id)
    out = tmp_path / "answers.jsonl"
    assert room_cli(["room", "export", "--workdir", str(workdir), "--out", str(out)]) == 0
    assert "Exported 9 answers" in capsys.readouterr().out
    records = read_jsonl(out, Assignment)
    assert records == backend.fetch(project_id)
    assert len({r.worker_id for r in records}) == 3
    assert {(r.task_id, r.answer.split()[2]) for r in records} == {
        (p.id, u) for p in PROMPTS for u in people
    }
    assert all(r.backend == "room" and r.kind == "answers" for r in records)
    assert not any(r.answer in ("stray", "late") for r in records)


def test_cli_serve_check_prints_the_url_and_stops(tmp_path, capsys):
    port = free_port()
    answers = tmp_path / "answers.jsonl"
    write_jsonl(
        answers,
        [
            Assignment(
                assignment_id=f"a{i}",
                task_id=p.id,
                worker_id="w_1",
                kind="answers",
                backend="room",
                submitted_at="t",
                duration_s=1.0,
                answer=f"Jibu {XSS}",
            )
            for i, p in enumerate(PROMPTS)
        ],
    )
    args = [
        "room",
        "serve",
        "--stage",  # the flag's old name still works (now --kind)
        "validation",
        "--answers",
        str(answers),
        "--workdir",
        str(tmp_path / "room"),
        "--port",
        str(port),
        "--check",
    ]
    assert room_cli(args) == 2  # no prompt texts anywhere yet
    assert "pass --prompts FILE" in capsys.readouterr().err
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(prompts, PROMPTS)
    assert room_cli(args + ["--prompts", str(prompts)]) == 0
    assert f"http://127.0.0.1:{port}/" in capsys.readouterr().out
    with pytest.raises(requests.ConnectionError):  # stopped again
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)


def test_over_collection_is_reported_by_export_and_progress(tmp_path, caplog):
    backend = RoomBackend(tmp_path)
    project_id = backend.create_project(validation_project())
    backend.add_tasks(project_id, _vote_tasks(2), overlap=2)
    folder = tmp_path / "validation"
    for user in ("amina", "baraka", "chausiku"):  # three votes on ans-0, overlap 2
        _user_state(folder, user, ["ans-0"], {"ans-0": _vote(1)})
    records = export(tmp_path)
    assert over_collected(tmp_path, records) == {"validation/0/ans-0": 3}
    assert "1 item(s) got more answers than their overlap" in caplog.text
    progress = backend.progress(project_id)  # ans-0 counts 2 of its 2; ans-1 still waits
    assert (progress.submitted, progress.total, progress.done) == (2, 4, False)
    assert "over their overlap: validation/0/ans-0 (3)" in caplog.text
