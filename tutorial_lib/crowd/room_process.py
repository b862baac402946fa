"""A room server that lives and dies with the process that started it.

Both sides of the room's one subprocess edge:

- the parent (``room_server``) starts the server in its **own process group**
  (:func:`spawn`) so one signal reaches the server and anything it starts, and
  stops the whole group (:func:`stop_group`: SIGTERM, then SIGKILL);
- the server (``potato_safe``) calls :func:`bind_to_parent` first: it exits on
  SIGTERM, SIGINT and SIGHUP, and when its parent dies, through Linux's
  parent-death signal (``prctl(PR_SET_PDEATHSIG)``) and a watchdog thread that
  notices being re-parented (every platform, and the case prctl cannot see);
- ``room serve`` wraps its wait in :func:`signals_stop`, so SIGTERM and SIGHUP
  end it like Ctrl-C does, even when it was started with ``&`` from a script
  (which makes the shell ignore SIGINT).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time

logger = logging.getLogger(__name__)

PARENT_ENV = "TUTORIAL_LIB_ROOM_PARENT"
PDEATHSIG_ENV = "TUTORIAL_LIB_ROOM_PDEATHSIG"
PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def spawn(cmd: list[str], cwd, env: dict, logfile) -> subprocess.Popen:
    """Start ``cmd`` in a new process group (session), told who its parent is.

    The parent-death signal is asked for only when the caller is the main
    thread: Linux sends it when the *thread* that forked exits, which would
    stop a room started from a short-lived worker thread. The watchdog covers
    that case.

    Args:
        cmd: The server's command line (``python -m ...potato_safe start ...``).
        cwd: Folder to run it in (the room folder: Potato reads its config there).
        env: The server's environment; copied, then given this process's pid
            (``TUTORIAL_LIB_ROOM_PARENT``) and whether to ask for the
            parent-death signal.
        logfile: Open binary file that receives stdout and stderr.

    Returns:
        The started process, marked ``own_group`` so :func:`stop_group`
        signals its whole group.
    """
    env = dict(env)
    env[PARENT_ENV] = str(os.getpid())
    env[PDEATHSIG_ENV] = "1" if threading.current_thread() is threading.main_thread() else "0"
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=logfile,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    proc.own_group = True
    return proc


def stop_group(proc: subprocess.Popen | None, timeout_s: float = 5.0) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL after ``timeout_s``.

    A process not started by :func:`spawn` (no group of its own) is signalled alone.
    A group still alive after SIGKILL's wait is logged, not raised: stopping
    must never fail the caller's own shutdown.

    Args:
        proc: The server process; ``None`` (nothing started) does nothing.
        timeout_s: Seconds to wait after each signal before the next.
    """
    if proc is None:
        return
    grouped = getattr(proc, "own_group", False)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig) if grouped else proc.send_signal(sig)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            proc.poll()  # reap the leader, else it counts as a member of the group
            if proc.returncode is not None and not (grouped and _group_alive(proc.pid)):
                return
            time.sleep(0.05)
        logger.warning("room server %d did not stop on %s", proc.pid, sig.name)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _exit_now(signum, _frame) -> None:
    """Leave the serving loop; if shutdown hangs, a timer ends the process outright."""
    timer = threading.Timer(1.0, os._exit, args=(0,))
    timer.daemon = True
    timer.start()
    logger.info("room server stopping on signal %d", signum)
    raise SystemExit(0)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    logger.warning("room server's parent %d is gone: stopping", parent)
    os.kill(os.getpid(), signal.SIGTERM)


def bind_to_parent() -> None:
    """In the server: stop on SIGTERM/SIGINT/SIGHUP and when the starting process dies.

    Call it first thing in the server process. Without ``TUTORIAL_LIB_ROOM_PARENT``
    (started by hand, not by :func:`spawn`) only the signal handlers are set.

    Raises:
        SystemExit: (code 0) if the parent died before the binding took hold,
            so an orphaned server never starts serving.
    """
    for sig in STOP_SIGNALS:
        signal.signal(sig, _exit_now)
    parent = int(os.environ.get(PARENT_ENV, "0") or 0)
    if not parent:
        return
    if os.environ.get(PDEATHSIG_ENV) == "1" and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
    if os.getppid() != parent:  # the parent died before prctl took hold
        raise SystemExit(0)
    threading.Thread(
        target=_watch_parent, args=(parent,), daemon=True, name="room-parent-watchdog"
    ).start()


class Stopped(KeyboardInterrupt):
    """A stop signal arrived (SIGTERM, SIGHUP or SIGINT) while ``room serve`` waited."""


def _raise_stopped(signum, _frame) -> None:
    raise Stopped(signal.Signals(signum).name)


@contextlib.contextmanager
def signals_stop():
    """Within the block, SIGTERM, SIGHUP and SIGINT raise :class:`Stopped` (main thread only).

    Python can set signal handlers only in the main thread; elsewhere the
    block runs unchanged. The previous handlers come back on exit.

    Yields:
        Nothing; the block runs with the stop handlers installed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
