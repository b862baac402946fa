"""Training data for decoder-only (causal) models: the prompt format, answer-only labels, packing.

A causal model reads prompt and answer as one sequence. The prompt is written
with the tokenizer's chat template when it has one (what an instruction-tuned
checkpoint was trained on), else with the kit's plain instruction template
(:mod:`tutorial_lib.instruction`).
Only the answer is learnt: prompt positions get label -100, so the loss covers
the answer tokens and the end-of-turn token that teaches the model to stop.
Generation builds its input with the same :func:`format_prompt`.

Packing (optional) concatenates several examples into one row, restarting
``position_ids`` at each example and passing no attention mask (and no KV
cache), so transformers builds a block-diagonal causal mask
(``find_packed_sequence_indices``): no example ever attends to another, unlike
naive concatenation. Examples are packed within each batch the sampler drew.
"""

from __future__ import annotations

import logging

from ..instruction import plain_instruction
from .data import LENGTH_COLUMNS, EncodedSplit, _clip, warn_truncated

logger = logging.getLogger(__name__)


def has_chat_template(tokenizer) -> bool:
    """True when the tokenizer carries a chat template (instruction-tuned checkpoints do).

    Args:
        tokenizer: a ``transformers`` tokenizer (anything with ``chat_template``).

    Returns:
        Whether prompts are written with the chat template rather than the kit's
        plain instruction template.
    """
    return bool(getattr(tokenizer, "chat_template", None))


def format_prompt(tokenizer, source: str) -> str:
    """The text a causal model sees before its answer: chat template, else the kit's template.

    Fine-tuning, DPO and generation all call this, so the model is asked in the
    form it was trained on.

    Args:
        tokenizer: the model's tokenizer.
        source: the instruction (the model input of one pair).

    Returns:
        The prompt text, ending where the answer starts (a chat template's
        generation prompt included).

    Examples:
        >>> from types import SimpleNamespace
        >>> print(format_prompt(SimpleNamespace(chat_template=None), "Habari?"))
        ### Instruction:
        Habari?
        <BLANKLINE>
        ### Response:
        <BLANKLINE>
    """
    if has_chat_template(tokenizer):
        messages = [{"role": "user", "content": source}]
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return plain_instruction(source)


def encode_prompt(tokenizer, source: str) -> list[int]:
    """Token ids of the formatted prompt, with BOS exactly once (as the tokenizer would add it).

    A chat template writes its own BOS, so it is tokenised without special tokens;
    the plain template gets the tokenizer's own BOS (if it adds one).

    Args:
        tokenizer: the model's tokenizer.
        source: the instruction.

    Returns:
        The prompt's token ids; the answer's ids follow them in a training row.
    """
    text = format_prompt(tokenizer, source)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    bos = tokenizer.bos_token_id
    if not has_chat_template(tokenizer) and bos is not None and adds_bos(tokenizer):
        ids = [bos, *ids]
    return ids


def adds_bos(tokenizer) -> bool:
    """Whether the tokenizer puts BOS in front of plain text (Llama, Gemma yes; Qwen no).

    Args:
        tokenizer: the model's tokenizer; it is called once on ``"a"``.

    Returns:
        True when encoding with special tokens starts with ``bos_token_id``.
    """
    ids = tokenizer("a")["input_ids"]
    return bool(ids) and tokenizer.bos_token_id is not None and ids[0] == tokenizer.bos_token_id


def _answer_ids(tokenizer, source: str, answer: str) -> list[int]:
    """The answer as the chat template closes it (end-of-turn included), else answer + EOS."""
    if has_chat_template(tokenizer):
        prompt = format_prompt(tokenizer, source)
        messages = [{"role": "user", "content": source}, {"role": "assistant", "content": answer}]
        full = tokenizer.apply_chat_template(messages, tokenize=False)
        if full.startswith(prompt):
            return tokenizer(full[len(prompt) :], add_special_tokens=False)["input_ids"]
    return tokenizer(answer, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]


def _clip_source(tokenizer, source: str, limit: int) -> tuple[str, bool]:
    ids = tokenizer(source, add_special_tokens=False)["input_ids"]
    if len(ids) <= limit:
        return source, False
    return tokenizer.decode(ids[:limit], skip_special_tokens=True), True


