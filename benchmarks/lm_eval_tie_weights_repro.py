"""Minimal reproduction: lm-eval 0.4.13's ``HFLM`` replaces an untied mT5 ``lm_head``.

mT5 checkpoints have their own ``lm_head`` (untied from the input embedding).
transformers 5 forces ``MT5Config.tie_word_embeddings=True``; loading still
keeps the checkpoint's separate ``lm_head`` ("we will NOT tie them"). lm-eval
0.4.13 then calls ``self.model.tie_weights()`` right after loading
(``lm_eval/models/huggingface.py``), which ties the head to the input
embedding again: the harness scores a different network than the checkpoint.

This script builds a small untied mT5 offline, saves it, loads it once with
``AutoModelForSeq2SeqLM`` and once through ``HFLM(backend="seq2seq")``, and
compares both ``lm_head`` weights and the logits with the saved tensors.
Needs the ``bench`` extra (``lm-eval==0.4.13``). Attach its output when
reporting upstream.

Run:  .venv/bin/python benchmarks/lm_eval_tie_weights_repro.py
Last line: JSON with versions, plain_load_head_is_saved, hflm_head_is_saved,
hflm_head_is_input_embedding, max_abs_logit_diff.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


def build(folder: Path):
    """A 2-layer mT5 with a separately initialised lm_head, saved with both tensors."""
    import torch
    from transformers import MT5Config, MT5ForConditionalGeneration

    torch.manual_seed(0)
    config = MT5Config(
        vocab_size=64,
        d_model=32,
        d_ff=64,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=2,
        d_kv=16,
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
        feed_forward_proj="gated-gelu",
    )
    model = MT5ForConditionalGeneration(config)
    model.lm_head.weight = torch.nn.Parameter(torch.randn_like(model.lm_head.weight))
    getattr(model, "all_tied_weights_keys", {}).pop("lm_head.weight", None)
    model.save_pretrained(folder)


def main() -> None:
    import lm_eval
    import torch
    import transformers
    from lm_eval.models.huggingface import HFLM
    from safetensors.torch import load_file
    from transformers import AutoModelForSeq2SeqLM

    with tempfile.TemporaryDirectory(prefix="tie_repro_") as tmp:
        folder = Path(tmp)
        build(folder)
        saved = load_file(str(folder / "model.safetensors"))
        plain = AutoModelForSeq2SeqLM.from_pretrained(folder).eval()
        # HFLM wants a tokenizer; the plain load's is irrelevant here, so give it any T5 one.
        from tutorial_lib.finetune.tiny import build_tiny_tokenizer

        build_tiny_tokenizer(
            ["habari ya asubuhi", "good morning"] * 20, vocab_size=40
        ).save_pretrained(folder)
        harness = HFLM(pretrained=str(folder), backend="seq2seq", device="cpu", batch_size=1).model
        ids = torch.tensor([[5, 6, 7, 1]])
        with torch.no_grad():
            a = plain(input_ids=ids, decoder_input_ids=ids).logits
            b = harness(input_ids=ids, decoder_input_ids=ids).logits
    out = {
        "transformers": transformers.__version__,
        "lm_eval": lm_eval.__version__,
        "torch": torch.__version__,
        "plain_load_head_is_saved": bool(
            torch.equal(plain.lm_head.weight, saved["lm_head.weight"])
        ),
        "hflm_head_is_saved": bool(torch.equal(harness.lm_head.weight, saved["lm_head.weight"])),
        "hflm_head_is_input_embedding": bool(
            torch.equal(harness.lm_head.weight, harness.get_input_embeddings().weight)
        ),
        "max_abs_logit_diff": float((a - b).abs().max()),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
