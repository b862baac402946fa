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

from ..errors import TutorialLibError
from ..records import Prompt
from .readers import DataSourceError

logger = logging.getLogger(__name__)

DEFAULT_MT_MODEL = "facebook/nllb-200-distilled-600M"
SOURCE_LANG = "eng_Latn"
# ISO 639-1 -> the NLLB-200 (FLORES-200) code of the language NLLB translates into.
# Codes from the model card's ``language_details`` list,
# https://huggingface.co/facebook/nllb-200-distilled-600M (README, retrieved 2026-11-30),
# which is transformers' ``FAIRSEQ_LANGUAGE_CODES`` (tests check every value against it).
# For a macrolanguage NLLB covers one variety: ar -> Modern Standard Arabic, fa -> Western
# Persian, ms -> Standard Malay, mg -> Plateau Malagasy, om -> West Central Oromo,
# ps -> Southern Pashto, lv -> Standard Latvian, mn -> Halh Mongolian, uz -> Northern Uzbek,
# ku -> Northern Kurdish, sq -> Tosk Albanian, ff -> Nigerian Fulfulde, zh -> Simplified.
# fmt: off
NLLB_CODES: dict[str, str] = {
    "af": "afr_Latn", "ak": "aka_Latn", "am": "amh_Ethi", "ar": "arb_Arab", "as": "asm_Beng",
    "ay": "ayr_Latn", "az": "azj_Latn", "ba": "bak_Cyrl", "be": "bel_Cyrl", "bg": "bul_Cyrl",
    "bm": "bam_Latn", "bn": "ben_Beng", "bo": "bod_Tibt", "bs": "bos_Latn", "ca": "cat_Latn",
    "cs": "ces_Latn", "cy": "cym_Latn", "da": "dan_Latn", "de": "deu_Latn", "dz": "dzo_Tibt",
    "ee": "ewe_Latn", "el": "ell_Grek", "en": "eng_Latn", "eo": "epo_Latn", "es": "spa_Latn",
    "et": "est_Latn", "eu": "eus_Latn", "fa": "pes_Arab", "ff": "fuv_Latn", "fi": "fin_Latn",
    "fj": "fij_Latn", "fo": "fao_Latn", "fr": "fra_Latn", "ga": "gle_Latn", "gd": "gla_Latn",
    "gl": "glg_Latn", "gn": "grn_Latn", "gu": "guj_Gujr", "ha": "hau_Latn", "he": "heb_Hebr",
    "hi": "hin_Deva", "hr": "hrv_Latn", "ht": "hat_Latn", "hu": "hun_Latn", "hy": "hye_Armn",
    "id": "ind_Latn", "ig": "ibo_Latn", "is": "isl_Latn", "it": "ita_Latn", "ja": "jpn_Jpan",
    "jv": "jav_Latn", "ka": "kat_Geor", "kg": "kon_Latn", "ki": "kik_Latn", "kk": "kaz_Cyrl",
    "km": "khm_Khmr", "kn": "kan_Knda", "ko": "kor_Hang", "kr": "knc_Latn", "ks": "kas_Arab",
    "ku": "kmr_Latn", "ky": "kir_Cyrl", "lb": "ltz_Latn", "lg": "lug_Latn", "li": "lim_Latn",
    "ln": "lin_Latn", "lo": "lao_Laoo", "lt": "lit_Latn", "lv": "lvs_Latn", "mg": "plt_Latn",
    "mi": "mri_Latn", "mk": "mkd_Cyrl", "ml": "mal_Mlym", "mn": "khk_Cyrl", "mr": "mar_Deva",
    "ms": "zsm_Latn", "mt": "mlt_Latn", "my": "mya_Mymr", "nb": "nob_Latn", "ne": "npi_Deva",
    "nl": "nld_Latn", "nn": "nno_Latn", "no": "nob_Latn", "ny": "nya_Latn", "oc": "oci_Latn",
    "om": "gaz_Latn", "or": "ory_Orya", "pa": "pan_Guru", "pl": "pol_Latn", "ps": "pbt_Arab",
    "pt": "por_Latn", "qu": "quy_Latn", "rn": "run_Latn", "ro": "ron_Latn", "ru": "rus_Cyrl",
    "rw": "kin_Latn", "sa": "san_Deva", "sc": "srd_Latn", "sd": "snd_Arab", "sg": "sag_Latn",
    "si": "sin_Sinh", "sk": "slk_Latn", "sl": "slv_Latn", "sm": "smo_Latn", "sn": "sna_Latn",
    "so": "som_Latn", "sq": "als_Latn", "sr": "srp_Cyrl", "ss": "ssw_Latn", "st": "sot_Latn",
    "su": "sun_Latn", "sv": "swe_Latn", "sw": "swh_Latn", "ta": "tam_Taml", "te": "tel_Telu",
    "tg": "tgk_Cyrl", "th": "tha_Thai", "ti": "tir_Ethi", "tk": "tuk_Latn", "tl": "tgl_Latn",
    "tn": "tsn_Latn", "tr": "tur_Latn", "ts": "tso_Latn", "tt": "tat_Cyrl", "tw": "twi_Latn",
    "ug": "uig_Arab", "uk": "ukr_Cyrl", "ur": "urd_Arab", "uz": "uzn_Latn", "vi": "vie_Latn",
    "wo": "wol_Latn", "xh": "xho_Latn", "yi": "ydd_Hebr", "yo": "yor_Latn", "zh": "zho_Hans",
    "zu": "zul_Latn",
}
# fmt: on


