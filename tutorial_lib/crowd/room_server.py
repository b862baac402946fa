"""Start and stop a room's Potato server: the only subprocess edge of the room crowd.

:func:`serve` launches Potato through ``potato_safe`` (the XSS-fixing wrapper)
in the room's folder (Potato refuses configs outside its working directory),
logs to ``potato_server.log`` there, and returns the process.
:func:`wait_ready` polls until the login page answers, or reports the log's
tail if Potato died on the way.

Taught in notebooks/02_collecting_answers.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .room_config import RoomError

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'tutorial-lib[room]'"
LOG_FILE = "potato_server.log"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def require_potato() -> None:
    """A clear error when the optional Potato dependency is missing."""
    if importlib.util.find_spec("potato") is None:
        raise RoomError(f"the room crowd needs Potato (GPL, optional): {INSTALL_HINT}")


def _lan_address() -> str:
    """This machine's address on the local network (no packet is sent), else loopback."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def room_url(host: str, port: int) -> str:
    """Where attendees point their browsers (the LAN address when serving on all interfaces)."""
    shown = _lan_address() if host in ("", "0.0.0.0") else host
    return f"http://{shown}:{port}/"


def serve(config: str | Path, host: str = "127.0.0.1", port: int = 8000) -> subprocess.Popen:
    """Start Potato on ``host:port`` for ``config`` through the safe wrapper; returns the process.

    The caller owns the process: stop it with :func:`stop` (or ``terminate()``).

    Taught in notebooks/02_collecting_answers.
    """
    require_potato()
    config = Path(config).resolve()
    if not config.exists():
        raise RoomError(f"{config}: no such room config (write it with write_room)")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p)
    cmd = [sys.executable, "-m", "tutorial_lib.crowd.potato_safe", "start", config.name,
           "--host", host, "-p", str(int(port))]
    with open(config.parent / LOG_FILE, "ab") as logfile:  # the child keeps its own handle
        proc = subprocess.Popen(cmd, cwd=config.parent, env=env, stdout=logfile,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.info("room server starting (pid %d) at %s", proc.pid, room_url(host, port))
    return proc


def _log_tail(config: Path, n: int = 15) -> str:
    path = Path(config).resolve().parent / LOG_FILE
    if not path.exists():
        return "(no log)"
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-n:])


def wait_ready(proc: subprocess.Popen, config: str | Path, host: str, port: int,
               timeout_s: float = 60.0) -> str:
    """Block until the room answers HTTP (returns its URL) or fail with Potato's log tail.

    Taught in notebooks/02_collecting_answers.
    """
    url = room_url(host, port)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RoomError(f"Potato exited with code {proc.returncode} before serving {url}; "
                            f"last log lines:\n{_log_tail(config)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status < 500:
                    return url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RoomError(f"room at {url} not ready after {timeout_s:.0f}s; last log lines:\n"
                    f"{_log_tail(config)}")


def stop(proc: subprocess.Popen | None, timeout_s: float = 10.0) -> None:
    """Terminate a room server started by :func:`serve` (kill if it does not stop).

    Taught in notebooks/02_collecting_answers.
    """
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout_s)
