"""The instruction template: the one place that decides what text a model is given.

The dataset wing writes each training and held-out row's ``prompt`` with
:func:`model_input`; the fine-tuning wing builds the encoder (or causal
prompt) input from a row with the same function, and generation at evaluation
time reads the same rows, so a prompt is formatted one way everywhere. A causal
model whose tokenizer has no chat template additionally wraps that input in
:data:`INSTRUCTION_TEMPLATE` (:func:`plain_instruction`). Change the format
here, and every wing follows. Imports nothing of the kit.
"""

from __future__ import annotations

__all__ = ["INSTRUCTION_TEMPLATE", "model_input", "plain_instruction"]

# Alpaca-style sections, for causal checkpoints that carry no chat template.
INSTRUCTION_TEMPLATE = "### Instruction:\n{prompt}\n\n### Response:\n"


def model_input(prompt: str, context: str | None = "") -> str:
    """The model's input text: the instruction, then its context (if any) after a blank line.

    Args:
        prompt: the instruction in the target language.
        context: a passage the instruction refers to (closed QA, summarisation), or
            empty/None when there is none.

    Returns:
        The stripped instruction, plus ``"\\n\\n"`` and the stripped context when there is one.

    Examples:
        >>> model_input("Fupisha habari hii:", "Mvua ilinyesha jana. ")
        'Fupisha habari hii:\\n\\nMvua ilinyesha jana.'
        >>> model_input(" Mji mkuu wa Kenya ni upi? ", None)
        'Mji mkuu wa Kenya ni upi?'
    """
    prompt, context = str(prompt).strip(), str(context or "").strip()
    return f"{prompt}\n\n{context}" if context else prompt


def plain_instruction(source: str) -> str:
    """A causal model's prompt when its tokenizer has no chat template.

    Args:
        source: the :func:`model_input` text.

    Returns:
        ``source`` inside :data:`INSTRUCTION_TEMPLATE`, ending where the answer starts.

    Examples:
        >>> print(plain_instruction("Habari?"))
        ### Instruction:
        Habari?
        <BLANKLINE>
        ### Response:
        <BLANKLINE>
    """
    return INSTRUCTION_TEMPLATE.format(prompt=source)
