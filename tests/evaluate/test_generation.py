"""Held-out generation: chrF++/ROUGE-L that count non-ASCII words, escaped side-by-side HTML."""

import pytest

from tutorial_lib.evaluate.generation import (
    UnicodeTokenizer,
    generate_answers,
    score_generations,
    side_by_side_html,
)


def test_identical_answers_score_100_and_unrelated_low():
    refs = [["Mji mkuu wa Kenya ni Nairobi."], ["Wali hupikwa kwa maji na chumvi."]]
    same = score_generations([r[0] for r in refs], refs)
    assert same["chrf++"] == pytest.approx(100.0) and same["rougeL"] == pytest.approx(100.0)
    other = score_generations(["Ndizi ni tamu.", "Paka analala."], refs)
    assert other["chrf++"] < 30 and other["rougeL"] < 30 and other["n"] == 2


def test_rouge_counts_words_that_rouge_scores_default_tokenizer_drops():
    from rouge_score import rouge_scorer

    pred, ref = "Ελλάδα είναι όμορφη", "Ελλάδα είναι όμορφη χώρα"
    default = rouge_scorer.RougeScorer(["rougeL"]).score(ref, pred)["rougeL"].fmeasure
    assert default == 0.0  # the failure this module works around
    assert score_generations([pred], [[ref]])["rougeL"] == pytest.approx(100 * 2 * 3 / 7, abs=0.01)
    assert UnicodeTokenizer().tokenize("Ñandú, ÇA!") == ["ñandú", "ça"]


def test_best_reference_counts_and_lengths_are_checked():
    got = score_generations(["Habari ya asubuhi"], [["Kwaheri", "Habari ya asubuhi"]])
    assert got["rougeL"] == pytest.approx(100.0)
    with pytest.raises(ValueError, match="2 predictions but 1"):
        score_generations(["a", "b"], [["a"]])
    with pytest.raises(ValueError, match=r"references\[0\]"):
        score_generations(["a"], [[]])


def test_side_by_side_escapes_everything():
    page = side_by_side_html(
        ["<b>swali</b>"],
        ["<script>alert(1)</script>"],
        ["a & b"],
        "base<1>",
        "tuned",
        references=[["<i>ref</i>"]],
    )
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;swali" in page and "a &amp; b" in page and "base&lt;1&gt;" in page
    assert "&lt;i&gt;ref" in page
    with pytest.raises(ValueError, match="same length"):
        side_by_side_html(["a"], [], ["b"], "x", "y")


def test_generate_answers_keeps_prompt_order(tiny_model_dir):
    from tutorial_lib.evaluate.scoring import load_model

    model, tokenizer = load_model(tiny_model_dir, device="cpu")
    prompts = ["Eleza jinsi ya kupika wali.", "Habari?", "Andika shairi fupi kuhusu bahari na jua."]
    batched = generate_answers(model, tokenizer, prompts, max_new_tokens=6, batch_size=3)
    single = [generate_answers(model, tokenizer, [p], max_new_tokens=6)[0] for p in prompts]
    assert batched == single and len(batched) == 3
    assert generate_answers(model, tokenizer, []) == []


def test_generation_cuts_prompts_where_training_cuts_them():
    import inspect

    from tutorial_lib.config import FinetuneConfig
    from tutorial_lib.evaluate.generation import generate_answers

    default = inspect.signature(generate_answers).parameters["max_input_tokens"].default
    assert default == FinetuneConfig().max_source_length
