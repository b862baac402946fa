"""Trim a seq2seq model's vocabulary to the pieces a target language needs.

mT5 has 250,112 vocabulary rows; in mt5-small the input embedding and the
untied output layer hold about 256M of its 300M parameters, and the softmax
over 250k entries dominates each training step. Swahili plus English use a
small share of those pieces. Trimming keeps:

* every piece used to tokenize the given corpora (the run's prompts and
  answers, the benchmark files, the English originals: whatever is passed);
* the special and added tokens;
* every single-character piece (``c`` and ``▁c``) for each character seen, so
  an unseen word in the same script still splits into pieces instead of
  ``<unk>``.

It rewrites the tokenizer (the fast tokenizer's unigram vocabulary, and the
SentencePiece model when the folder has one), slices the input embeddings
(mT5's ``shared``, which the encoder and decoder embeddings point at) and the
``lm_head`` rows, and writes ``vocab_map.json`` (``kept_ids``: new id ->
original id). The tokenizer side lives in ``vocab_trim_tokenizer``. Guarantee: text whose original tokenization uses only kept
pieces gets the mapped ids (a unigram segmentation that was best among all
pieces is still best among a subset), and the trimmed model's logits equal
the original's at the kept ids.

What it costs: log-likelihoods change, because the softmax normaliser no
longer sums over the dropped pieces (they get no probability mass at all).
Scores of a trimmed model are harness-identical *for that model*; they are
not the untrimmed checkpoint's scores.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from ..atomic import publish_folder, temp_folder_for
from ..jsonl import iter_jsonl
from ..records import RecordError
from .vocab_trim_tokenizer import (
    VocabTrimError,
    coverage,
    kept_piece_ids,
    save_trimmed_tokenizer,
    sentencepiece_file,
)

logger = logging.getLogger(__name__)

MAP_FILE = "vocab_map.json"


@dataclass
class TrimResult:
    """What a trim kept, where it wrote the model, and how well held-out text is covered."""

    out_dir: str
    vocab_full: int
    vocab_trimmed: int
    corpus_texts: int
    heldout_coverage: float | None = None  # share of held-out tokens tokenized identically
    heldout_tokens: int = 0


def read_corpus(path: str | Path) -> list[str]:
    """Texts of a corpus file: every string value of a .json/.jsonl file, else one per line.

    A ``.json`` file that is not one JSON document is read as JSON Lines. Blank
    lines of a text file are skipped.

    Args:
        path: the corpus file (``trim-vocab --corpus``).

    Returns:
        The texts, in file order.

    Raises:
        VocabTrimError: the file is missing or a JSON line does not parse (line named).
    """
    path = Path(path)
    if not path.is_file():
        raise VocabTrimError(f"corpus file {path} does not exist")
    text = path.read_text(encoding="utf-8")
    if path.suffix not in (".json", ".jsonl"):
        return [line for line in text.splitlines() if line.strip()]
    if path.suffix == ".json":
        try:
            return list(_strings(json.loads(text)))
        except json.JSONDecodeError:
            pass  # many ".json" data files are JSON Lines
    try:
        return [s for _, row in iter_jsonl(path) for s in _strings(row)]
    except RecordError as err:
        raise VocabTrimError(str(err)) from None


def _strings(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def slice_embeddings(model, kept_ids: Sequence[int]):
    """``model`` with only the ``kept_ids`` rows of its input embeddings and output layer.

    A separate (untied) ``lm_head`` stays separate, as mT5's checkpoints have it;
    a tied one stays tied. Token ids in the config are remapped.

    Args:
        model: the seq2seq model, changed in place.
        kept_ids: the original ids to keep, ascending; row ``i`` becomes id ``i``.

    Returns:
        The same model, with ``config.vocab_size == len(kept_ids)``.
    """
    import torch

    index = torch.tensor(list(kept_ids), dtype=torch.long)
    emb, head = model.get_input_embeddings(), model.get_output_embeddings()
    tied = head is not None and head.weight is emb.weight
    new_emb = torch.nn.Embedding(len(index), emb.embedding_dim, dtype=emb.weight.dtype)
    new_emb.weight = torch.nn.Parameter(emb.weight.detach()[index].clone())
    model.set_input_embeddings(new_emb)
    if head is not None and not tied:
        new_head = torch.nn.Linear(head.in_features, len(index), bias=head.bias is not None)
        new_head.weight = torch.nn.Parameter(head.weight.detach()[index].clone())
        if head.bias is not None:
            new_head.bias = torch.nn.Parameter(head.bias.detach()[index].clone())
        model.set_output_embeddings(new_head)
        getattr(model, "all_tied_weights_keys", {}).pop("lm_head.weight", None)
    elif tied:
        model.get_output_embeddings().weight = new_emb.weight
    _remap_config_ids(model, {old: new for new, old in enumerate(kept_ids)})
    model.config.vocab_size = len(index)
    return model


def _remap_config_ids(model, new_id: dict[int, int]) -> None:
    configs = [model.config, getattr(model, "generation_config", None)]
    for cfg in filter(None, configs):
        for name in ("pad_token_id", "eos_token_id", "bos_token_id", "decoder_start_token_id"):
            value = getattr(cfg, name, None)
            if isinstance(value, int):
                setattr(cfg, name, new_id[value])
            elif isinstance(value, list):
                setattr(cfg, name, [new_id[v] for v in value])


def trim_vocabulary(
    model: str | Path,
    texts: Sequence[str],
    out_dir: str | Path,
    heldout: Sequence[str] = (),
) -> TrimResult:
    """Trim ``model`` (a Hub id or folder) to the pieces ``texts`` need; save it in ``out_dir``.

    Args:
        model: the seq2seq checkpoint to trim (loaded with the kit's loader).
        texts: the corpus whose tokenization must survive unchanged.
        out_dir: where the trimmed model, tokenizer and ``vocab_map.json`` go.
        heldout: texts *not* in ``texts``, to report how well the trim generalises.

    Returns:
        A :class:`TrimResult` (also written into ``vocab_map.json``).

    Raises:
        VocabTrimError: no corpus text, or a tokenizer that is not a unigram model.

    Examples:
        >>> trim_vocabulary("google/mt5-small", texts, "runs/mt5-small-sw")  # doctest: +SKIP
    """
    from .loading import load_seq2seq
    from .tiny import TINY_MARKER

    texts = [t for t in texts if t and t.strip()]
    if not texts:
        raise VocabTrimError("no corpus text to trim the vocabulary to")
    net, tokenizer = load_seq2seq(str(model))
    vocab_full = int(net.config.vocab_size)
    kept = kept_piece_ids(tokenizer, texts)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    trimmed_tok = save_trimmed_tokenizer(tokenizer, kept, out, sentencepiece_file(model))
    slice_embeddings(net, kept).save_pretrained(out)
    if (Path(model) / TINY_MARKER).exists():  # still the stand-in: outputs must keep saying so
        shutil.copyfile(Path(model) / TINY_MARKER, out / TINY_MARKER)
    share, tokens = coverage(tokenizer, trimmed_tok, kept, heldout) if heldout else (None, 0)
    result = TrimResult(str(out), vocab_full, len(kept), len(texts), share, tokens)
    info = {**asdict(result), "source_model": str(model), "kept_ids": kept}
    info.pop("out_dir")  # the folder may be renamed into place afterwards
    (out / MAP_FILE).write_text(json.dumps(info), encoding="utf-8")
    logger.info(
        "trimmed %s from %d to %d vocabulary rows into %s%s",
        model,
        vocab_full,
        len(kept),
        out,
        f"; held-out coverage {share:.1%} of {tokens} tokens" if share is not None else "",
    )
    return result


def is_trimmed(model_dir: str | Path) -> bool:
    """True when ``model_dir`` was written by :func:`trim_vocabulary`.

    Args:
        model_dir: a model folder.

    Returns:
        Whether it holds ``vocab_map.json``.
    """
    return (Path(model_dir) / MAP_FILE).exists()


def trimmed_for_run(base: str, texts: Sequence[str], parent: str | Path) -> str:
    """The folder of ``base`` trimmed to ``texts`` under ``parent`` (built once per corpus).

    The folder name carries a hash of the base and the texts, so a changed corpus
    trims again and an unchanged one is reused (a resumed run trains the same
    vocabulary). Built aside and renamed into place, so processes of a
    multi-GPU launch that trim at the same time never see a half-written folder.

    Args:
        base: the base model's Hub id or folder.
        texts: the corpus the trimmed vocabulary must cover.
        parent: the run's output folder.

    Returns:
        The trimmed model's folder, ``parent/base_trimmed-<hash>``.
    """
    import hashlib

    digest = hashlib.sha256("\n".join([str(base), *texts]).encode("utf-8")).hexdigest()[:12]
    out = Path(parent) / f"base_trimmed-{digest}"
    if is_trimmed(out):
        return str(out)
    tmp = temp_folder_for(out)
    trim_vocabulary(base, texts, tmp)
    publish_folder(tmp, out, MAP_FILE)
    return str(out)
