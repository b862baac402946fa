"""Held-out generation: answers for held-out prompts, chrF++ and ROUGE-L, and a side-by-side view.

Accuracy on XCOPA/XNLI says little about whether answers got better; the
held-out prompts (never trained on) do. chrF++ (sacrebleu, ``word_order=2``)
works on characters, which suits an agglutinative language like Swahili.
ROUGE-L uses a Unicode-aware whitespace tokenizer because rouge-score's
default one keeps only ``[a-z0-9]`` and silently drops every other letter.

Taught in notebooks/04_instruction_finetuning.
"""

from __future__ import annotations

import logging
import re
from statistics import mean

from tqdm.auto import tqdm

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)


class UnicodeTokenizer:
    """Lower-cased ``\\w+`` tokens, so ``ñ``, ``ß`` or Arabic letters count as letters."""

    def tokenize(self, text: str) -> list[str]:
        """Split text into words the way ROUGE-L should count them for Swahili.

        Args:
            text: any text; None or empty gives no tokens.

        Returns:
            The lower-cased word tokens, in order.

        Examples:
            >>> UnicodeTokenizer().tokenize("Ninaenda sokoni, Señor!")
            ['ninaenda', 'sokoni', 'señor']
        """
        return _WORD.findall((text or "").lower())


def generate_answers(
    model,
    tokenizer,
    prompts: list[str],
    max_new_tokens: int = 64,
    batch_size: int = 8,
    max_input_tokens: int = 256,
) -> list[str]:
    """Greedy answers, one per prompt, in prompt order (batched by length to cut padding).

    A causal model reads each prompt as it was trained (chat template, else the
    kit's instruction template; see ``finetune.causal_data.format_prompt``),
    left-padded, and stops at its end-of-turn/EOS token; only the new tokens are
    decoded.

    Args:
        model: a fine-tuned (or base) seq2seq or causal model.
        tokenizer: its tokenizer.
        prompts: the model inputs (for held-out rows, their ``prompt`` field).
        max_new_tokens: the longest answer, in tokens.
        batch_size: prompts per ``generate`` call.
        max_input_tokens: prompts are cut to this many tokens; pass the
            training's ``finetune.max_source_length`` so they are cut where training cut them.

    Returns:
        One stripped answer per prompt; ``[]`` for no prompts.

    Taught in notebooks/04_instruction_finetuning.
    """
    import torch

    from ..finetune.loading import family_of

    if not prompts:
        return []
    generate = _generate_causal if family_of(model) == "causal" else _generate_seq2seq
    order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
    answers: list[str] = [""] * len(prompts)
    model.eval()
    with torch.inference_mode():
        for start in tqdm(range(0, len(order), batch_size), desc="generating", leave=False):
            idx = order[start : start + batch_size]
            batch = [prompts[i] for i in idx]
            texts = generate(model, tokenizer, batch, max_new_tokens, max_input_tokens)
            for i, text in zip(idx, texts):
                answers[i] = text.strip()
    return answers


def _generate_seq2seq(
    model, tokenizer, prompts: list[str], max_new_tokens: int, max_input_tokens: int
) -> list[str]:
    """Greedy generation from right-padded, truncated prompts (the encoder reads them whole)."""
    device = next(model.parameters()).device
    enc = tokenizer(
        prompts, return_tensors="pt", padding=True, truncation=True, max_length=max_input_tokens
    ).to(device)
    out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, num_beams=1)
    return tokenizer.batch_decode(out, skip_special_tokens=True)


def _generate_causal(
    model, tokenizer, prompts: list[str], max_new_tokens: int, max_input_tokens: int
) -> list[str]:
    """Left-padded greedy generation from formatted prompts; stops at EOS (or end of turn)."""
    import torch

    from ..finetune.causal_data import encode_prompt

    device = next(model.parameters()).device
    seqs = [encode_prompt(tokenizer, p)[-max_input_tokens:] for p in prompts]
    width = max(map(len, seqs))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    ids = torch.tensor([[pad] * (width - len(s)) + s for s in seqs], device=device)
    mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in seqs], device=device)
    eos = model.generation_config.eos_token_id
    out = model.generate(
        input_ids=ids,
        attention_mask=mask,
        max_new_tokens=max_new_tokens,
        do_sample=False,
        num_beams=1,
        pad_token_id=pad,
        eos_token_id=eos if eos is not None else tokenizer.eos_token_id,
    )
    return tokenizer.batch_decode(out[:, width:], skip_special_tokens=True)


