"""Loading a model by name or folder (or building a tiny stand-in), with clear errors.

The model family -- ``"seq2seq"`` (mT5, mT0, Aya-101) or ``"causal"`` (Aya
Expanse, Gemma, Qwen, Llama) -- is read here, once, from the checkpoint's
config (``is_encoder_decoder``); training, scoring and generation dispatch on
:func:`family_of` and never inspect architectures themselves.

Offline (the demo, CI) a Hub id that is not in the cache fails with a message
that says so and what to do instead, never a bare ``OSError`` from deep inside
``transformers``. Two transformers warnings about mT5's untied ``lm_head``,
which no user can act on, are filtered here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from ..errors import TutorialLibError
from ..hub import hf_offline

logger = logging.getLogger(__name__)

TINY = "tiny"
TINY_CAUSAL = "tiny-causal"
FAMILIES = ("seq2seq", "causal")
_MISSING_KEYS = re.compile(r"missing keys in the checkpoint model loaded: \[(.*)\]")


class ModelLoadError(TutorialLibError, OSError):
    """A model name or folder that cannot be loaded here (offline, not cached, not a model)."""


def _load_error(name: str, err: Exception) -> ModelLoadError:
    if Path(name).exists():
        return ModelLoadError(f"{name} is a folder but not a loadable model ({err})")
    where = (
        "this machine is offline (HF_HUB_OFFLINE=1) and it is not in the Hugging Face cache"
        if hf_offline()
        else f"it could not be fetched from the Hub ({err})"
    )
    return ModelLoadError(
        f"cannot load model {name!r}: {where}. Use the tiny local stand-in (--preset demo, or "
        "model='tiny' / 'tiny-causal'), a local folder saved with save_pretrained, or go online to download it "
        "(tutorial-lib stays offline unless TUTORIAL_LIB_ONLINE=1)"
    )


def load_tokenizer(name: str):
    """``AutoTokenizer`` with a clear :class:`ModelLoadError` when it is not available.

    Args:
        name: a Hub id or local folder.

    Returns:
        The tokenizer.

    Raises:
        ModelLoadError: if the folder holds no tokenizer, or the id is not cached
            offline or cannot be fetched online (the message says what to use instead).
    """
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
        """Keep a log record unless it is one of the two untied-``lm_head`` warnings.

        Args:
            record: a log record from a transformers logger.

        Returns:
            False to drop "we will NOT tie them" and a "missing keys" warning that
            names only ``embed_tokens`` weights; True for everything else.
        """
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
    """Attach :class:`TieNoiseFilter` to transformers loggers for the duration of a block.

    Args:
        *names: the transformers logger names to filter; none given means
            ``transformers.modeling_utils``, where loading warns.

    Yields:
        None; the filter is removed when the block exits, even on an error.
    """
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


def model_family(name: str) -> str:
    """``"seq2seq"`` or ``"causal"`` for a Hub id or folder, from its config's ``is_encoder_decoder``.

    Only the config is read, so this is cheap; ``"tiny"`` and ``"tiny-causal"``
    need no config.

    Args:
        name: a Hub id, a local folder, ``"tiny"`` or ``"tiny-causal"``.

    Returns:
        The family, one of ``FAMILIES``.

    Raises:
        ModelLoadError: if no config can be loaded for ``name``.

    Examples:
        >>> model_family("tiny-causal")
        'causal'
    """
    if name in (TINY, TINY_CAUSAL):
        return "causal" if name == TINY_CAUSAL else "seq2seq"
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(name)
    except (OSError, ValueError) as err:
        raise _load_error(name, err) from None
    return "seq2seq" if getattr(config, "is_encoder_decoder", False) else "causal"


def family_of(model) -> str:
    """The family of a loaded model (a ``PeftModel`` too), from the config it carries.

    Args:
        model: a loaded model; anything without an encoder-decoder config counts
            as causal.

    Returns:
        ``"seq2seq"`` or ``"causal"``.
    """
    config = getattr(model, "config", None)
    return "seq2seq" if getattr(config, "is_encoder_decoder", False) else "causal"


def load_pretrained(name: str, family: str | None = None):
    """``(model, tokenizer)`` of either family for a Hub id or folder.

    A causal tokenizer without a pad token gets EOS as pad (batching needs one).

    Args:
        name: a Hub id or local folder.
        family: ``"seq2seq"`` or ``"causal"``; None reads it from the config
            (:func:`model_family`).

    Returns:
        The model (on CPU, in its saved dtype) and its tokenizer.

    Raises:
        ModelLoadError: if the tokenizer or the weights cannot be loaded here.
    """
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    family = family or model_family(name)
    tokenizer = load_tokenizer(name)
    auto = AutoModelForSeq2SeqLM if family == "seq2seq" else AutoModelForCausalLM
    try:
        with quiet_tie_warnings():
            model = auto.from_pretrained(name)
    except (OSError, ValueError) as err:
        raise _load_error(name, err) from None
    if family == "causal" and tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def load_seq2seq(name: str):
    """``(model, tokenizer)`` of a seq2seq model for a Hub id or local folder.

    Args:
        name: a Hub id or local folder of an mT5-family model.

    Returns:
        The model and its tokenizer, as :func:`load_pretrained` gives them.
    """
    return load_pretrained(name, "seq2seq")


def resolve_base_model(
    model: str, output_dir: str | Path, texts: Sequence[str], vocab_size: int = 2000, seed: int = 0
) -> tuple[str, bool]:
    """What to load as the base model; ``"tiny"``/``"tiny-causal"`` build a stand-in first.

    A stand-in is built from the training texts under ``output_dir`` and a
    warning says it shows the workflow only, not model quality.

    Args:
        model: a Hub id or folder (returned unchanged), ``"tiny"`` or ``"tiny-causal"``.
        output_dir: the run's output folder; a stand-in goes into its
            ``base_tiny`` or ``base_tiny_causal`` subfolder.
        texts: texts the stand-in's tokenizer is trained on.
        vocab_size: the stand-in's vocabulary size.
        seed: seeds the stand-in's random weights.

    Returns:
        ``(name or folder to load, used_tiny_stand_in)``.
    """
    if model not in (TINY, TINY_CAUSAL):
        return model, False
    if model == TINY_CAUSAL:
        from .tiny_causal import build_tiny_causal

        build, folder, real = build_tiny_causal, "base_tiny_causal", "a real instruction-tuned LLM"
    else:
        from .tiny import build_tiny_mt5

        build, folder, real = build_tiny_mt5, "base_tiny", "google/mt5-small"
    built = build(Path(output_dir) / folder, texts, vocab_size=vocab_size, seed=seed)
    logger.warning(
        "using the tiny locally built %s stand-in (%s), not %s: it shows the workflow "
        "offline; its outputs say nothing about model quality",
        "causal" if model == TINY_CAUSAL else "mT5",
        built,
        real,
    )
    return str(built), True


def model_type_of(model: str) -> str | None:
    """The ``model_type`` of a local folder's config.json, without loading the model.

    Args:
        model: a local folder, a Hub id, ``"tiny"`` or ``"tiny-causal"``.

    Returns:
        The config's ``model_type`` (``"mt5"``/``"llama"`` for the stand-ins);
        None for a Hub id or a folder without config.json.

    Examples:
        >>> model_type_of("tiny")
        'mt5'
        >>> model_type_of("google/mt5-small") is None  # a Hub id: not looked up
        True
    """
    if model in (TINY, TINY_CAUSAL):
        return "llama" if model == TINY_CAUSAL else "mt5"
    config = Path(model) / "config.json"
    if config.exists():
        return json.loads(config.read_text(encoding="utf-8")).get("model_type")
    return None


def is_stand_in(model_dir: str | Path) -> bool:
    """True when ``model_dir`` holds a locally built stand-in (tiny mT5 or tiny causal).

    Results and evaluations use this to label a stand-in's numbers as saying
    nothing about model quality.

    Args:
        model_dir: a model folder.

    Returns:
        Whether the folder carries either stand-in's marker.
    """
    from .tiny import is_tiny
    from .tiny_causal import is_tiny_causal

    return is_tiny(model_dir) or is_tiny_causal(model_dir)
