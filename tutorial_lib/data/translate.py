"""Machine translation of prompts that arrived only in English (NLLB-200 by default).

Only prompts (and their contexts) are translated, never answers: answers are
what the crowd writes in the language. A prompt waits for translation when
``translation_origin == "machine"`` and ``translation_model`` is empty (the
importers mark English-only rows that way); afterwards ``translation_model``
names the model, so reviewers know which prompts to check. Prompts that
already have target-language text (human, source or an earlier MT run) are
used as they are and need no model, so the shipped sets work offline.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

from tutorial_lib.records import Prompt

from .readers import DataSourceError, hf_offline

logger = logging.getLogger(__name__)

DEFAULT_MT_MODEL = "facebook/nllb-200-distilled-600M"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


def needs_translation(prompt: Prompt) -> bool:
    """True for a prompt marked as waiting for machine translation."""
    return prompt.translation_origin == "machine" and not prompt.translation_model


def translate_missing(
    prompts: Sequence[Prompt],
    model_name: str | os.PathLike = DEFAULT_MT_MODEL,
    src_lang: str = "eng_Latn",
    tgt_lang: str = "swh_Latn",
    batch_size: int = 8,
    max_new_tokens: int = 256,
    *,
    translate_context: bool = True,
    device: str | None = None,
    num_beams: int = 4,
) -> list[Prompt]:
    """Translate the prompts that wait for it; returns new Prompts in the same order.

    The English text is kept in ``prompt_en``; ``prompt`` (and ``context`` when
    ``translate_context``) get the translation and ``translation_model`` the
    model name. Text is split into sentences and batched longest-first, so a
    long passage is not truncated and padding is small. A prompt whose
    translation comes back empty stays waiting, with a warning naming it.
    NLLB language codes (``src_lang``, ``forced_bos_token_id``) are used only
    when the tokenizer knows them. The model is loaded only if something waits.

    Raises:
        DataSourceError: the model is neither a local folder nor reachable on the Hub.
    """
    out = [dataclasses.replace(p, references=list(p.references)) for p in prompts]
    todo = [i for i, p in enumerate(out) if needs_translation(p)]
    if not todo:
        logger.info("no prompt waits for machine translation; %d used as they are", len(out))
        return out
    tokenizer, model = load_mt_model(model_name, device)
    forced_bos = _set_language_codes(tokenizer, src_lang, tgt_lang, model_name)
    jobs = []  # (prompt index, field, English text)
    for i in todo:
        p = out[i]
        jobs.append((i, "prompt", p.prompt_en or p.prompt))
        if translate_context and p.context.strip():
            jobs.append((i, "context", p.context))
    results = translate_texts(
        [text for _, _, text in jobs],
        tokenizer,
        model,
        batch_size=batch_size,
        max_new_tokens=max_new_tokens,
        num_beams=num_beams,
        forced_bos_token_id=forced_bos,
    )
    by_prompt: dict[int, dict[str, str]] = {}
    for (i, field, _), text in zip(jobs, results):
        by_prompt.setdefault(i, {})[field] = text
    _apply(out, by_prompt, str(model_name))
    return out


def _apply(out: list[Prompt], by_prompt: dict[int, dict[str, str]], model_name: str) -> None:
    left = []
    for i, fields in by_prompt.items():
        p = out[i]
        if not fields.get("prompt", "").strip():
            left.append(p.id)
            continue
        english = p.prompt_en or p.prompt
        out[i] = dataclasses.replace(
            p,
            prompt=fields["prompt"],
            prompt_en=english,
            context=fields.get("context", p.context) or p.context,
            translation_origin="machine",
            translation_model=model_name,
        )
    done = len(by_prompt) - len(left)
    logger.info("machine-translated %d prompts with %s", done, model_name)
    if left:
        logger.warning(
            "%d prompts came back empty from %s and still wait for translation: %s",
            len(left),
            model_name,
            ", ".join(left[:10]) + (" ..." if len(left) > 10 else ""),
        )


def load_mt_model(model_name: str | os.PathLike, device: str | None = None):
    """Tokenizer and seq2seq model, on ``device`` (CUDA when available), in eval mode."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    name = str(model_name)
    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        model = AutoModelForSeq2SeqLM.from_pretrained(name)
    except Exception as err:  # noqa: BLE001 - hub/loading errors come in many types
        raise DataSourceError(_load_error(name, err)) from None
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    return tokenizer, model.to(device).eval()


