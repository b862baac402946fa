"""In real headless Chromium: a hostile Part I answer shown to a Part II rater runs no script.

Potato 2.12.1 embeds item fields in a ``<script type="application/json">``
without escaping ``</``; the room serves through ``potato_safe``, which does.
The control test shows the same page from unpatched Potato does run the
script, so the main test can fail.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from crowd.room_helpers import free_port

from tutorial_lib.crowd import room_server
from tutorial_lib.crowd.design import validation_project
from tutorial_lib.crowd.room import write_room

CHROMIUM = "/usr/bin/chromium"
QUOTED = '</script><img src=x onerror="window.__xss=1">'
BARE = "</script><img src=x onerror=window.__xss=2>"
ANSWER = f"Jibu: {QUOTED} na {BARE} & <b>herufi</b>"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]


def _room(tmp_path, port):
    task = {
        "task_id": "ans-1",
        "prompt_id": "sw-1",
        "prompt": "Mji mkuu wa Kenya ni upi?",
        "answer": ANSWER,
    }
    return write_room(
        "validation",
        [task],
        tmp_path,
        validation_project(),
        port=port,
        gold=False,
        attention_checks=False,
    )


def _visit(url: str) -> dict:
    """Log in with a nickname, open the item, report what ran and what is shown."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            dialogs = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(url)
            page.fill("input[name=email]", "rater1")
            page.press("input[name=email]", "Enter")
            page.wait_for_url("**/annotate**", timeout=20000)
            page.wait_for_load_state("networkidle", timeout=20000)
            return {
                "xss": page.evaluate("window.__xss"),
                "dialogs": dialogs,
                "injected_imgs": page.evaluate("document.querySelectorAll('img[onerror]').length"),
                "body": page.inner_text("body"),
                "instance": page.evaluate(  # null when the markup was broken into
                    "(() => { try { return JSON.parse(document.getElementById("
                    "'instance_data').textContent); } catch (e) { return null; } })()"
                ),
            }
        finally:
            browser.close()


def test_hostile_answer_is_shown_literally_and_runs_nothing(tmp_path):
    port = free_port()
    config = _room(tmp_path, port)
    proc = room_server.serve(config, "127.0.0.1", port)
    try:
        seen = _visit(room_server.wait_ready(proc, config, "127.0.0.1", port))
    finally:
        room_server.stop(proc)
    assert seen["xss"] is None
    assert seen["dialogs"] == []
    assert seen["injected_imgs"] == 0
    assert QUOTED in seen["body"] and BARE in seen["body"] and "<b>herufi</b>" in seen["body"]
    assert seen["instance"]["answer"] == ANSWER  # the JSON still parses to the exact text


def test_control_unpatched_potato_runs_the_script(tmp_path):
    port = free_port()
    config = _room(tmp_path, port)
    env = dict(os.environ, PYTHONPATH=str(room_server.PACKAGE_ROOT))
    with open(config.parent / room_server.LOG_FILE, "ab") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "potato",
                "start",
                "config.yaml",
                "--host",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            cwd=config.parent,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        seen = _visit(room_server.wait_ready(proc, config, "127.0.0.1", port))
    finally:
        room_server.stop(proc)
    assert seen["xss"] == 2, (
        "unpatched Potato no longer runs the payload: re-check whether potato_safe is needed; "
        + json.dumps({k: v for k, v in seen.items() if k != "body"})[:300]
    )
