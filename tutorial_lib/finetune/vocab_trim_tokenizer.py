"""The tokenizer half of vocabulary trimming: which pieces to keep, and a tokenizer of only those.

:func:`tutorial_lib.finetune.vocab_trim.trim_vocabulary` (which also slices the
model's embeddings) calls these. Only unigram (SentencePiece) tokenizers, mT5's
kind, can be trimmed: both the fast tokenizer's ``tokenizer.json`` and the
``spiece.model`` are rewritten, so either loads the same trimmed vocabulary.
:func:`coverage` says how much held-out text a trimmed tokenizer still splits
exactly as the original did.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..errors import TutorialLibError

SPACE = "\u2581"  # SentencePiece's word-boundary mark


class VocabTrimError(TutorialLibError, ValueError):
    """A model, tokenizer or corpus that cannot be trimmed; the message says which and why."""


def kept_piece_ids(tokenizer, texts: Sequence[str]) -> list[int]:
    """Sorted original ids to keep: pieces used by ``texts``, specials, single characters seen.

    Single-character pieces (``c`` and ``▁c``) for every character seen let an
    unseen word in the same script still split into pieces instead of ``<unk>``.

    Args:
        tokenizer: the original (untrimmed) tokenizer.
        texts: the corpus whose tokenization must survive unchanged.

    Returns:
        The original ids to keep, ascending; position ``i`` is new id ``i``.
    """
    keep = set(tokenizer.all_special_ids)
    keep.update(tokenizer.added_tokens_decoder)
    for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]:
        keep.update(ids)
    vocab = tokenizer.get_vocab()
    chars = set("".join(texts)) - {" "}
    for piece in (SPACE, *chars, *(SPACE + c for c in chars)):
        if piece in vocab:
            keep.add(vocab[piece])
    return sorted(keep)


def trim_tokenizer_state(state: dict, kept_ids: Sequence[int]) -> dict:
    """A fast tokenizer's JSON state with only ``kept_ids`` in its unigram vocabulary, ids remapped.

    The unknown-token id, the added tokens and the post-processor's special-token
    ids are remapped too; the input state is left unchanged (a deep copy is edited).

    Args:
        state: ``json.loads(tokenizer.backend_tokenizer.to_str())``.
        kept_ids: the original ids to keep, ascending (from :func:`kept_piece_ids`).

    Returns:
        The new state, for ``tokenizer.json``.

    Raises:
        VocabTrimError: if the tokenizer is not a unigram (SentencePiece) model.

    Examples:
        >>> vocab = [["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0], ["a", -1.0], ["b", -2.0]]
        >>> state = {"model": {"type": "Unigram", "unk_id": 2, "vocab": vocab}}
        >>> trim_tokenizer_state(state, [0, 1, 2, 4])["model"]["vocab"][3]  # "b": id 4 -> 3
        ['b', -2.0]
    """
    model = state["model"]
    if model.get("type") != "Unigram":
        raise VocabTrimError(
            f"only unigram (SentencePiece) tokenizers can be trimmed; this one is {model.get('type')}"
        )
    new_id = {old: new for new, old in enumerate(kept_ids)}
    state = json.loads(json.dumps(state))  # a deep copy
    state["model"]["vocab"] = [model["vocab"][old] for old in kept_ids if old < len(model["vocab"])]
    if model.get("unk_id") is not None:
        state["model"]["unk_id"] = new_id[model["unk_id"]]
    for token in state.get("added_tokens") or []:
        token["id"] = new_id[token["id"]]
    post = state.get("post_processor") or {}
    for special in (post.get("special_tokens") or {}).values():
        special["ids"] = [new_id[i] for i in special["ids"]]
    return state


def trim_sentencepiece(path: Path, kept_ids: Sequence[int]) -> None:
    """Rewrite a ``spiece.model`` in place, keeping ``kept_ids`` in order.

    Ids at or above the model's piece count (tokens added on top of the
    SentencePiece vocabulary) are skipped: the tokenizer config carries those.

    Args:
        path: the ``spiece.model`` file to rewrite.
        kept_ids: the original ids to keep, ascending.
    """
    from sentencepiece import sentencepiece_model_pb2

    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(path.read_bytes())
    pieces = [proto.pieces[i] for i in kept_ids if i < len(proto.pieces)]
    del proto.pieces[:]
    proto.pieces.extend(pieces)
    path.write_bytes(proto.SerializeToString())


def sentencepiece_file(model: str | Path) -> Path | None:
    """The model's ``spiece.model`` (a folder's, or the Hub cache's), if it has one.

    Args:
        model: a local folder or a Hub id (found through the Hugging Face cache).

    Returns:
        The file's path, or None when the model has none (or it cannot be fetched).
    """
    if Path(model).is_dir():
        path = Path(model) / "spiece.model"
        return path if path.exists() else None
    from transformers.utils import cached_file

    try:
        found = cached_file(str(model), "spiece.model", _raise_exceptions_for_missing_entries=False)
    except OSError:
        return None
    return Path(found) if found else None


def save_trimmed_tokenizer(tokenizer, kept_ids: Sequence[int], out_dir: Path, spiece=None):
    """Write ``tokenizer`` trimmed to ``kept_ids`` into ``out_dir``, and load it back to check it.

    Args:
        tokenizer: the original fast tokenizer.
        kept_ids: the original ids to keep, ascending.
        out_dir: the folder to write.
        spiece: the original ``spiece.model`` to copy and trim alongside, or None.

    Returns:
        The trimmed tokenizer, loaded with ``AutoTokenizer`` from ``out_dir``.

    Raises:
        VocabTrimError: if the tokenizer is not a unigram model, or the reloaded
            tokenizer's size is not ``len(kept_ids)``.
    """
    from transformers import AutoTokenizer

    state = trim_tokenizer_state(json.loads(tokenizer.backend_tokenizer.to_str()), kept_ids)
    tokenizer.save_pretrained(out_dir)
    (out_dir / "tokenizer.json").write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    if spiece is not None:
        shutil.copyfile(spiece, out_dir / "spiece.model")
    if (out_dir / "spiece.model").exists():
        trim_sentencepiece(out_dir / "spiece.model", kept_ids)
    _remap_tokenizer_config(out_dir / "tokenizer_config.json", kept_ids)
    trimmed = AutoTokenizer.from_pretrained(out_dir)
    if len(trimmed) != len(kept_ids):
        raise VocabTrimError(
            f"the trimmed tokenizer in {out_dir} has {len(trimmed)} pieces, expected {len(kept_ids)}"
        )
    return trimmed


def _remap_tokenizer_config(path: Path, kept_ids: Sequence[int]) -> None:
    """Remap ``added_tokens_decoder`` ids (older tokenizer configs carry them)."""
    if not path.exists():
        return
    config = json.loads(path.read_text(encoding="utf-8"))
    decoder = config.get("added_tokens_decoder")
    if not decoder:
        return
    new_id = {old: new for new, old in enumerate(kept_ids)}
    config["added_tokens_decoder"] = {str(new_id[int(k)]): v for k, v in decoder.items()}
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")


def coverage(original, trimmed, kept_ids: Sequence[int], texts: Sequence[str]) -> tuple[float, int]:
    """``(share, tokens)``: the share of ``texts``' original tokens tokenized identically.

    Compared word by word (the pre-tokenizer splits on spaces, so a word's pieces
    do not depend on its neighbours): a word counts when its trimmed ids, mapped
    back, equal its original ids.

    Args:
        original: the untrimmed tokenizer.
        trimmed: the trimmed tokenizer.
        kept_ids: new id -> original id.
        texts: held-out texts, not in the corpus the trim was made from.

    Returns:
        The share (0 to 1; 1.0 for no words) and the number of original tokens
        it was measured over.
    """
    words = sorted({w for text in texts for w in text.split()})
    if not words:
        return 1.0, 0
    counts: dict[str, int] = {}
    for text in texts:
        for word in text.split():
            counts[word] = counts.get(word, 0) + 1
    before = original(words, add_special_tokens=False)["input_ids"]
    after = trimmed(words, add_special_tokens=False)["input_ids"]
    same = total = 0
    for word, old, new in zip(words, before, after):
        total += len(old) * counts[word]
        if [kept_ids[i] for i in new] == old:
            same += len(old) * counts[word]
    return same / max(total, 1), total
