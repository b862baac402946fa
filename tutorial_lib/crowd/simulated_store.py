"""Where the simulated crowd keeps its state: the worker pool, the lifecycle state, the truth.

Three files in the crowd's ``workdir``, all JSON, so a stage in another process
(or a rerun after an interruption) continues where the last one stopped:

* ``_workers.json``: the pool, built once from (seed, n_workers, mix) and
  refused if a later run asks for another simulation in the same folder;
* ``_state.json``: projects, tasks and assignments, rewritten atomically;
* ``_truth.jsonl``: the hidden truth of every simulated answer, appended,
  never part of an :class:`~tutorial_lib.records.Assignment`, so quality
  control is scored against it without seeing it.

Taught in notebooks/03_answer_validation.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..atomic import atomic_write_json
from ..jsonl import append_jsonl, iter_jsonl
from .backend import BackendError, pseudonymise
from .simworkers import build_pool

STATE, TRUTH, WORKERS = "_state.json", "_truth.jsonl", "_workers.json"


def load_or_build_pool(workdir: Path, seed: int, n_workers: int, mix: dict) -> dict:
    """The saved worker pool, or a new one built and saved for these settings.

    Worker ids are pseudonymised with a salt derived from ``seed``, so the
    same simulation always gives the same ids.

    Args:
        workdir: The simulated crowd's folder.
        seed: The simulation seed.
        n_workers: Pool size.
        mix: Profile shares, as :func:`~tutorial_lib.crowd.simworkers.resolve_mix`
            returns them.

    Returns:
        ``{worker_id: worker}``, as :func:`~tutorial_lib.crowd.simworkers.build_pool`
        builds it.

    Raises:
        BackendError: if ``workdir`` holds a pool of another seed,
            ``n_workers`` or ``mix`` (its assignments would not match).
    """
    path = workdir / WORKERS
    if path.exists():
        saved = json.loads(path.read_text(encoding="utf-8"))
        wanted = {"seed": seed, "n_workers": n_workers, "mix": mix}
        got = {k: saved.get(k) for k in wanted}
        if got != wanted:
            raise BackendError(
                f"{path} belongs to another simulation ({got}); use a fresh "
                f"workdir or the same seed, n_workers and mix ({wanted})"
            )
        return saved["workers"]
    salt = f"simulated-crowd-{seed}"
    workers = build_pool(seed, n_workers, mix, lambda raw: pseudonymise(raw, salt))
    atomic_write_json(path, {"seed": seed, "n_workers": n_workers, "mix": mix, "workers": workers})
    return workers


def load_state(workdir: Path, seed: int) -> dict:
    """The saved lifecycle state, or an empty one for a new simulation.

    Args:
        workdir: The simulated crowd's folder.
        seed: The simulation seed, recorded in a new state.

    Returns:
        ``{"format", "seed", "projects", "tasks", "assignments"}``; the last
        three map project ids (and, for tasks, task ids) and assignment ids
        to their rows.
    """
    path = workdir / STATE
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"format": 1, "seed": seed, "projects": {}, "tasks": {}, "assignments": {}}


def save_state(workdir: Path, state: dict) -> None:
    """Write the lifecycle state atomically (a crash leaves the previous state whole).

    Args:
        workdir: The simulated crowd's folder.
        state: The state :func:`load_state` returned, as changed since.
    """
    atomic_write_json(workdir / STATE, state)


def append_truth(workdir: Path, rows: list[dict]) -> None:
    """Add the hidden truth of newly simulated answers.

    Args:
        workdir: The simulated crowd's folder.
        rows: One dict per answer: ``assignment_id`` plus its truth
            (``helpful``, ``profile``, ``worker_id``, ``variant``).
    """
    append_jsonl(workdir / TRUTH, rows)


def load_truth(workdir: str | os.PathLike) -> dict:
    """Hidden truth per simulated answer id: ``{"helpful", "profile", "worker_id", "variant"}``.

    Args:
        workdir: The simulated crowd's folder.

    Returns:
        ``{assignment_id: truth}``; empty when nothing was simulated there (a
        crowd that is not simulated has no truth). Truth files written before
        the rename call the id ``answer_id``; they read the same.

    Taught in notebooks/03_answer_validation.
    """
    path, out = Path(workdir) / TRUTH, {}
    if path.exists():
        for _, row in iter_jsonl(path):
            # truth files written before the rename call the id answer_id
            key = "assignment_id" if "assignment_id" in row else "answer_id"
            out[row.pop(key)] = row
    return out


def worker_groups(workdir: str | os.PathLike, attribute: str = "region") -> dict[str, str]:
    """Worker id -> a pool attribute (``region`` by default) from the saved pool.

    Used to measure acceptance by annotator group (``quality.groups``); a pool saved
    before regions existed maps every worker to ``"unknown"``.

    Args:
        workdir: The simulated crowd's folder.
        attribute: A top-level key of each saved worker (``region``).

    Returns:
        ``{worker_id: str(value)}``, ``"unknown"`` where a worker lacks it.

    Raises:
        FileNotFoundError: if ``workdir`` holds no simulated worker pool.

    Taught in notebooks/03_answer_validation.
    """
    path = Path(workdir) / WORKERS
    if not path.exists():
        raise FileNotFoundError(f"{path}: no simulated worker pool here")
    workers = json.loads(path.read_text(encoding="utf-8"))["workers"]
    return {wid: str(w.get(attribute, "unknown")) for wid, w in workers.items()}
