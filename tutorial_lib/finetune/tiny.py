"""A tiny mT5 built locally, the offline stand-in for ``google/mt5-small``.

No weights can be downloaded in CI or on a plane, so the demo trains a small
SentencePiece tokenizer on the kit's own text and initialises a small
``MT5ForConditionalGeneration``. Both are written with ``save_pretrained`` and
load back through ``AutoTokenizer``/``AutoModelForSeq2SeqLM``: the same path
that loads the real checkpoint online, so nothing downstream special-cases it.
Like the real mT5 checkpoints it has its own ``lm_head`` (untied from the input
embedding). The model is untrained: every output says plainly when it is used.

Taught in notebooks/05_hands_on_mt5.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from ..atomic import publish_folder, temp_folder_for

logger = logging.getLogger(__name__)

TINY_MARKER = "tutorial_lib_tiny_mt5.json"
TINY_SHAPE = {
    "d_model": 64,
    "d_ff": 128,
    "num_layers": 2,
    "num_decoder_layers": 2,
    "num_heads": 4,
    "d_kv": 16,
}


def train_sentencepiece(texts: Iterable[str], vocab_size: int = 2000) -> list[tuple[str, float]]:
    """Train a unigram SentencePiece vocabulary in memory, for the tiny mT5's tokenizer.

    Ids 0/1/2 are ``<pad>``/``</s>``/``<unk>`` as in mT5, so the T5 tokenizer
    built from the list keeps mT5's special-token ids. Training on one thread is
    deterministic (the same texts give the same pieces), so it takes no seed.

    Args:
        texts: the training texts; blank ones are skipped.
        vocab_size: the target number of pieces; a small corpus may give fewer
            (the limit is soft).

    Returns:
        ``[(piece, score), ...]`` in id order.

    Raises:
        ValueError: if ``texts`` hold no text at all.

    Examples:
        >>> pieces = train_sentencepiece(["habari yako rafiki", "asante sana rafiki yangu"], 30)
        >>> pieces[:3]
        [('<pad>', 0.0), ('</s>', 0.0), ('<unk>', 0.0)]
    """
    import sentencepiece as spm

    texts = [t.strip() for t in texts if t and t.strip()]
    if not texts:
        raise ValueError("cannot train a tokenizer on no text")
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        pad_piece="<pad>",
        eos_piece="</s>",
        unk_piece="<unk>",
        hard_vocab_limit=False,
        num_threads=1,
        minloglevel=2,
    )
    proc = spm.SentencePieceProcessor(model_proto=model.getvalue())
    return [(proc.id_to_piece(i), proc.get_score(i)) for i in range(proc.get_piece_size())]


def build_tiny_tokenizer(texts: Iterable[str], vocab_size: int = 2000):
    """A ``T5Tokenizer`` from a freshly trained vocabulary, for the tiny mT5.

    The vocabulary is passed as ``vocab=``, not ``vocab_file=``: transformers 5
    silently maps every token to ``<unk>`` with a bare ``spiece.model``.

    Args:
        texts: the texts the vocabulary is trained on.
        vocab_size: the target number of pieces.

    Returns:
        The tokenizer, with mT5's special-token ids and no extra ids.

    Raises:
        ValueError: via :func:`train_sentencepiece`, if there is no text.
    """
    from transformers import T5Tokenizer

    vocab = train_sentencepiece(texts, vocab_size=vocab_size)
    return T5Tokenizer(vocab=vocab, extra_ids=0)


def build_tiny_mt5(
    out_dir: str | Path,
    texts: Iterable[str],
    vocab_size: int = 2000,
    seed: int = 0,
    shape: dict | None = None,
) -> Path:
    """Build, save and return the folder of a tiny untrained mT5 (tokenizer included).

    Idempotent: an existing folder with the marker file is reused as is.

    Args:
        out_dir: the folder to write (or reuse).
        texts: the texts its tokenizer is trained on (the training data, in the demo).
        vocab_size: the tokenizer's target vocabulary size.
        seed: sets the random initial weights (the tokenizer depends on ``texts`` only).
        shape: ``MT5Config`` size fields; None means ``TINY_SHAPE`` (2 layers, d_model 64).

    Returns:
        ``out_dir`` as a ``Path``; it loads with ``AutoModelForSeq2SeqLM``.
    """
    from transformers import MT5Config, MT5ForConditionalGeneration

    def make():
        tokenizer = build_tiny_tokenizer(texts, vocab_size=vocab_size)
        config = MT5Config(
            vocab_size=len(tokenizer),
            decoder_start_token_id=tokenizer.pad_token_id,
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=tokenizer.eos_token_id,
            feed_forward_proj="gated-gelu",
            dropout_rate=0.0,
            **(shape or TINY_SHAPE),
        )
        return untie_lm_head(MT5ForConditionalGeneration(config)), tokenizer

    info = {
        "stand_in_for": "google/mt5-small",
        "note": "tiny untrained mT5 built locally for offline demos; not a real checkpoint",
    }
    return build_stand_in(out_dir, TINY_MARKER, seed, make, info)


def build_stand_in(out_dir: str | Path, marker: str, seed: int, make, info: dict) -> Path:
    """Build a tiny stand-in model folder once; shared by the mT5 and the causal builders.

    Args:
        out_dir: the folder; reused as is when it holds ``marker`` and a config.
        marker: the JSON file that marks (and describes) a complete stand-in.
        seed: seeds the random initial weights, in a forked RNG (the caller's RNG is untouched).
        make: ``() -> (model, tokenizer)``.
        info: what the marker records; vocabulary size and seed are added.

    Returns:
        ``out_dir``. It is written aside and renamed into place, so processes of a
        multi-GPU launch that build at the same time never see a half-written folder.
    """
    import torch

    out_dir = Path(out_dir)
    if (out_dir / marker).exists() and (out_dir / "config.json").exists():
        return out_dir
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model, tokenizer = make()
    tmp = temp_folder_for(out_dir)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    info = {**info, "vocab_size": len(tokenizer), "seed": seed}
    (tmp / marker).write_text(json.dumps(info, indent=2), encoding="utf-8")
    if publish_folder(tmp, out_dir, marker):
        logger.info("built a tiny stand-in (%d-token vocabulary) in %s", len(tokenizer), out_dir)
    return out_dir


def untie_lm_head(model):
    """Give ``model`` its own ``lm_head``, as the real mT5 checkpoints have.

    transformers 5 forces ``MT5Config.tie_word_embeddings=True``, so a freshly
    built model shares ``lm_head`` with ``shared``. Real checkpoints still load
    untied because their file holds a *different* ``lm_head.weight``; we
    reproduce that: a separate parameter (scaled so first logits are ~unit
    variance) and no tie entry, so ``save_pretrained`` writes both tensors.

    Args:
        model: a freshly built ``MT5ForConditionalGeneration``.

    Returns:
        The same model, changed in place; an already untied model is returned as is.
    """
    import torch

    if model.lm_head.weight is not model.get_input_embeddings().weight:
        return model
    d_model = model.config.d_model
    weight = torch.empty_like(model.lm_head.weight).normal_(0.0, d_model**-0.5)
    model.lm_head.weight = torch.nn.Parameter(weight)
    getattr(model, "all_tied_weights_keys", {}).pop("lm_head.weight", None)
    return model


def is_tiny(model_dir: str | Path) -> bool:
    """True when ``model_dir`` holds the locally built mT5 stand-in, not a real checkpoint.

    Args:
        model_dir: a model folder (a Hub id simply answers False).

    Returns:
        Whether the folder has the stand-in's marker file.

    Examples:
        >>> is_tiny("google/mt5-small")
        False
    """
    return (Path(model_dir) / TINY_MARKER).exists()
