"""reveal.js, the deck's viewer: fetched once from the npm registry, cached, copied next to the deck.

The version and the tarball's integrity hash live here and nowhere else. ``npm pack``
downloads the published tarball (npm checks it against the registry's hash; we check it
against ours, so a re-published or tampered package fails the build). The tarball is
unpacked into ``build/vendor/reveal.js-VERSION`` once; later builds reuse it and need no
network. ``copy_reveal`` puts only what the deck loads next to it, with reveal.js's MIT
licence, so the built folder opens from ``file://`` with no network.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from ..config import REPO_ROOT
from ..errors import TutorialLibError

logger = logging.getLogger(__name__)

REVEAL_VERSION = "6.0.2"
# `npm view reveal.js@6.0.2 dist.integrity`; a new version needs its own hash.
REVEAL_INTEGRITY = "sha512-JYIg5D9aoxoaLeb84O+OvAwsKWdIavVgEDScxtYEXFCT6t6TQrhNtSgogcjdCpdLsWglhJn3zyE3fUOwiH5KEg=="
CACHE_DIR = REPO_ROOT / "build" / "vendor"
# What the deck loads (paths inside the npm package), copied under the deck's reveal/ folder.
ASSETS = (
    "LICENSE",
    "dist/reset.css",
    "dist/reveal.css",
    "dist/theme/white.css",
    "dist/reveal.js",
    "dist/plugin/notes.js",
)


class RevealFetchError(TutorialLibError, RuntimeError):
    """reveal.js could not be fetched from the npm registry (or its hash did not match)."""


def package_dir(cache: Path = CACHE_DIR, version: str = REVEAL_VERSION) -> Path:
    """Where the unpacked npm package of ``version`` lives in ``cache``.

    Args:
        cache: the cache folder.
        version: the reveal.js version.

    Returns:
        ``cache/reveal.js-VERSION/package`` (it may not exist yet).

    Examples:
        >>> package_dir(Path("build/vendor"), "6.0.2").as_posix()
        'build/vendor/reveal.js-6.0.2/package'
    """
    return Path(cache) / f"reveal.js-{version}" / "package"


def _integrity(tarball: Path) -> str:
    """The npm-style ``sha512-<base64>`` integrity of a file."""
    digest = hashlib.sha512(tarball.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def _npm_pack(version: str, dest: Path) -> Path:
    """Download the ``reveal.js@version`` tarball into ``dest`` with ``npm pack``.

    Raises:
        RevealFetchError: npm is missing or the registry did not answer.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise RevealFetchError(
            f"reveal.js {version} is not cached in {CACHE_DIR} and npm is not installed "
            "(install Node.js/npm, or unpack the reveal.js npm tarball there)"
        )
    cmd = [npm, "pack", f"reveal.js@{version}", "--pack-destination", str(dest), "--silent"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    except subprocess.TimeoutExpired:
        raise RevealFetchError(f"npm pack reveal.js@{version}: no answer in 300 s") from None
    tarballs = list(dest.glob("reveal.js-*.tgz"))
    if proc.returncode != 0 or len(tarballs) != 1:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RevealFetchError(
            f"could not fetch reveal.js {version} from the npm registry ({' '.join(cmd[1:3])}): "
            f"{last}"
        )
    return tarballs[0]


def fetch_reveal(cache: Path = CACHE_DIR, version: str = REVEAL_VERSION) -> Path:
    """The unpacked reveal.js npm package, fetched with npm on first use and cached.

    Args:
        cache: the cache folder (``build/vendor`` of the clone by default; git ignores it).
        version: the reveal.js version; only :data:`REVEAL_VERSION` has a known hash.

    Returns:
        The package folder (holding ``LICENSE`` and ``dist/``).

    Raises:
        RevealFetchError: npm is missing, the registry is unreachable, or the tarball's
            hash differs from :data:`REVEAL_INTEGRITY`.
    """
    target = package_dir(cache, version)
    if all((target / asset).is_file() for asset in ASSETS):
        return target
    Path(cache).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        tarball = _npm_pack(version, Path(tmp))
        got = _integrity(tarball)
        if version == REVEAL_VERSION and got != REVEAL_INTEGRITY:
            raise RevealFetchError(
                f"reveal.js {version} tarball hash {got} differs from the pinned {REVEAL_INTEGRITY}"
            )
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(tarball) as tar:
            tar.extractall(unpacked, filter="data")
        shutil.rmtree(target.parent, ignore_errors=True)
        target.parent.mkdir(parents=True)
        (unpacked / "package").rename(target)  # one rename: a crash never leaves half a package
    logger.info("fetched reveal.js %s into %s", version, target)
    return target


def copy_reveal(package: Path, out: Path) -> Path:
    """Copy the files the deck loads (and the MIT licence) to ``out/reveal``.

    Args:
        package: an unpacked reveal.js package (from :func:`fetch_reveal`).
        out: the deck's output folder.

    Returns:
        The ``out/reveal`` folder.
    """
    dest = Path(out) / "reveal"
    for asset in ASSETS:
        target = dest / Path(asset).relative_to("dist" if asset.startswith("dist/") else ".")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(package) / asset, target)
    return dest
