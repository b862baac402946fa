"""Loading a seq2seq model by name or folder (or building the tiny stand-in), with clear errors.

Offline (the demo, CI) a Hub id that is not in the cache fails with a message
that says so and what to do instead, never a bare ``OSError`` from deep inside
``transformers``. Two transformers warnings about mT5's untied ``lm_head``,
which no user can act on, are filtered here.

Taught in notebooks/05_hands_on_mt5.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from ..errors import TutorialLibError

logger = logging.getLogger(__name__)

TINY = "tiny"
_MISSING_KEYS = re.compile(r"missing keys in the checkpoint model loaded: \[(.*)\]")


class ModelLoadError(TutorialLibError, OSError):
    """A model name or folder that cannot be loaded here (offline, not cached, not a model)."""


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes")


def _load_error(name: str, err: Exception) -> ModelLoadError:
    if Path(name).exists():
        return ModelLoadError(f"{name} is a folder but not a loadable seq2seq model ({err})")
    where = (
        "this machine is offline (HF_HUB_OFFLINE=1) and it is not in the Hugging Face cache"
        if _offline()
        else f"it could not be fetched from the Hub ({err})"
    )
    return ModelLoadError(
        f"cannot load model {name!r}: {where}. Use the tiny local stand-in (--preset demo, or "
        "model='tiny'), a local folder saved with save_pretrained, or go online to download it "
        "(tutorial-lib stays offline unless TUTORIAL_LIB_ONLINE=1)"
    )


def load_tokenizer(name: str):
    """``AutoTokenizer`` with a clear :class:`ModelLoadError` when it is not available."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(name)
    except (OSError, ValueError) as err:
        raise _load_error(name, err) from None


class TieNoiseFilter(logging.Filter):
    """Drops two transformers warnings about mT5's untied ``lm_head`` that users cannot act on.

    mT5 configs force ``tie_word_embeddings=True`` while real weights are untied
    (load: "we will NOT tie them"), and checkpoints omit the embeddings that *are*
    tied to ``shared`` (resume: "missing keys ... embed_tokens").
    """

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        if "we will NOT tie them" in msg:
            return False
        missing = _MISSING_KEYS.search(msg)
        if not missing:
            return True
        keys = re.findall(r"'([^']+)'", missing.group(1))
        return not all(k.endswith("embed_tokens.weight") for k in keys)  # any other key: keep it


@contextlib.contextmanager
def quiet_tie_warnings(*names: str):
    """Attach :class:`TieNoiseFilter` to transformers loggers for the duration of a block."""
    from transformers.utils import logging as hf_logging

    loggers = [hf_logging.get_logger(n) for n in names or ("transformers.modeling_utils",)]
    noise = TieNoiseFilter()
    for log in loggers:
        log.addFilter(noise)
    try:
        yield
    finally:
        for log in loggers:
            log.removeFilter(noise)


def load_seq2seq(name: str):
    """``(model, tokenizer)`` for a Hub id or local folder; :class:`ModelLoadError` otherwise.

    Taught in notebooks/05_hands_on_mt5.
    """
    from transformers import AutoModelForSeq2SeqLM

    tokenizer = load_tokenizer(name)
    try:
        with quiet_tie_warnings():
            model = AutoModelForSeq2SeqLM.from_pretrained(name)
    except (OSError, ValueError) as err:
        raise _load_error(name, err) from None
    return model, tokenizer


def resolve_base_model(
    model: str, output_dir: str | Path, texts: Sequence[str], vocab_size: int = 2000, seed: int = 0
) -> tuple[str, bool]:
    """``(name or folder to load, used_tiny_stand_in)``; ``"tiny"`` builds the local stand-in.

    Taught in notebooks/05_hands_on_mt5.
    """
    if model != TINY:
        return model, False
    from .tiny import build_tiny_mt5

    folder = build_tiny_mt5(Path(output_dir) / "base_tiny", texts, vocab_size=vocab_size, seed=seed)
    logger.warning(
        "using the tiny locally built mT5 stand-in (%s), not google/mt5-small: it shows "
        "the workflow offline; its outputs say nothing about model quality",
        folder,
    )
    return str(folder), True


def model_type_of(model: str) -> str | None:
    """The ``model_type`` of a local folder's config.json, ``"mt5"`` for the tiny stand-in."""
    if model == TINY:
        return "mt5"
    config = Path(model) / "config.json"
    if config.exists():
        return json.loads(config.read_text(encoding="utf-8")).get("model_type")
    return None
