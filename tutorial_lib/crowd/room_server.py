"""Start and stop a room's Potato server: the only subprocess edge of the room crowd.

:func:`serve` refuses a busy port before anything starts, then launches Potato
through ``potato_safe`` (the fixing wrapper) in the room's folder (Potato
refuses configs outside its working directory), in its own process group,
logging to ``potato_server.log`` there. What a restart must keep lives in the
room folder, never in the installed package: the session secret
(``.session_secret``, so attendees stay logged in across a restart) and
Potato's generated templates (``.potato/templates``).
:func:`wait_ready` polls until *this* server answers with the start's token
(another program on the port never passes), or reports the log's tail.
:func:`stop` ends the whole process group.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .potato_safe import READY_PATH, THREADS_ENV, TOKEN_ENV
from .room_config import RoomError
from .room_process import spawn, stop_group
from .secrets import workdir_secret

logger = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'tutorial-lib[room]'"
LOG_FILE = "potato_server.log"
SECRET_FILE = ".session_secret"
TEMPLATES_DIR = ".potato/templates"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def require_potato() -> None:
    """A clear error when the optional Potato dependency is missing.

    Raises:
        RoomError: if ``potato`` cannot be imported; the message names the
            extra to install.
    """
    if importlib.util.find_spec("potato") is None:
        raise RoomError(f"the room crowd needs Potato (GPL, optional): {INSTALL_HINT}")


def _lan_address() -> str:
    """This machine's address on the local network (no packet is sent), else loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def room_url(host: str, port: int) -> str:
    """Where attendees point their browsers (the LAN address when serving on all interfaces).

    Args:
        host: The bind address; ``""`` or ``0.0.0.0`` shows this machine's
            LAN address instead (found without sending a packet).
        port: The TCP port.

    Returns:
        The URL, ending in ``/``.

    Examples:
        >>> room_url("127.0.0.1", 8000)
        'http://127.0.0.1:8000/'
    """
    shown = _lan_address() if host in ("", "0.0.0.0") else host
    return f"http://{shown}:{port}/"


def check_port(host: str, port: int) -> None:
    """Fail now, with one clear line, when ``host:port`` is taken (nothing has started yet).

    A port in TIME_WAIT from a room just stopped counts as free.

    Args:
        host: The address to test, IPv4 or IPv6 (a ``:`` means IPv6).
        port: The TCP port.

    Raises:
        RoomError: another program (or an earlier room) holds the port.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is not "busy"
        try:
            s.bind((host, int(port)))
        except OSError as err:
            if err.errno in (errno.EADDRINUSE, errno.EACCES):
                raise RoomError(
                    f"port {port} on {host or '0.0.0.0'} is busy (another room or "
                    f"program holds it): stop that one or pass --port N"
                ) from None
            raise RoomError(f"cannot serve on {host}:{port}: {err.strerror}") from None


def _server_env(folder: Path, token: str, threads: int | None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p
    )
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # nothing written into site-packages, not even .pyc
    env["POTATO_SECRET_KEY"] = workdir_secret(folder, SECRET_FILE, nbytes=32)
    env["POTATO_GENERATED_TEMPLATES_DIR"] = str(folder / TEMPLATES_DIR)
    env[TOKEN_ENV] = token
    if threads:
        env[THREADS_ENV] = str(int(threads))
    return env


def serve(
    config: str | Path, host: str = "127.0.0.1", port: int = 8000, threads: int | None = None
) -> subprocess.Popen:
    """Start Potato on ``host:port`` for ``config`` through the safe wrapper; returns the process.

    The caller owns the process: stop it with :func:`stop`. It also stops by
    itself when the calling process dies.

    Args:
        config: the room's ``config.yaml`` (from :func:`write_room`).
        host: ``127.0.0.1`` for this machine only, ``0.0.0.0`` for the room's LAN.
        port: TCP port; a busy one is refused before anything starts.
        threads: waitress worker threads (default 16).

    Returns:
        The running process, carrying its start token (``room_token``) for
        :func:`wait_ready`.

    Raises:
        RoomError: Potato missing, no config, or the port is busy.
    """
    require_potato()
    config = Path(config).resolve()
    if not config.exists():
        raise RoomError(f"{config}: no such room config (write it with write_room)")
    check_port(host, port)
    token = secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "tutorial_lib.crowd.potato_safe",
        "start",
        config.name,
        "--host",
        host,
        "-p",
        str(int(port)),
    ]
    env = _server_env(config.parent, token, threads)
    with open(config.parent / LOG_FILE, "ab") as logfile:  # the child keeps its own handle
        proc = spawn(cmd, config.parent, env, logfile)
    proc.room_token = token
    logger.info("room server starting (pid %d) at %s", proc.pid, room_url(host, port))
    return proc


def _log_tail(config: Path, n: int = 15) -> str:
    path = Path(config).resolve().parent / LOG_FILE
    if not path.exists():
        return "(no log)"
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-n:])


def _answers(host: str, port: int, token: str | None) -> bool:
    """Whether the server started with ``token`` answers on ``host:port``.

    Without a token (a server not started by :func:`serve`), any HTTP answer counts.
    """
    local = "127.0.0.1" if host in ("", "0.0.0.0") else host
    path = READY_PATH if token else "/"
    try:
        with urllib.request.urlopen(f"http://{local}:{port}{path}", timeout=2) as reply:
            body = reply.read().decode("utf-8", errors="replace")
            return reply.status < 500 and (not token or json.loads(body).get("room") == token)
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError, AttributeError):
        return False


def wait_ready(
    proc: subprocess.Popen, config: str | Path, host: str, port: int, timeout_s: float = 60.0
) -> str:
    """Block until the server ``proc`` answers (returns its URL) or fail with Potato's log tail.

    Only the server just started passes: it must answer with its start token.

    Args:
        proc: The process :func:`serve` returned.
        config: The room's ``config.yaml``; its folder holds the log shown on failure.
        host: The bind address it was served on.
        port: The TCP port it was served on.
        timeout_s: Seconds to wait for the first good answer.

    Returns:
        The room's URL, as :func:`room_url` gives it.

    Raises:
        RoomError: Potato exited (a busy port among the reasons) or never answered.
    """
    url = room_url(host, port)
    token = getattr(proc, "room_token", None)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RoomError(
                f"Potato exited with code {proc.returncode} before serving {url}; "
                f"last log lines:\n{_log_tail(config)}"
            )
        if _answers(host, port, token):
            return url
        time.sleep(0.25)
    raise RoomError(
        f"room at {url} not ready after {timeout_s:.0f}s; last log lines:\n{_log_tail(config)}"
    )


def stop(proc: subprocess.Popen | None, timeout_s: float = 5.0) -> None:
    """Stop a room server started by :func:`serve`, and anything it started (its process group).

    Args:
        proc: The server process; ``None`` (nothing was started) does nothing.
        timeout_s: Seconds to wait after SIGTERM (and again after SIGKILL).
    """
    stop_group(proc, timeout_s)