def _check_lengths(predictions: list[str], references: list[list[str]]) -> None:
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} reference lists")
    for i, refs in enumerate(references):
        if isinstance(refs, str) or not refs:
            raise ValueError(f"references[{i}] must be a non-empty list of strings, got {refs!r}")


def score_generations(predictions: list[str], references: list[list[str]]) -> dict:
    """Corpus chrF++ and mean ROUGE-L F1 (best reference per answer), both 0-100.

    Args:
        predictions: one generated answer per held-out prompt.
        references: each prompt's reference answers (a non-empty list each;
            prompts may have different numbers of references).

    Returns:
        ``{"chrf++", "rougeL", "n"}``, scores rounded to 2 places; NaN scores for
        no predictions.

    Raises:
        ValueError: if the lengths differ or a reference list is empty or a string.

    Examples:
        >>> score_generations(["Ninapenda chai"], [["Ninapenda chai", "Napenda chai"]])
        {'chrf++': 100.0, 'rougeL': 100.0, 'n': 1}
    """
    from rouge_score import rouge_scorer
    from sacrebleu.metrics import CHRF

    _check_lengths(predictions, references)
    if not predictions:
        return {"chrf++": float("nan"), "rougeL": float("nan"), "n": 0}
    width = max(len(r) for r in references)
    streams = [[refs[k] if k < len(refs) else None for refs in references] for k in range(width)]
    chrf = CHRF(word_order=2).corpus_score(list(predictions), streams).score
    scorer = rouge_scorer.RougeScorer(["rougeL"], tokenizer=UnicodeTokenizer())
    rouge = [
        max(scorer.score(ref, pred)["rougeL"].fmeasure for ref in refs)
        for pred, refs in zip(predictions, references)
    ]
    return {"chrf++": round(chrf, 2), "rougeL": round(100 * mean(rouge), 2), "n": len(predictions)}


def side_by_side_html(
    prompts: list[str],
    answers_a: list[str],
    answers_b: list[str],
    name_a: str,
    name_b: str,
    references: list[list[str]] | None = None,
    limit: int | None = None,
) -> str:
    """An HTML table: prompt, the two models' answers and the references, every cell escaped.

    Model output and crowd text are untrusted: the page comes from
    ``templates/side_by_side.html.j2`` with the kit's one escaping rule
    (:func:`tutorial_lib.render.nl2br`), so nothing is rendered as markup.

    Args:
        prompts: the held-out prompts.
        answers_a: model A's answer to each prompt.
        answers_b: model B's answer to each prompt.
        name_a: model A's column heading.
        name_b: model B's column heading.
        references: each prompt's reference answers (a column of its own when given).
        limit: show at most this many rows.

    Returns:
        The table as an HTML string.

    Raises:
        ValueError: the lists do not have the same length.

    Examples:
        >>> page = side_by_side_html(["Habari?"], ["<b>Nzuri</b>"], ["Salama"], "base", "tuned")
        >>> "&lt;b&gt;Nzuri&lt;/b&gt;" in page and "<b>" not in page
        True

    Taught in notebooks/04_instruction_finetuning.
    """
    from ..render import render

    n = len(prompts)
    if (
        len(answers_a) != n
        or len(answers_b) != n
        or (references is not None and len(references) != n)
    ):
        raise ValueError("prompts, answers and references must have the same length")
    header = ["#", "prompt", name_a, name_b] + (["reference"] if references is not None else [])
    rows = [
        (
            [i + 1, prompts[i], answers_a[i], answers_b[i]],
            None if references is None else references[i],
        )
        for i in range(n if limit is None else min(n, limit))
    ]
    return render("side_by_side.html.j2", header=header, rows=rows)
