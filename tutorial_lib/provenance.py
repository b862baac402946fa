"""When, and with which packages, a result was made: the time stamps and versions records carry.

Every record's time fields hold :func:`utc_now`; every stage manifest lists
:func:`package_versions`, so a result can be traced to the library versions
that produced it (a transformers upgrade can change a score).
"""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from importlib import metadata

TRACKED_PACKAGES = (
    "tutorial-lib",
    "torch",
    "transformers",
    "datasets",
    "peft",
    "accelerate",
    "toloka-kit",
    "crowd-kit",
    "sacrebleu",
    "sentencepiece",
    "pandas",
    "numpy",
)


def utc_now() -> str:
    """The current time as an ISO-8601 UTC timestamp, to the second.

    One format for every record's time fields (assignments, ledger rows,
    manifests), so they sort and compare as text.

    Returns:
        e.g. ``'2026-11-30T16:40:00+00:00'``.

    Examples:
        >>> stamp = utc_now()
        >>> stamp.endswith("+00:00"), datetime.fromisoformat(stamp).tzinfo is not None
        (True, True)
    """
    return datetime.now(UTC).isoformat(timespec="seconds")


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict:
    """Installed versions of the packages that shape a run's results, and Python's.

    Args:
        names: distribution names to look up (default: :data:`TRACKED_PACKAGES`).

    Returns:
        ``{"python": "3.x.y", name: version or None}``; None marks a package
        that is not installed (e.g. ``toloka-kit`` on a machine without it).

    Examples:
        >>> versions = package_versions(("no-such-package-xyz",))
        >>> sorted(versions), versions["no-such-package-xyz"]
        (['no-such-package-xyz', 'python'], None)
    """
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out
