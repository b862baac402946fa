"""Atomic file writes: a reader sees the old file or the new one, never half of one.

The one place the kit writes files and folders atomically (temp beside the
target, then rename); :mod:`tutorial_lib.jsonl` writes record files through it.
Imports nothing of the kit, so ``jsonl`` and ``rundir`` can use it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "publish_folder",
    "temp_folder_for",
]


def _temp_beside(path: Path) -> Path:
    """A temporary name in ``path``'s folder (same filesystem, so the rename is atomic).

    The process id keeps two processes (a multi-GPU launch) from sharing one temp name.
    """
    return path.with_name(f"{path.name}.tmp-{os.getpid()}")


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``.

    The one way the kit writes a file: readers (another stage, a resumed run, a
    crash) see the old file or the new one, never half of one. On an error the
    temporary file is removed and ``path`` is untouched.

    Args:
        path: the file to write; its parent folder is created.

    Yields:
        The temporary path to write to (by any writer: pyarrow, json, torch...).

    Raises:
        Whatever the ``with`` body raised, after removing the temporary file.

    Examples:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "out.txt"
        >>> with atomic_path(target) as tmp:
        ...     _ = tmp.write_text("done", encoding="utf-8")
        >>> target.read_text(encoding="utf-8"), sorted(p.name for p in target.parent.iterdir())
        ('done', ['out.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_beside(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`).

    Args:
        path: the file to write; its parent folder is created.
        data: the full new content.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically (see :func:`atomic_path`).

    Args:
        path: the file to write; its parent folder is created.
        text: the full new content.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Examples:
        >>> import tempfile
        >>> out = atomic_write_text(Path(tempfile.mkdtemp()) / "a" / "b.md", "# Habari")
        >>> out.read_text(encoding="utf-8")
        '# Habari'
    """
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any, indent: int | None = None) -> Path:
    """Write ``obj`` as JSON (UTF-8, non-ASCII kept) to ``path`` atomically.

    Args:
        path: the file to write; its parent folder is created.
        obj: a JSON-serialisable object; other values (dates, paths) go through ``str``.
        indent: pretty-print indent, or None for one line.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Examples:
        >>> import tempfile
        >>> out = atomic_write_json(Path(tempfile.mkdtemp()) / "x.json", {"lugha": "sw"})
        >>> out.read_text(encoding="utf-8")
        '{"lugha": "sw"}'
    """
    return atomic_write_text(path, json.dumps(obj, indent=indent, ensure_ascii=False, default=str))


def publish_folder(tmp: str | os.PathLike, out_dir: str | os.PathLike, marker: str) -> bool:
    """Rename a fully written folder ``tmp`` onto ``out_dir``: the folder form of :func:`atomic_path`.

    Processes of a multi-GPU launch may build the same folder (a tiny model, a
    trimmed vocabulary) at once: each writes aside and renames into place, so
    none sees (or leaves) a half-written folder. An empty ``out_dir`` is replaced.

    Args:
        tmp: the finished folder, beside ``out_dir`` (see :func:`temp_folder_for`).
        out_dir: where the folder belongs.
        marker: a file name that exists only in a complete ``out_dir``.

    Returns:
        True if this call published ``tmp``; False if another process finished
        first (``tmp`` is then removed and ``out_dir`` is the winner's).

    Raises:
        OSError: the rename failed and ``out_dir`` is not complete either.

    Examples:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> tmp = temp_folder_for(root / "model")
        >>> tmp.mkdir(); _ = (tmp / "done").write_text("1")
        >>> publish_folder(tmp, root / "model", "done"), sorted(p.name for p in root.iterdir())
        (True, ['model'])
    """
    tmp, out_dir = Path(tmp), Path(out_dir)
    if out_dir.exists() and out_dir.is_dir() and not any(out_dir.iterdir()):
        out_dir.rmdir()
    try:
        os.rename(tmp, out_dir)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (out_dir / marker).exists():
            raise
        return False  # another process finished first
    return True


def temp_folder_for(out_dir: str | os.PathLike) -> Path:
    """The temporary folder beside ``out_dir`` to build in before :func:`publish_folder`.

    It sits in the same parent (so the rename is atomic) and carries the process id
    (so two processes of one launch never build in the same place).

    Args:
        out_dir: the folder that will be published.

    Returns:
        The temporary path (not created: the caller makes it and fills it).

    Examples:
        >>> temp_folder_for("runs/tiny-mt5").name.startswith("tiny-mt5.tmp-")
        True
    """
    return _temp_beside(Path(out_dir))
