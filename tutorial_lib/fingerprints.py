"""Stage fingerprints: what a stage's result depends on, hashed, and how two of them differ.

A stage's fingerprint holds the config keys it reads, its input stages'
fingerprint digests and digests of the input files it reads (``--prompts``,
benchmark files). :mod:`tutorial_lib.stages` builds one per stage; the
:class:`~tutorial_lib.rundir.RunDir` records it in the stage's manifest, and a
stage whose recorded digest differs from the current one reruns, with
:func:`fingerprint_changes` saying why. Like ``dvc.yaml``'s ``deps``/``params``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def file_digest(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes (a directory: of its files' names and bytes, sorted).

    Files are read in 1 MiB blocks, so a model folder of several GB hashes in
    constant memory. A directory's digest covers each file's path relative to
    it, so renaming a file inside changes it too.

    Args:
        path: a file or a directory.

    Returns:
        The hex digest (64 characters).

    Examples:
        >>> import tempfile
        >>> f = Path(tempfile.mkdtemp()) / "prompts.jsonl"
        >>> _ = f.write_text("{}\\n")
        >>> file_digest(f) == file_digest(f.parent), len(file_digest(f))
        (True, 64)
    """
    path, h = Path(path), hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode("utf-8"))
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def fingerprint(config: dict, inputs: dict[str, str], files: dict[str, str]) -> dict:
    """What a stage's result depends on, with a digest over all of it.

    Args:
        config: dotted config key -> value, for the keys the stage reads.
        inputs: input stage -> that stage's fingerprint digest.
        files: input file -> its :func:`file_digest` (or another stable id, e.g. a Hub name).

    Returns:
        ``{"digest", "config", "inputs", "files"}``, JSON-ready; ``digest`` is the
        first 16 hex characters of the SHA-256 of the other three, keys sorted.

    Examples:
        >>> a = fingerprint({"crowd.answer_overlap": 3}, {"prompts": "ab12"}, {})
        >>> b = fingerprint({"crowd.answer_overlap": 3}, {"prompts": "ab12"}, {})
        >>> a["digest"] == b["digest"], len(a["digest"])
        (True, 16)
    """
    body = {"config": config, "inputs": inputs, "files": files}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return {"digest": hashlib.sha256(text.encode("utf-8")).hexdigest()[:16], **body}


def fingerprint_changes(old: dict | None, new: dict) -> list[str]:
    """Human-readable differences between two fingerprints (``key: old -> new``).

    The pipeline prints these when it reruns a stage, so the user sees which
    setting or file made it rerun.

    Args:
        old: the fingerprint a stage recorded; None or ``{}`` when it recorded none.
        new: the fingerprint the current settings give.

    Returns:
        One line per changed config key or file (``'key: old -> new'``, a missing
        side shown as ``'(unset)'``) and per changed input stage; one line saying
        so when ``old`` has no fingerprint; empty when nothing differs.

    Examples:
        >>> old = fingerprint({"seed": 1}, {}, {})
        >>> fingerprint_changes(old, fingerprint({"seed": 2}, {}, {}))
        ['seed: 1 -> 2']
    """
    if not old or "digest" not in old:
        return ["no fingerprint recorded (made by an older version of the kit)"]
    out = []
    for part, label in (("config", ""), ("files", "file "), ("inputs", "input stage ")):
        before, after = old.get(part, {}), new.get(part, {})
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                if part == "inputs":
                    out.append(f"{label}{key} changed")
                else:
                    out.append(
                        f"{label}{key}: {before.get(key, '(unset)')!r} -> "
                        f"{after.get(key, '(unset)')!r}"
                    )
    return out