def _load_error(name: str, err: Exception) -> str:
    if Path(name).is_dir():
        return (
            f"cannot load translation model from the folder {name!r}: it is not a "
            f"tokenizer + seq2seq model saved with save_pretrained ({type(err).__name__}: {err})"
        )
    state = "offline (HF_HUB_OFFLINE is set)" if hf_offline() else "unreachable or does not have it"
    return (
        f"cannot load translation model {name!r}: it is not a local folder and not in the "
        f"local cache, and the Hugging Face Hub is {state} ({type(err).__name__}). Download it "
        f"once while online (e.g. `hf download {name}`) or pass a local folder as model_name."
    )


def _set_language_codes(tokenizer, src_lang: str, tgt_lang: str, model_name) -> int | None:
    """Set NLLB-style codes when the tokenizer knows them; returns ``forced_bos_token_id``."""
    unk = tokenizer.unk_token_id
    ids = [tokenizer.convert_tokens_to_ids(code) for code in (src_lang, tgt_lang)]
    if not hasattr(tokenizer, "src_lang") or any(i is None or i == unk for i in ids):
        logger.info(
            "%s does not know the language codes %s/%s; translating without them",
            model_name,
            src_lang,
            tgt_lang,
        )
        return None
    tokenizer.src_lang = src_lang
    return ids[1]


def _segments(text: str) -> list[list[str]]:
    """Lines, each split into sentences; an empty line stays an empty line."""
    return [_SENTENCE_END.split(line.strip()) if line.strip() else [] for line in text.split("\n")]


def translate_texts(
    texts: Sequence[str],
    tokenizer,
    model,
    batch_size: int = 8,
    max_new_tokens: int = 256,
    num_beams: int = 1,
    forced_bos_token_id: int | None = None,
) -> list[str]:
    """Translate texts sentence by sentence in length-sorted batches; output order = input order."""
    import torch
    from tqdm.auto import tqdm

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    layout = [_segments(t) for t in texts]
    sentences = [s for lines in layout for line in lines for s in line]
    order = sorted(range(len(sentences)), key=lambda k: -len(sentences[k]))
    done: list[str] = [""] * len(sentences)
    extra = {"forced_bos_token_id": forced_bos_token_id} if forced_bos_token_id is not None else {}
    max_len = min(getattr(tokenizer, "model_max_length", 512) or 512, 1024)
    starts = range(0, len(order), batch_size)
    for start in tqdm(starts, desc="translating", unit="batch", disable=len(starts) < 2):
        idx = order[start : start + batch_size]
        enc = tokenizer(
            [sentences[k] for k in idx],
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=max_len,
        ).to(model.device)
        with torch.no_grad():
            gen = model.generate(**enc, max_new_tokens=max_new_tokens, num_beams=num_beams, **extra)
        for k, text in zip(idx, tokenizer.batch_decode(gen, skip_special_tokens=True)):
            done[k] = text.strip()
    return _reassemble(layout, done)


def _reassemble(layout: list[list[list[str]]], done: list[str]) -> list[str]:
    out, k = [], 0
    for lines in layout:
        parts = []
        for line in lines:
            parts.append(" ".join(t for t in done[k : k + len(line)] if t))
            k += len(line)
        out.append("\n".join(parts).strip())
    return out


def machine_vs_human(
    prompts: Sequence[Prompt], model_name: str | os.PathLike = DEFAULT_MT_MODEL, n: int = 3
) -> list[dict]:
    """Rows ``{"english", "human", "machine"}``: the same text translated by a person and by MT.

    Machine-translates the English originals of ``n`` human-translated prompts, so the two
    Swahili versions of one meaning sit side by side (online: needs the MT model).

    Taught in notebooks/02_collecting_answers.
    """
    chosen = [p for p in prompts if p.prompt_en.strip() and p.translation_origin == "human"][:n]
    waiting = [
        dataclasses.replace(
            p, prompt=p.prompt_en, translation_origin="machine", translation_model="", context=""
        )
        for p in chosen
    ]
    machine = translate_missing(waiting, model_name, translate_context=False)
    return [
        {"english": p.prompt_en, "human": p.prompt, "machine": m.prompt}
        for p, m in zip(chosen, machine)
    ]
