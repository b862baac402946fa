"""The one error family: every error the kit raises on purpose derives from ``TutorialLibError``.

Why one base: the ``tutorial-lib`` command catches it in exactly one place and prints one
clear line (``-v`` shows the traceback), the way ``requests.RequestException`` lets
callers catch everything a library means to raise. Each subclass keeps a familiar
built-in base too (``ValueError``, ``OSError``, ...) so ``except ValueError`` still works.

Examples:
    >>> from tutorial_lib.errors import TutorialLibError
    >>> from tutorial_lib.config import ConfigError
    >>> issubclass(ConfigError, TutorialLibError)
    True
"""

from __future__ import annotations


class TutorialLibError(Exception):
    """Base of every error the kit raises on purpose; the CLI prints it as one line."""
