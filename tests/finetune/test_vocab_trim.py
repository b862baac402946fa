"""Vocabulary trimming keeps tokenization and logits exact for what it kept.

The model here is *not* the kit's stand-in: a different mT5 shape, a
SentencePiece unigram model trained in this file with sentencepiece itself on
texts of its own (Swahili and English about markets and weather), written as
``spiece.model`` next to the fast tokenizer so both get trimmed.
"""

import io
import json

import pytest
import sentencepiece as spm
import torch
from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    MT5Config,
    MT5ForConditionalGeneration,
)

from tutorial_lib.finetune.vocab_trim import MAP_FILE, read_corpus, trim_vocabulary
from tutorial_lib.finetune.vocab_trim_tokenizer import VocabTrimError, kept_piece_ids

OWN_TEXTS = [
    "Soko la Kariakoo hufunguliwa alfajiri kila siku.",
    "Wafanyabiashara huuza ndizi, maembe na nanasi sokoni.",
    "Mvua za masika huanza mwezi Machi katika pwani.",
    "Jua kali liliwaka mchana wote bila mawingu.",
    "The market opens at dawn and closes after sunset.",
    "Traders sell bananas, mangoes and pineapples every morning.",
    "Heavy rains usually begin in March along the coast.",
    "Upepo mkali ulivuma kutoka baharini usiku wa manane.",
    "Bei ya mchele imepanda tangu mwezi uliopita.",
    "Farmers carried sacks of maize to the weekly auction.",
]
CORPUS = OWN_TEXTS[:3] + OWN_TEXTS[4:6]
HELDOUT = ["Wafanyabiashara wa soko huuza maembe.", "Jua liliwaka kali sana leo."]


@pytest.fixture(scope="module")
def own_model(tmp_path_factory):
    """A small mT5-shaped model (3 layers, d_model 48, untied head) with its own SentencePiece."""
    from transformers import T5Tokenizer

    folder = tmp_path_factory.mktemp("own_mt5")
    proto = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(OWN_TEXTS * 5),
        model_writer=proto,
        vocab_size=180,
        model_type="unigram",
        character_coverage=1.0,
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        hard_vocab_limit=False,
        minloglevel=2,
        num_threads=1,
    )
    sp = spm.SentencePieceProcessor(model_proto=proto.getvalue())
    pieces = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
    tok = T5Tokenizer(vocab=pieces, extra_ids=0)
    torch.manual_seed(11)
    cfg = MT5Config(
        vocab_size=len(tok),
        d_model=48,
        d_ff=96,
        num_layers=3,
        num_decoder_layers=3,
        num_heads=3,
        d_kv=16,
        feed_forward_proj="gated-gelu",
        dropout_rate=0.0,
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
    )
    model = MT5ForConditionalGeneration(cfg)
    model.lm_head.weight = torch.nn.Parameter(torch.randn_like(model.lm_head.weight) * 0.2)
    model.all_tied_weights_keys.pop("lm_head.weight", None)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    (folder / "spiece.model").write_bytes(proto.getvalue())
    return folder


