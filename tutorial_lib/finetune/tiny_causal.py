"""A tiny decoder-only model built locally, the offline stand-in for a small instruction-tuned LLM.

The causal twin of ``tiny.py``: a byte-level BPE tokenizer (the kind GPT-2,
Llama 3, Qwen and Gemma-style models use) is trained on the kit's own text with
``tokenizers``, and a 2-layer Llama-style network is initialised at random.
The tokenizer adds ``<s>`` (BOS) like Llama's and carries a small chat template,
as instruction-tuned checkpoints do, so the chat-template path of training,
scoring and generation runs offline. Both are written with ``save_pretrained``
and load back through ``AutoTokenizer``/``AutoModelForCausalLM``, the path
that loads a real checkpoint. The model is untrained: every output says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from .tiny import build_stand_in

logger = logging.getLogger(__name__)

TINY_CAUSAL_MARKER = "tutorial_lib_tiny_causal.json"
SPECIAL_TOKENS = ("<pad>", "<s>", "</s>", "<|user|>", "<|assistant|>")
TINY_CAUSAL_SHAPE = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 512,
}
# A minimal chat format: the role marker on its own line, an assistant turn closed by EOS.
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}<|assistant|>\n{{ message['content'] }}{{ eos_token }}"
    "{% else %}<|user|>\n{{ message['content'] }}\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def build_bpe_tokenizer(texts: Iterable[str], vocab_size: int = 2000):
    """A byte-level BPE ``PreTrainedTokenizerFast`` trained on ``texts`` (BOS added on encode).

    Byte-level means no ``<unk>``: any Unicode text round-trips, as with Llama 3
    or Qwen. The tokenizer carries ``CHAT_TEMPLATE``, so the chat-template path
    runs offline.

    Args:
        texts: the training texts; blank ones are skipped.
        vocab_size: the target vocabulary size, special tokens and the 256 byte
            symbols included.

    Returns:
        The tokenizer, with ``<s>``/``</s>``/``<pad>`` and the two role markers.

    Raises:
        ValueError: if ``texts`` hold no text at all.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    texts = [t.strip() for t in texts if t and t.strip()]
    if not texts:
        raise ValueError("cannot train a tokenizer on no text")
    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(texts, trainer)
    bos = core.token_to_id("<s>")
    core.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        additional_special_tokens=["<|user|>", "<|assistant|>"],
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_tiny_causal(
    out_dir: str | Path,
    texts: Iterable[str],
    vocab_size: int = 2000,
    seed: int = 0,
    shape: dict | None = None,
) -> Path:
    """Build, save and return the folder of a tiny untrained Llama-style model (tokenizer included).

    Idempotent: an existing folder with the marker file is reused as is.

    Args:
        out_dir: the folder to write (or reuse).
        texts: the texts its tokenizer is trained on.
        vocab_size: the tokenizer's target vocabulary size.
        seed: sets the random initial weights (the tokenizer depends on ``texts`` only).
        shape: ``LlamaConfig`` size fields; None means ``TINY_CAUSAL_SHAPE``
            (2 layers, hidden size 64).

    Returns:
        ``out_dir`` as a ``Path``; it loads with ``AutoModelForCausalLM``.
    """
    from transformers import LlamaConfig, LlamaForCausalLM

    def make():
        tokenizer = build_bpe_tokenizer(texts, vocab_size=vocab_size)
        config = LlamaConfig(
            vocab_size=len(tokenizer),
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            tie_word_embeddings=False,
            **(shape or TINY_CAUSAL_SHAPE),
        )
        return LlamaForCausalLM(config), tokenizer

    info = {
        "stand_in_for": "a small instruction-tuned decoder (e.g. Qwen2.5-0.5B-Instruct)",
        "note": "tiny untrained Llama-style model built locally for offline demos; "
        "not a real checkpoint",
    }
    return build_stand_in(out_dir, TINY_CAUSAL_MARKER, seed, make, info)


def is_tiny_causal(model_dir: str | Path) -> bool:
    """True when ``model_dir`` holds the locally built causal stand-in, not a real checkpoint.

    Args:
        model_dir: a model folder (a Hub id simply answers False).

    Returns:
        Whether the folder has the causal stand-in's marker file.
    """
    return (Path(model_dir) / TINY_CAUSAL_MARKER).exists()
