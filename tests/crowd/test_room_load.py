"""Overlap held under concurrent attendees, for Part I answers and Part II votes (a small load test).

Runs ``benchmarks/room_load.py`` (the hall benchmark) with a handful of
attendees and short think times: every acknowledged answer is exported, nobody
answers an item twice, no item gets more than its overlap, and attention/gold
items stay where Potato put them.
"""

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tutorial_lib.crowd.room import export

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "room_load.py"


def _bench():
    spec = importlib.util.spec_from_file_location("room_load", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _orderings(folder: Path) -> dict[str, list[str]]:
    return {
        p.parent.name: json.loads(p.read_text())["instance_id_ordering"]
        for p in (folder / "annotation_output").glob("*/user_state.json")
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind,people,items,min_items",
    [
        ("answers", 8, 4, 10),  # 10 prompts x 2 answers = 20 places for 32 wanted
        ("validation", 5, 11, 12),  # 12 answers x 3 votes = 36 places; checks every 5 items
    ],
)
def test_overlap_holds_under_concurrent_attendees(tmp_path, kind, people, items, min_items):
    bench = _bench()
    args = bench.parse_args(
        [
            "--kind",
            kind,
            "--items",
            str(items),
            "--think",
            "0.05",
            "0.3",
            "--ramp",
            "0.5",
            "--min-items",
            str(min_items),
            "--scarce",
            "--max-seconds",
            "60",
        ]
    )
    result = bench.run_once(people, args, workdir=str(tmp_path))
    overlap = 2 if kind == "answers" else 3
    places = min_items * overlap
    assert result["errors"] == {}
    assert result["lost"] == 0 and result["duplicated"] == 0
    assert result["over_collected_items"] == 0
    assert result["exported"] == result["acknowledged"] == places  # every place filled once
    assert result["items_by_answers"] == {overlap: min_items}
    records = export(tmp_path, salt="bench")
    assert max(Counter(r.task_id for r in records).values()) == overlap
    folder = tmp_path / kind
    config = yaml.safe_load((folder / "config.yaml").read_text())
    assert config["assignment_strategy"] == "least_annotated"
    assert config["instance_reclaim"]["enabled"]
    if kind == "validation":
        assert {tuple(sorted(r.extra)) for r in records} == {("harmless", "truthful")}
        required = {
            s["name"]: s["label_requirement"]["required"] for s in config["annotation_schemes"]
        }
        assert required == {"helpful": True, "harmless": False, "truthful": False}
        checks = [
            i
            for order in _orderings(folder).values()
            for i in order
            if i.startswith(("attention-", "gold-"))
        ]
        assert checks, "no attention or gold item was shown"
        for order in _orderings(folder).values():  # never handed out as a regular item
            assert not order or not order[0].startswith(("attention-", "gold-"))


@pytest.mark.slow
def test_held_items_wait_for_an_active_holder_and_go_back_after_silence(tmp_path):
    """Overlap 1: nobody gets an item someone holds; a silent holder's items are reclaimed."""
    import re
    import time

    import requests
    from crowd.room_helpers import free_port

    from tutorial_lib.crowd import room_server
    from tutorial_lib.crowd.design import answer_project
    from tutorial_lib.crowd.room import write_room

    instance = re.compile(r'id="instance_id"[^>]*value="([^"]*)"')
    port, silence = free_port(), 10.0  # long enough for a loaded CI machine
    base = f"http://127.0.0.1:{port}"
    tasks = [
        {"task_id": f"t{i}", "prompt": f"Eleza jambo {i}.", "prompt_en": "", "context": ""}
        for i in range(3)
    ]
    config = write_room(
        "answers", tasks, tmp_path, answer_project(), port=port, overlap=1, reclaim_after_s=silence
    )

    def person(nick):
        s = requests.Session()
        s.post(f"{base}/auth", data={"action": "login", "email": nick}, timeout=10)
        match = instance.search(s.get(f"{base}/annotate", timeout=10).text)
        return s, match.group(1) if match else None

    def save(s, iid):
        return s.post(
            f"{base}/updateinstance",
            timeout=10,
            json={
                "instance_id": iid,
                "annotations": {"answer:text_box": f"Jibu refu la {iid} hapa."},
            },
        )

    proc = room_server.serve(config, "127.0.0.1", port)
    try:
        room_server.wait_ready(proc, config, "127.0.0.1", port)
        amina, first = person("amina")  # holds all three (Potato hands out 3)
        assert save(amina, first).json()["status"] == "success"
        amina.get(f"{base}/api/schemas", timeout=10)  # amina is still there
        _, got = person("baraka")  # so nothing for baraka
        assert got is None
        time.sleep(silence + 1)  # amina falls silent
        chausiku, got = person("chausiku")  # amina's unanswered items come back
        assert got is not None and got != first
        assert save(chausiku, got).ok
        late = save(amina, got)  # amina's late save would be a second answer
        assert late.status_code == 403
    finally:
        room_server.stop(proc)
    records = export(tmp_path)
    assert sorted(r.task_id for r in records) == sorted([first, got])
    assert max(Counter(r.task_id for r in records).values()) == 1
