"""A restart attendees do not notice, and a server that writes nothing into the installed package."""

import dataclasses
import importlib.util
import os
import re
import secrets
from pathlib import Path

import pytest
import requests
from crowd.room_helpers import free_port

from tutorial_lib.crowd import room_server
from tutorial_lib.crowd.design import answer_project
from tutorial_lib.crowd.room import export, write_room

INSTANCE = re.compile(r'id="instance_id"[^>]*value="([^"]*)"')
NAV = {"X-Potato-Navigation": "1"}


def _on(session, base) -> tuple[str, str]:
    reply = session.get(f"{base}/annotate", timeout=10, allow_redirects=False)
    assert reply.status_code == 200, (reply.status_code, reply.headers.get("Location"))
    return INSTANCE.search(reply.text).group(1), reply.text


def _save(session, base, iid, text):
    return session.post(
        f"{base}/updateinstance",
        timeout=10,
        json={"instance_id": iid, "annotations": {"answer:text_box": text}},
    )


@pytest.mark.slow
def test_attendees_keep_session_place_and_text_across_a_restart(tmp_path):
    # A title no other room has: other test runs sharing this Potato install (an unpatched
    # control server among them) may write there; this room's files must not appear.
    marker = f"Chumba-{secrets.token_hex(4)}"
    package = Path(importlib.util.find_spec("potato").origin).parent
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    tasks = [
        {"task_id": f"t{i}", "prompt": f"Eleza jambo {i}.", "prompt_en": "", "context": ""}
        for i in range(6)
    ]
    spec = dataclasses.replace(answer_project(), title={"sw": marker, "en": marker})
    config = write_room("answers", tasks, tmp_path, spec, port=port, overlap=2)

    def start():
        proc = room_server.serve(config, "127.0.0.1", port)
        room_server.wait_ready(proc, config, "127.0.0.1", port)
        return proc

    amina, baraka = requests.Session(), requests.Session()
    proc = start()
    try:
        for person, nick in ((amina, "amina"), (baraka, "baraka")):
            person.post(f"{base}/auth", data={"action": "login", "email": nick}, timeout=10)
        first, _ = _on(amina, base)
        assert _save(amina, base, first, "Jibu kamili la kwanza, refu la kutosha.").ok
        assert amina.post(
            f"{base}/annotate", json={"action": "next_instance"}, headers=NAV, timeout=10
        ).ok
        second, _ = _on(amina, base)
        assert _save(amina, base, second, "Nusu ya jibu").ok  # the page's autosave
        baraka_item, _ = _on(baraka, base)  # looked, answered nothing yet
    finally:
        room_server.stop(proc)

    proc = start()
    try:
        on, page = _on(amina, base)  # still logged in: the session secret persisted
        assert on == second and "Nusu ya jibu" in page
        assert _on(baraka, base)[0] == baraka_item
        assert (
            _save(amina, base, second, "Nusu ya jibu, sasa kamili na ndefu.").json()["status"]
            == "success"
        )
    finally:
        room_server.stop(proc)

    answers = {(r.task_id, r.answer) for r in export(tmp_path)}
    assert answers == {
        (first, "Jibu kamili la kwanza, refu la kutosha."),
        (second, "Nusu ya jibu, sasa kamili na ndefu."),
    }
    assert not [p for p in package.rglob(f"*{marker}*")], "the room wrote into site-packages"
    assert list((config.parent / room_server.TEMPLATES_DIR).glob(f"*{marker}*"))
    secret = config.parent / room_server.SECRET_FILE
    assert secret.stat().st_mode & 0o077 == 0 and len(secret.read_text()) == 64
    assert secret.read_text() not in (config.parent / room_server.LOG_FILE).read_text()
    assert os.environ.get("POTATO_SECRET_KEY") is None  # only the server's environment has it
