"""``google.colab.userdata``: Colab secrets, here read from ``COLAB_SECRET_<NAME>`` variables."""

import os


class SecretNotFoundError(Exception):
    """Raised by Colab when the notebook has no such secret."""


def get(name: str) -> str:
    value = os.environ.get(f"COLAB_SECRET_{name}")
    if value is None:
        raise SecretNotFoundError(name)
    return value