class TranslationLanguageError(TutorialLibError, ValueError):
    """A run language the translation model has no code for; the message lists the ones known."""


def nllb_code(lang: str) -> str:
    """The NLLB-200 target code for a run language given as ISO 639-1 (or already NLLB-style).

    Args:
        lang: ``"sw"`` (ISO 639-1, as in configs and prompts) or an NLLB code such as
            ``"swh_Latn"``, passed through.

    Returns:
        The NLLB code, e.g. ``"swh_Latn"``.

    Raises:
        TranslationLanguageError: ``lang`` is not in :data:`NLLB_CODES`.

    Examples:
        >>> nllb_code("sw"), nllb_code("yo"), nllb_code("ha"), nllb_code("zul_Latn")
        ('swh_Latn', 'yor_Latn', 'hau_Latn', 'zul_Latn')
        >>> nllb_code("xx")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tutorial_lib.data.translate.TranslationLanguageError: no NLLB-200 code for language 'xx'...
    """
    code = (lang or "").strip()
    if code in NLLB_CODES.values():
        return code
    if code.lower() in NLLB_CODES:
        return NLLB_CODES[code.lower()]
    raise TranslationLanguageError(
        f"no NLLB-200 code for language {lang!r}; give the run's language as an ISO 639-1 "
        f"code ({', '.join(sorted(NLLB_CODES))}) or pass tgt_lang= an NLLB code such as "
        f"'swh_Latn'"
    )


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


def needs_translation(prompt: Prompt) -> bool:
    """True for a prompt marked as waiting for machine translation.

    Importers mark an English-only row ``translation_origin="machine"`` with an
    empty ``translation_model``; a prompt already translated names its model.

    Args:
        prompt: one prompt record.

    Returns:
        Whether :func:`translate_missing` would translate it.

    Examples:
        >>> waiting = Prompt(id="p1", category="open_qa", prompt="Hello?", prompt_en="Hello?",
        ...                  translation_origin="machine")
        >>> needs_translation(waiting), needs_translation(Prompt("p2", "open_qa", "Habari?"))
        (True, False)
    """
    return prompt.translation_origin == "machine" and not prompt.translation_model


