"""API tokens for crowd platforms: found without ever being shown.

A token is a password for money. It comes from, in order: an environment
variable, Colab's secrets panel (``google.colab.userdata``), or a hidden
``getpass`` prompt when someone is at the keyboard. It is wrapped in
:class:`Secret`, whose ``repr``/``str`` print stars, so it cannot slip into a
log line, an exception, a notebook output or a saved config by accident; only
the thin client edge calls :meth:`Secret.reveal`.

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

import getpass
import logging
import os
import secrets as _random
import sys
from pathlib import Path

from ..errors import TutorialLibError

logger = logging.getLogger(__name__)

MASK = "***"


class MissingSecret(TutorialLibError, RuntimeError):
    """No token was found in any of the places we look; the message says where to put one."""


class Secret:
    """A string that refuses to be printed. ``reveal()`` gives the value to a client."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "") -> None:
        if not isinstance(value, str) or not value.strip():
            raise MissingSecret("a token must be a non-empty string")
        self._value = value.strip()
        self.source = source

    def reveal(self) -> str:
        """The raw token, for the one call that authenticates. Never log the result.

        Returns:
            The token, stripped of surrounding whitespace.
        """
        return self._value

    def scrub(self, text: str) -> str:
        """Hide the token in text about to be shown (an error from a client, a log line).

        Args:
            text: anything; it is converted with ``str``.

        Returns:
            The text with every occurrence of the token replaced by ``***``.

        Examples:
            >>> Secret("abc123").scrub("401 for token abc123")
            '401 for token ***'
        """
        return str(text).replace(self._value, MASK)

    def __repr__(self) -> str:
        return f"Secret({MASK}, source={self.source!r})"

    __str__ = __repr__

    def __reduce__(self):  # pickling would write the token to disk
        raise TypeError("a Secret cannot be pickled")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


def _from_colab(name: str) -> str | None:
    """Colab's secrets panel, when running in Colab and the notebook was granted access."""
    if "google.colab" not in sys.modules:
        return None
    try:
        from google.colab import userdata  # type: ignore[import-not-found]

        return userdata.get(name)
    except Exception as err:  # noqa: BLE001  (SecretNotFoundError, NotebookAccessError, ...)
        # Only the exception's type: its message is Colab's, and we keep ours predictable.
        logger.info("Colab secret %s not available (%s)", name, type(err).__name__)
        return None


def is_interactive() -> bool:
    """Whether someone can answer a prompt: a terminal, or a Jupyter/Colab kernel.

    Returns:
        ``True`` for a terminal on stdin or a Jupyter/Colab kernel; ``False`` otherwise
        (CI, a pipe, a background job), where a prompt would hang.
    """
    try:
        if sys.stdin is not None and sys.stdin.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    if shell is None:
        return False
    # Jupyter's kernel shell is ZMQInteractiveShell; Colab's is google.colab's Shell.
    return "ZMQ" in type(shell).__name__ or "google.colab" in sys.modules


def get_token(name: str = "TOLOKA_TOKEN", interactive: bool | None = None) -> Secret:
    """Find the token called ``name``: environment, then Colab secrets, then a hidden prompt.

    The value is never echoed or logged, only where it came from.

    Args:
        name: the environment variable and Colab secret to read.
        interactive: whether to prompt (input hidden) when neither has it; ``None``
            prompts only when someone can answer (:func:`is_interactive`); tests and
            CI pass ``False`` and get a clear error instead of a hang.

    Returns:
        The token as a :class:`Secret` whose ``source`` says where it was found
        (``environment``, ``colab`` or ``prompt``).

    Raises:
        MissingSecret: if no place had a non-empty token; the message says where to
            put one (and never to paste it into a cell).
    """
    value = os.environ.get(name, "").strip()
    if value:
        logger.info("%s read from the environment", name)
        return Secret(value, source="environment")
    value = (_from_colab(name) or "").strip()
    if value:
        logger.info("%s read from Colab secrets", name)
        return Secret(value, source="colab")
    if interactive is None:
        interactive = is_interactive()
    if interactive:
        value = getpass.getpass(f"{name} (input hidden): ").strip()
        if value:
            return Secret(value, source="prompt")
    raise MissingSecret(
        f"no {name} found. Set the environment variable {name}, or add it in Colab's "
        f"secrets panel (key icon, name {name}, notebook access on). Never paste a token "
        f"into a notebook cell: it would be saved with the notebook."
    )


SALT_FILE = ".pseudonym_salt"


def workdir_salt(workdir: str | os.PathLike) -> str:
    """The per-run secret that keys worker pseudonyms, created once in ``workdir``.

    Real platforms (Toloka, the room) need a secret salt: with a guessable one,
    anyone holding a worker's platform id could recompute their pseudonym. Kept
    next to the run's data so every stage of one run agrees on pseudonyms.

    Args:
        workdir: the run's folder; the salt lives in ``workdir/.pseudonym_salt``.

    Returns:
        The salt (32 hex characters), the same for every call on ``workdir``.
    """
    return workdir_secret(workdir, SALT_FILE)


def workdir_secret(workdir: str | os.PathLike, name: str, nbytes: int = 16) -> str:
    """A random secret kept in ``workdir/name``: created once (owner-only), then read back.

    Args:
        workdir: the folder that owns the secret (a run, a room).
        name: the file's name.
        nbytes: random bytes for a new secret (hex-encoded).

    Returns:
        The secret; every process that asks agrees on one value.
    """
    path = Path(workdir) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{name}.{os.getpid()}.tmp")
        tmp.write_text(_random.token_hex(nbytes), encoding="utf-8")
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # atomic create-if-absent: two processes agree on one secret
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text(encoding="utf-8").strip()
