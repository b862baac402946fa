"""The files the kit ships: presets (``configs/``) and data (seed prompts, smoke benchmarks).

The repository keeps ONE copy of each, in its top-level ``configs/`` and ``data/``
folders where people browse them. A built wheel carries them inside the package
(``pyproject.toml`` maps them to ``tutorial_lib/_shipped/`` with hatchling's
``force-include``), found here through :mod:`importlib.resources`; a source
checkout (an editable install, or running from the clone) reads the top-level
folders directly. Nothing here depends on the current folder or writes anywhere,
so ``tutorial-lib`` works from any folder and never writes inside ``site-packages``.

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

SHIPPED = "_shipped"
KINDS = ("configs", "data")
SOURCE_ROOT = Path(__file__).resolve().parent.parent  # the clone, when running from one


def source_tree() -> Path | None:
    """The repository root when the kit runs from a checkout of it, else None.

    A checkout is recognised by its ``pyproject.toml`` naming this project, so an
    installed wheel that happens to sit beside some other project is not mistaken for one.

    Returns:
        The clone's root folder, or None when installed from a wheel.
    """
    pyproject = SOURCE_ROOT / "pyproject.toml"
    if pyproject.is_file() and 'name = "tutorial-lib"' in pyproject.read_text(encoding="utf-8"):
        return SOURCE_ROOT
    return None


@functools.cache
def shipped_dir(kind: str) -> Path:
    """The folder holding the shipped ``configs`` or ``data``: inside the package when installed
    from a wheel, else the checkout's top-level folder.

    Args:
        kind: ``"configs"`` or ``"data"``.

    Returns:
        The folder (the packaged location, even when missing, so errors name where it looked).

    Raises:
        ValueError: ``kind`` is not one of :data:`KINDS`.
    """
    if kind not in KINDS:
        raise ValueError(f"shipped kind must be one of {KINDS}, got {kind!r}")
    packaged = Path(str(resources.files("tutorial_lib").joinpath(SHIPPED, kind)))
    if packaged.is_dir():
        return packaged
    source = source_tree()
    if source is not None and (source / kind).is_dir():
        return source / kind
    return packaged


def shipped_file(path: str | Path) -> Path | None:
    """``data/...`` or ``configs/...`` as shipped with the kit, or None when it is not one.

    Args:
        path: a relative path whose first part is ``data`` or ``configs``.

    Returns:
        The existing shipped file or folder, or None when ``path`` does not start
        with a shipped kind or names nothing the kit ships.

    Examples:
        >>> shipped_file("data/prompts/seed_sw.jsonl").name
        'seed_sw.jsonl'
        >>> shipped_file("notes/todo.txt") is None
        True
    """
    parts = Path(path).parts
    if len(parts) < 2 or parts[0] not in KINDS:
        return None
    candidate = shipped_dir(parts[0]).joinpath(*parts[1:])
    return candidate if candidate.exists() else None


def resolve_path(path: str | Path) -> Path:
    """A path from a preset or the command line.

    Absolute paths stay as given; a relative path that exists in the current folder
    is the user's file; otherwise ``data/...`` and ``configs/...`` name the files
    shipped with the kit. Anything else stays relative to the current folder, so
    an error names the path the user wrote.

    Args:
        path: as written in a preset (``data/prompts/seed_sw.jsonl``) or given by a user.

    Returns:
        The path to read.
    """
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path
    return shipped_file(path) or path
