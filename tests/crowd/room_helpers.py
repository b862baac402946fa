"""Helpers shared by the room tests: free loopback ports and a `room serve` run as its own process."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "prompts" / "seed_sw.jsonl"


def room_cli(argv) -> int:
    """Run ``tutorial-lib room ...`` in this process; returns the exit code."""
    import argparse

    from tutorial_lib.crowd.commands import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(predicate, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def start_cli(workdir, port: int, *extra, ignore_sigint: bool = False) -> subprocess.Popen:
    """`room serve` on three seed prompts, as a script would start it (``&``: SIGINT ignored)."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    prompts = workdir / "prompts.jsonl"
    prompts.write_text(
        "".join(SEED.read_text(encoding="utf-8").splitlines(True)[:3]), encoding="utf-8"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [
        sys.executable,
        "-m",
        "tutorial_lib",
        "room",
        "serve",
        "--kind",
        "answers",
        "--prompts",
        str(prompts),
        "--workdir",
        str(workdir / "room"),
        "--port",
        str(port),
        *extra,
    ]

    # An ignored signal stays ignored across exec: what `cmd &` in a script does to SIGINT.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if ignore_sigint else None
    try:
        return subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
    finally:
        if ignore_sigint:
            signal.signal(signal.SIGINT, previous)


def wait_open(proc: subprocess.Popen, timeout_s: float = 90.0) -> str:
    """The first stdout line of `room serve` (the "is open" line), or fail with stderr."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            return line
        if proc.poll() is not None:
            raise AssertionError(f"room serve exited {proc.returncode}: {proc.stderr.read()}")
    raise AssertionError("room serve did not open in time")