def translate_missing(
    prompts: Sequence[Prompt],
    model_name: str | os.PathLike = DEFAULT_MT_MODEL,
    src_lang: str = SOURCE_LANG,
    tgt_lang: str | None = None,
    batch_size: int = 8,
    max_new_tokens: int = 256,
    *,
    translate_context: bool = True,
    device: str | None = None,
    num_beams: int = 4,
) -> list[Prompt]:
    """Translate the prompts that wait for it; returns new Prompts in the same order.

    The English text is kept in ``prompt_en``; ``prompt`` (and ``context``) get the
    translation and ``translation_model`` the model name. Text is split into sentences
    and batched longest-first, so a long passage is not truncated and padding is small.
    A prompt whose translation comes back empty stays waiting, with a warning naming it.
    The model is loaded only if something waits, so translated sets work offline.

    Args:
        prompts: the loaded prompts; those not waiting (:func:`needs_translation`) are copied.
        model_name: a Hub id or local folder of a seq2seq MT model (NLLB-200 by default).
        src_lang: the English originals' NLLB code, used only when the tokenizer knows it.
        tgt_lang: one target for all (see :func:`nllb_code`); None follows each ``lang``.
        batch_size: sentences per ``generate`` call.
        max_new_tokens: longest translation of one sentence, in tokens.
        translate_context: also translate each prompt's ``context`` passage.
        device: ``"cuda"``/``"cpu"``; None picks CUDA when available.
        num_beams: beam width (1 is greedy decoding, faster and a little worse).

    Returns:
        New :class:`~tutorial_lib.records.Prompt` objects; the input is not changed.

    Raises:
        DataSourceError: the model is neither a local folder nor reachable on the Hub.
        TranslationLanguageError: a waiting prompt's language has no NLLB code.
    """
    out = [dataclasses.replace(p, references=list(p.references)) for p in prompts]
    todo = [i for i, p in enumerate(out) if needs_translation(p)]
    if not todo:
        logger.info("no prompt waits for machine translation; %d used as they are", len(out))
        return out
    by_target: dict[str, list[int]] = {}  # checked before the model loads: fail fast
    for i in todo:
        by_target.setdefault(nllb_code(tgt_lang or out[i].lang), []).append(i)
    tokenizer, model = load_mt_model(model_name, device)
    generate = {"batch_size": batch_size, "max_new_tokens": max_new_tokens, "num_beams": num_beams}
    by_prompt: dict[int, dict[str, str]] = {}
    for target, indices in by_target.items():
        forced_bos = _set_language_codes(tokenizer, src_lang, target, model_name)
        jobs = _jobs(out, indices, translate_context)
        texts = [text for _, _, text in jobs]
        results = translate_texts(
            texts, tokenizer, model, forced_bos_token_id=forced_bos, **generate
        )
        for (i, field, _), text in zip(jobs, results):
            by_prompt.setdefault(i, {})[field] = text
    _apply(out, by_prompt, str(model_name))
    return out


def _jobs(out: list[Prompt], indices: list[int], translate_context: bool) -> list[tuple]:
    """``(prompt index, field, English text)`` for every text to translate."""
    jobs = []
    for i in indices:
        p = out[i]
        jobs.append((i, "prompt", p.prompt_en or p.prompt))
        if translate_context and p.context.strip():
            jobs.append((i, "context", p.context))
    return jobs


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
    """Tokenizer and seq2seq model through the kit's one loader, on ``device``, in eval mode.

    Args:
        model_name: a Hub id or a folder saved with ``save_pretrained``.
        device: ``"cuda"``/``"cpu"``; None picks CUDA when available.

    Returns:
        ``(tokenizer, model)``.

    Raises:
        DataSourceError: the model cannot be loaded here (offline and not cached, not a model).
    """
    import torch

    # The fine-tuning wing's loader is the kit's one model loader (clear offline errors).
    from ..finetune.loading import ModelLoadError, load_seq2seq

    try:
        model, tokenizer = load_seq2seq(str(model_name))
    except ModelLoadError as err:
        raise DataSourceError(f"translation model: {err}") from None
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    return tokenizer, model.to(device).eval()


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
    """Translate texts sentence by sentence in length-sorted batches; output order = input order.

    Sentences, not whole texts, go to the model so a long passage is never cut
    at the model's length limit; sorting by length keeps padding small. Line
    breaks survive: each line's sentences are joined back with spaces.

    Args:
        texts: the texts to translate (English).
        tokenizer: the model's tokenizer (its source language already set).
        model: a seq2seq model with ``generate`` (on its device, in eval mode).
        batch_size: sentences per ``generate`` call.
        max_new_tokens: longest translation of one sentence, in tokens.
        num_beams: beam width (1: greedy).
        forced_bos_token_id: the target-language token NLLB starts with; None for
            models without language codes.

    Returns:
        One translation per text, in the input order.

    Raises:
        ValueError: ``batch_size`` is below 1.
    """
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

    Args:
        prompts: the prompts; the first ``n`` with a human translation and an English
            original are used.
        model_name: a Hub id or local folder of the MT model.
        n: how many examples.

    Returns:
        One row per chosen prompt: ``{"english", "human", "machine"}``.

    Raises:
        DataSourceError: through :func:`translate_missing`, when the model cannot be loaded.

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
