"""The kit's one offline flag: whether Hugging Face libraries will refuse the network.

``huggingface_hub`` reads ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) from
the environment once, when it is imported, into
``huggingface_hub.constants.HF_HUB_OFFLINE``; ``datasets`` does the same with
``HF_DATASETS_OFFLINE`` into ``datasets.config.HF_HUB_OFFLINE``. Those module
values, not the environment, decide whether a download is attempted, so they
are what the kit reads, at call time. An environment variable changed after
the import does not make the libraries offline, so it does not make the kit
say so either; :func:`tutorial_lib.colab.hub_access` updates the loaded
libraries' values when a notebook switches preset, and this flag follows.
Imports nothing of the kit, so every wing may use it.
"""

from __future__ import annotations

import sys

__all__ = ["env_true", "hf_offline"]


def env_true(value: str | None) -> bool:
    """Whether an environment value means "on", by huggingface_hub's own rule.

    Args:
        value: the variable's value, or None when unset.

    Returns:
        True for ``1``, ``true``, ``yes`` or ``on`` in any case.

    Examples:
        >>> env_true("1"), env_true("Yes"), env_true("0"), env_true(None)
        (True, True, False, False)
    """
    from huggingface_hub import constants

    return (value or "").strip().upper() in constants.ENV_VARS_TRUE_VALUES


def hf_offline(for_datasets: bool = False) -> bool:
    """True when Hugging Face libraries will not contact the Hub (read at call time).

    Args:
        for_datasets: also count ``datasets``' own switch (``HF_DATASETS_OFFLINE``),
            for callers about to load a dataset. It imports ``datasets.config``.

    Returns:
        ``huggingface_hub.constants.HF_HUB_OFFLINE``, or'ed with
        ``datasets.config.HF_HUB_OFFLINE`` when ``datasets`` is asked for or loaded.

    Examples:
        >>> import huggingface_hub.constants as constants
        >>> hf_offline() == constants.HF_HUB_OFFLINE  # the tests run offline
        True
    """
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return True
    if for_datasets:
        import datasets.config  # noqa: F401  (reads HF_DATASETS_OFFLINE once, at import)
    config = sys.modules.get("datasets.config")
    return bool(config is not None and config.HF_HUB_OFFLINE)
