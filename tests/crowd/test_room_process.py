"""The room owns its server: signals and parent death leave no server, a busy port is refused."""

import http.server
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest
from crowd.room_helpers import (
    REPO,
    SEED,
    alive,
    children,
    free_port,
    port_open,
    room_cli,
    start_cli,
    wait_open,
    wait_until,
)

from tutorial_lib.crowd import room_server
from tutorial_lib.crowd.room import RoomError

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_busy_port_is_refused_before_anything_is_announced(tmp_path, capsys):
    port = free_port()
    with http.server.HTTPServer(("127.0.0.1", port), http.server.SimpleHTTPRequestHandler) as other:
        threading.Thread(target=other.serve_forever, daemon=True).start()
        code = room_cli(
            [
                "room",
                "serve",
                "--kind",
                "answers",
                "--prompts",
                str(SEED),
                "--workdir",
                str(tmp_path / "room"),
                "--port",
                str(port),
                "--check",
            ]
        )
        out, err = capsys.readouterr()
        # Another HTTP server answering on the port is not taken for the room.
        assert not room_server._answers("127.0.0.1", port, "a-token")
        other.shutdown()
    assert code == 2 and out == ""
    assert f"port {port} on 127.0.0.1 is busy" in err
    assert not (tmp_path / "room" / "answers" / room_server.LOG_FILE).exists()  # nothing started
    handler = http.server.BaseHTTPRequestHandler
    with (
        pytest.raises(RoomError, match="busy"),
        http.server.HTTPServer(("127.0.0.1", port), handler),
    ):
        room_server.check_port("127.0.0.1", port)


@pytest.mark.slow
@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name
)
def test_a_stop_signal_leaves_no_server(tmp_path, sig):
    port = free_port()
    cli = start_cli(tmp_path, port, ignore_sigint=True)  # as `room serve ... &` from a script
    try:
        assert "is open" in wait_open(cli)
        (server,) = children(cli.pid)
        assert os.getpgid(server) == server  # its own process group
        cli.send_signal(sig)
        assert cli.wait(timeout=15) == 0
        assert wait_until(lambda: not alive(server), 10), "the Potato server outlived room serve"
        assert not port_open(port)
        assert "Room stopped." in cli.stderr.read()
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)


@pytest.mark.slow
def test_parent_death_stops_the_server(tmp_path):
    port = free_port()
    script = textwrap.dedent(f"""
        import sys, time
        from tutorial_lib.crowd.design import answer_project
        from tutorial_lib.crowd.room import serve, wait_ready, write_room
        tasks = [{{"task_id": "t1", "prompt": "Eleza.", "prompt_en": "", "context": ""}}]
        config = write_room("answers", tasks, {str(tmp_path)!r}, answer_project(), port={port})
        proc = serve(config, "127.0.0.1", {port})
        wait_ready(proc, config, "127.0.0.1", {port})
        print(proc.pid, flush=True)
        time.sleep(120)
    """)
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    try:
        server = int(parent.stdout.readline())
        assert alive(server) and port_open(port)
        parent.kill()  # no chance to clean up: only the server's own guard can act
        parent.wait(timeout=10)
        assert wait_until(lambda: not alive(server), 10), "the server outlived its parent"
        assert not port_open(port)
    finally:
        if parent.poll() is None:
            parent.kill()