def encode_causal_pairs(
    tokenizer,
    pairs: list[tuple[str, str]],
    max_source_length: int,
    max_target_length: int,
    split: str = "train",
) -> EncodedSplit:
    """One sequence per pair (prompt then answer), labels -100 on the prompt; truncations counted.

    The length columns hold the whole sequence's length (and 0), so the kit's
    length-grouped sampler groups causal rows by their real length.

    Args:
        tokenizer: the model's tokenizer.
        pairs: ``(instruction, answer)`` texts.
        max_source_length: the most tokens kept of an instruction (cut before
            the prompt template is applied).
        max_target_length: the most tokens kept of an answer, its closing
            end-of-turn/EOS token kept last.
        split: the split's name, for the truncation warning.

    Returns:
        An :class:`EncodedSplit`: the ``datasets.Dataset`` (``input_ids``,
        ``attention_mask``, ``labels`` and the length columns), the row count,
        how many sources and targets were cut, and the real token count.
    """
    import datasets

    rows = {k: [] for k in ("input_ids", "attention_mask", "labels", *LENGTH_COLUMNS)}
    n_src = n_tgt = real = 0
    for source, answer in pairs:
        source, cut = _clip_source(tokenizer, source, max_source_length)
        n_src += cut
        prompt = encode_prompt(tokenizer, source)
        target = _answer_ids(tokenizer, source, answer)
        n_tgt += len(target) > max_target_length
        target = _clip(target, max_target_length, target[-1])
        ids = prompt + target
        rows["input_ids"].append(ids)
        rows["attention_mask"].append([1] * len(ids))
        rows["labels"].append([-100] * len(prompt) + target)
        rows[LENGTH_COLUMNS[0]].append(len(ids))
        rows[LENGTH_COLUMNS[1]].append(0)
        real += len(ids)
    warn_truncated(n_src, n_tgt, len(pairs), split)
    return EncodedSplit(datasets.Dataset.from_dict(rows), len(pairs), n_src, n_tgt, real)


def pack_rows(rows: list[dict], block: int) -> list[dict]:
    """Greedy first-fit-decreasing packing of examples into rows of at most ``block`` tokens.

    Each packed row keeps ``input_ids``, ``labels`` and ``position_ids`` that
    restart at 0 for every example, so the model's block-diagonal mask keeps the
    examples apart. An example longer than ``block`` stays alone, uncut.

    Args:
        rows: examples with ``input_ids`` and ``labels`` lists of equal length.
        block: the most tokens a packed row may hold.

    Returns:
        The packed rows, longest examples placed first.

    Examples:
        >>> rows = [{"input_ids": [1, 2, 3], "labels": [-100, 2, 3]},
        ...         {"input_ids": [4, 5], "labels": [-100, 5]},
        ...         {"input_ids": [6], "labels": [6]}]
        >>> [r["position_ids"] for r in pack_rows(rows, block=4)]
        [[0, 1, 2, 0], [0, 1]]
    """
    bins: list[dict] = []
    for row in sorted(rows, key=lambda r: -len(r["input_ids"])):
        n = len(row["input_ids"])
        target = next((b for b in bins if len(b["input_ids"]) + n <= block), None)
        if target is None:
            target = {"input_ids": [], "labels": [], "position_ids": []}
            bins.append(target)
        target["input_ids"] += row["input_ids"]
        target["labels"] += row["labels"]
        target["position_ids"] += list(range(n))
    return bins


class CausalCollator:
    """Right-padded batches (labels padded with -100); with ``packing``, packed rows instead."""

    def __init__(
        self,
        tokenizer,
        packing: bool = False,
        block: int = 512,
        pad_to_multiple_of: int | None = None,
    ):
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.packing, self.block, self.multiple = packing, block, pad_to_multiple_of

    def __call__(self, features: list[dict]) -> dict:
        import torch

        rows = [{k: list(f[k]) for k in ("input_ids", "labels")} for f in features]
        if self.packing:
            rows = pack_rows(rows, self.block)
        width = max(len(r["input_ids"]) for r in rows)
        if self.multiple:
            width = -(-width // self.multiple) * self.multiple
        batch = {
            "input_ids": [
                r["input_ids"] + [self.pad_id] * (width - len(r["input_ids"])) for r in rows
            ],
            "labels": [r["labels"] + [-100] * (width - len(r["labels"])) for r in rows],
        }
        if (
            self.packing
        ):  # pads continue the last example's positions: never attended by real tokens
            batch["position_ids"] = [
                r["position_ids"]
                + list(
                    range(
                        r["position_ids"][-1] + 1,
                        r["position_ids"][-1] + 1 + width - len(r["position_ids"]),
                    )
                )
                for r in rows
            ]
        else:
            batch["attention_mask"] = [
                [1] * len(r["input_ids"]) + [0] * (width - len(r["input_ids"])) for r in rows
            ]
        out = {k: torch.tensor(v, dtype=torch.long) for k, v in batch.items()}
        if self.packing:  # transformers finds packed sequences only without a KV cache
            out["use_cache"] = False
        return out