@pytest.fixture(scope="module")
def trimmed(own_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("trimmed")
    result = trim_vocabulary(own_model, CORPUS, out, heldout=HELDOUT)
    kept = json.loads((out / MAP_FILE).read_text())["kept_ids"]
    return result, out, kept


def _uses_only(tok, text, kept):
    return set(tok(text)["input_ids"]) <= set(kept)


def test_trim_shrinks_and_reports(trimmed, own_model):
    result, out, kept = trimmed
    full = AutoModelForSeq2SeqLM.from_pretrained(own_model).config.vocab_size
    assert result.vocab_full == full and result.vocab_trimmed == len(kept) < full
    assert kept == sorted(kept) and kept[:3] == [0, 1, 2]  # specials keep their ids
    assert 0.0 <= result.heldout_coverage <= 1.0 and result.heldout_tokens > 0
    model = AutoModelForSeq2SeqLM.from_pretrained(out)
    assert model.config.vocab_size == len(kept) == len(AutoTokenizer.from_pretrained(out))
    assert model.lm_head.weight.data_ptr() != model.shared.weight.data_ptr()  # still untied


def test_tokenization_of_covered_text_maps_to_original_ids(trimmed, own_model):
    _, out, kept = trimmed
    before, after = AutoTokenizer.from_pretrained(own_model), AutoTokenizer.from_pretrained(out)
    covered = [t for t in OWN_TEXTS + HELDOUT if _uses_only(before, t, kept)]
    assert set(CORPUS) <= set(covered) and len(covered) > len(CORPUS)  # unseen texts too
    for text in covered:
        assert [kept[i] for i in after(text)["input_ids"]] == before(text)["input_ids"], text
        assert after.decode(after(text)["input_ids"], skip_special_tokens=True) == text


def test_sentencepiece_model_is_trimmed_the_same_way(trimmed, own_model):
    _, out, kept = trimmed
    old = spm.SentencePieceProcessor(model_file=str(own_model / "spiece.model"))
    new = spm.SentencePieceProcessor(model_file=str(out / "spiece.model"))
    assert new.get_piece_size() == len(kept)
    for text in CORPUS:
        assert [kept[i] for i in new.encode(text)] == old.encode(text)


def test_logits_equal_the_original_at_kept_ids(trimmed, own_model):
    _, out, kept = trimmed
    tok0, tok1 = AutoTokenizer.from_pretrained(own_model), AutoTokenizer.from_pretrained(out)
    m0 = AutoModelForSeq2SeqLM.from_pretrained(own_model).eval()
    m1 = AutoModelForSeq2SeqLM.from_pretrained(out).eval()
    sources, targets = CORPUS[:3], CORPUS[3:] + CORPUS[:1]
    with torch.no_grad():
        l0 = m0(
            **tok0(sources, return_tensors="pt", padding=True),
            labels=tok0(text_target=targets, return_tensors="pt", padding=True)["input_ids"],
        ).logits
        l1 = m1(
            **tok1(sources, return_tensors="pt", padding=True),
            labels=tok1(text_target=targets, return_tensors="pt", padding=True)["input_ids"],
        ).logits
    assert torch.allclose(l0[..., kept], l1, atol=1e-5)


def test_kept_pieces_include_specials_and_single_characters(own_model):
    tok = AutoTokenizer.from_pretrained(own_model)
    kept = set(kept_piece_ids(tok, ["Jua"]))
    assert {tok.pad_token_id, tok.eos_token_id, tok.unk_token_id} <= kept
    vocab = tok.get_vocab()
    assert {vocab[p] for p in ("J", "\u2581J", "a") if p in vocab} <= kept


def test_bad_corpus_lines_are_named(tmp_path):
    bad = tmp_path / "c.jsonl"
    bad.write_text('{"text": "sawa"}\n{oops\n', encoding="utf-8")
    with pytest.raises(VocabTrimError, match=r"c.jsonl:2"):
        read_corpus(bad)
    with pytest.raises(VocabTrimError, match="no corpus text"):
        trim_vocabulary("unused", ["  "], tmp_path / "out")


def test_trim_vocab_command(own_model, tmp_path, capsys):
    from tutorial_lib.cli import main

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(CORPUS), encoding="utf-8")
    assert (
        main(
            [
                "trim-vocab",
                "--model",
                str(own_model),
                "--corpus",
                str(corpus),
                "--out",
                str(tmp_path / "t"),
            ]
        )
        == 0
    )
    assert "vocabulary rows" in capsys.readouterr().out
    assert (tmp_path / "t" / MAP_FILE).exists()
    assert (
        main(
            [
                "trim-vocab",
                "--model",
                str(own_model),
                "--corpus",
                str(tmp_path / "nope.txt"),
                "--out",
                str(tmp_path / "u"),
            ]
        )
        == 2
    )


@pytest.mark.slow
def test_finetune_trims_before_training_and_the_result_scores(own_model, tmp_path):
    from tutorial_lib.evaluate.scoring import evaluate_task
    from tutorial_lib.finetune.train import finetune

    rows = [{"prompt": CORPUS[i % 5], "answer": CORPUS[(i + 1) % 5]} for i in range(10)]
    result = finetune(
        rows,
        tmp_path / "ft",
        str(own_model),
        trim_vocab=True,
        max_steps=2,
        save_steps=2,
        eval_steps=2,
        batch_size=4,
    )
    full = AutoModelForSeq2SeqLM.from_pretrained(own_model).config.vocab_size
    assert result.trimmed_base and 0 < result.vocab_size < full
    assert (tmp_path / "ft" / "model" / MAP_FILE).exists()
    model = AutoModelForSeq2SeqLM.from_pretrained(result.model_dir)
    tok = AutoTokenizer.from_pretrained(result.model_dir)
    docs = [
        {
            "premise": OWN_TEXTS[0],
            "choice1": OWN_TEXTS[1],
            "choice2": OWN_TEXTS[2],
            "question": "effect",
            "label": 0,
            "idx": 0,
        }
    ]
    scored = evaluate_task(model, tok, "xcopa", docs=docs, batch_size=2)
    assert scored["n"] == 1 and len(scored["predictions"][0]["scores"]) == 2
