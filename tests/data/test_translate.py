"""Machine translation of waiting prompts, offline with the tiny model (output is gibberish)."""

import dataclasses

import pytest

from tutorial_lib.data import DataSourceError, needs_translation, translate_missing
from tutorial_lib.data.translate import (
    NLLB_CODES,
    TranslationLanguageError,
    _reassemble,
    _segments,
    _set_language_codes,
    load_mt_model,
    nllb_code,
    translate_texts,
)
from tutorial_lib.records import Prompt


def _waiting(pid, english, context=""):
    cat = "closed_qa" if context else "open_qa"
    return Prompt(
        id=pid,
        category=cat,
        prompt=english,
        prompt_en=english,
        context=context,
        translation_origin="machine",
        translation_model="",
    )


HUMAN = Prompt(
    id="h",
    category="open_qa",
    prompt="Mji mkuu wa Kenya ni upi?",
    prompt_en="What is the capital of Kenya?",
    references=["Nairobi."],
)


def test_nothing_waiting_needs_no_model():
    done = dataclasses.replace(_waiting("m", "Hi"), prompt="Habari", translation_model="nllb")
    out = translate_missing([HUMAN, done], model_name="no-such-org/no-such-model")
    assert out == [HUMAN, done] and out[0] is not HUMAN


def test_missing_model_offline_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(
        DataSourceError, match=r"'no-such-org/no-such-model'.*offline.*local folder"
    ):
        translate_missing([_waiting("a", "Hello.")], model_name="no-such-org/no-such-model")
    with pytest.raises(DataSourceError, match="is a folder but not a loadable model"):
        translate_missing([_waiting("a", "Hello.")], model_name=tmp_path)


def test_translates_waiting_prompts_only_and_keeps_order(tiny_model_dir):
    prompts = [
        _waiting("a", "Why is the sky blue?"),
        HUMAN,
        _waiting("c", "Who won the match?", context="The school team won. It was the final."),
    ]
    out = translate_missing(prompts, model_name=tiny_model_dir, max_new_tokens=6, num_beams=1)
    assert [p.id for p in out] == ["a", "h", "c"]
    assert out[1] == HUMAN
    for before, after in ((prompts[0], out[0]), (prompts[2], out[2])):
        if needs_translation(after):  # the untrained model may return nothing: it then still waits
            assert after == before
            continue
        assert after.translation_origin == "machine"
        assert after.translation_model == str(tiny_model_dir)
        assert after.prompt_en == before.prompt_en
        assert after.references == before.references == []
    assert not all(needs_translation(p) for p in (out[0], out[2])), (
        "the tiny model translated nothing"
    )
    assert prompts[0].translation_model == ""  # inputs are not modified


def test_batching_does_not_change_results_or_order(tiny_model_dir):
    tokenizer, model = load_mt_model(tiny_model_dir, device="cpu")
    texts = [
        "How do I plant maize? It needs rain.",
        "Hello.",
        "Capital of Kenya?\n\nExplain briefly.",
    ]
    batched = translate_texts(texts, tokenizer, model, batch_size=4, max_new_tokens=5)
    single = [
        translate_texts([t], tokenizer, model, batch_size=1, max_new_tokens=5)[0] for t in texts
    ]
    assert batched == single
    assert batched[2].count("\n") == 2  # line structure survives sentence splitting


def test_sentence_segments_round_trip():
    text = "First. Second!\n\nThird? Fourth"
    layout = _segments(text)
    assert layout == [["First.", "Second!"], [], ["Third?", "Fourth"]]
    flat = [s.upper() for line in layout for s in line]
    assert _reassemble([layout], flat) == ["FIRST. SECOND!\n\nTHIRD? FOURTH"]


class _CodeTokenizer:
    """Just enough of a tokenizer to check when NLLB codes are used."""

    unk_token_id = 3

    def __init__(self, known, has_src_lang=True):
        self.known = known
        if has_src_lang:
            self.src_lang = "xxx"

    def convert_tokens_to_ids(self, token):
        return self.known.get(token, self.unk_token_id)


def test_language_codes_only_when_the_tokenizer_knows_them():
    tok = _CodeTokenizer({"eng_Latn": 10, "swh_Latn": 11})
    assert (
        _set_language_codes(tok, "eng_Latn", "swh_Latn", "m") == 11 and tok.src_lang == "eng_Latn"
    )
    tok = _CodeTokenizer({"eng_Latn": 10})
    assert _set_language_codes(tok, "eng_Latn", "swh_Latn", "m") is None and tok.src_lang == "xxx"
    tok = _CodeTokenizer({"eng_Latn": 10, "swh_Latn": 11}, has_src_lang=False)
    assert _set_language_codes(tok, "eng_Latn", "swh_Latn", "m") is None


def test_machine_vs_human_pairs_two_translations_of_one_text(tiny_model_dir):
    from tutorial_lib.data.translate import machine_vs_human

    rows = machine_vs_human([HUMAN, _waiting("a", "Hi")], model_name=tiny_model_dir, n=3)
    assert len(rows) == 1  # only human-translated prompts with an English original
    assert rows[0]["english"] == HUMAN.prompt_en and rows[0]["human"] == HUMAN.prompt
    assert isinstance(rows[0]["machine"], str)


def test_nllb_table_uses_only_codes_the_nllb_tokenizer_defines():
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    assert set(NLLB_CODES.values()) <= set(FAIRSEQ_LANGUAGE_CODES)
    assert all(len(iso) == 2 and iso.islower() for iso in NLLB_CODES)
    assert nllb_code("sw") == "swh_Latn" and nllb_code("SW") == "swh_Latn"
    assert nllb_code("yo") == "yor_Latn" and nllb_code("am") == "amh_Ethi"


def test_target_follows_each_prompts_language(monkeypatch):
    seen = []
    monkeypatch.setattr("tutorial_lib.data.translate.load_mt_model", lambda *a: (None, None))
    monkeypatch.setattr(
        "tutorial_lib.data.translate._set_language_codes",
        lambda tok, src, tgt, name: seen.append((src, tgt)),
    )
    monkeypatch.setattr(
        "tutorial_lib.data.translate.translate_texts",
        lambda texts, *a, **k: [t.upper() for t in texts],
    )
    yoruba = dataclasses.replace(_waiting("y", "Good morning."), lang="yo")
    out = translate_missing([_waiting("s", "Hello."), yoruba], model_name="m")
    assert seen == [("eng_Latn", "swh_Latn"), ("eng_Latn", "yor_Latn")]
    assert [p.prompt for p in out] == ["HELLO.", "GOOD MORNING."]
    seen.clear()
    translate_missing([yoruba], model_name="m", tgt_lang="hau_Latn")
    assert seen == [("eng_Latn", "hau_Latn")]


def test_unknown_language_fails_before_loading_a_model():
    waiting = dataclasses.replace(_waiting("x", "Hello."), lang="xx")
    with pytest.raises(TranslationLanguageError, match="no NLLB-200 code for language 'xx'"):
        translate_missing([waiting], model_name="no-such-org/no-such-model")
