"""What training a decoder-only model changes: LoRA by default when large, QLoRA on CUDA only.

``train.finetune`` serves both families; the family comes from the loader
(``loading.family_of``) and this module holds the choices that differ:

- LoRA is the default (``finetune.lora: auto``) above ``LORA_AUTO_PARAMS``
  parameters: full fine-tuning of a 2B+ model needs ~16 bytes per parameter
  with AdamW, more than a T4 or a 40 GB A100 holds;
- QLoRA (``finetune.qlora: true``) loads the frozen base in 4-bit NF4 through
  bitsandbytes and trains LoRA adapters on top. bitsandbytes' 4-bit kernels
  are CUDA kernels, so elsewhere it is refused before anything is loaded.

Trainer choice: the kit keeps its own ``transformers.Trainer`` subclass for
both families rather than TRL's ``SFTTrainer``, so time budgets, the NaN
guard, resume, length-grouped sampling, token counts and the token-weighted
loss stay one code path; the SFT semantics (chat template, loss on answer
tokens only, optional packing) live in ``causal_data``.
"""

from __future__ import annotations

import logging

from ..errors import TutorialLibError

logger = logging.getLogger(__name__)

LORA_AUTO_PARAMS = 1e9
CAUSAL_LORA_TARGETS = ("q_proj", "v_proj")


class QLoRAUnavailableError(TutorialLibError, RuntimeError):
    """QLoRA was asked for where it cannot run (no CUDA GPU, or bitsandbytes missing)."""


def count_parameters(model) -> int:
    """All parameters of a loaded model, to decide ``finetune.lora: auto`` and to report size.

    Args:
        model: a loaded ``torch.nn.Module`` (a PEFT wrapper counts its adapters too).

    Returns:
        The parameter count; 4-bit packed weights are counted as stored (about
        half their logical number).
    """
    return sum(p.numel() for p in model.parameters())


def resolve_lora(setting, n_params: int, qlora: bool = False) -> bool:
    """Whether to train LoRA adapters: as set, or for ``"auto"`` above ~1B parameters.

    QLoRA always trains adapters (a 4-bit base cannot be updated).

    Args:
        setting: ``finetune.lora``: ``True``, ``False`` or ``"auto"``.
        n_params: the base model's parameter count (:func:`count_parameters`).
        qlora: whether ``finetune.qlora`` is on; it forces adapters.

    Returns:
        True to wrap the model in LoRA adapters, False for full fine-tuning.

    Examples:
        >>> resolve_lora("auto", 300_000_000)
        False
        >>> resolve_lora("auto", 2_000_000_000)
        True
        >>> resolve_lora(False, 2_000_000_000, qlora=True)
        True
    """
    if qlora:
        return True
    if setting == "auto":
        use = n_params > LORA_AUTO_PARAMS
        if use:
            logger.info(
                "LoRA on (finetune.lora=auto): %.2fB parameters > %.0fB",
                n_params / 1e9,
                LORA_AUTO_PARAMS / 1e9,
            )
        return use
    return bool(setting)


def check_qlora_available() -> None:
    """Refuse QLoRA before anything is loaded unless a CUDA GPU and bitsandbytes are present.

    Raises:
        QLoRAUnavailableError: if there is no CUDA GPU (bitsandbytes' 4-bit
            kernels run only on CUDA), or bitsandbytes is not installed.
    """
    import importlib.util

    import torch

    if not torch.cuda.is_available():
        raise QLoRAUnavailableError(
            "finetune.qlora=true needs a CUDA GPU: bitsandbytes' 4-bit kernels run only on CUDA, "
            "and this machine has none. Use finetune.lora=true (LoRA on a full-precision base) "
            "or a smaller model"
        )
    if importlib.util.find_spec("bitsandbytes") is None:
        raise QLoRAUnavailableError(
            "finetune.qlora=true needs bitsandbytes (pip install bitsandbytes); it is not installed"
        )


def load_quantized(name: str, precision: str):
    """A causal model loaded in 4-bit NF4 (double quantisation), prepared for k-bit training.

    The whole model goes to GPU 0; ``prepare_model_for_kbit_training`` casts
    norms to fp32 and turns on gradient checkpointing, as QLoRA needs.

    Args:
        name: a Hub id or local folder of a causal LM.
        precision: the chosen training precision; ``"bf16"`` computes in bf16,
            anything else in fp16.

    Returns:
        The quantised model, ready for LoRA adapters.

    Raises:
        QLoRAUnavailableError: via :func:`check_qlora_available`, without a CUDA
            GPU or bitsandbytes.
    """
    import torch
    from peft import prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    check_qlora_available()
    compute = torch.bfloat16 if precision == "bf16" else torch.float16
    quant = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute,
    )
    model = AutoModelForCausalLM.from_pretrained(
        name, quantization_config=quant, device_map={"": 0}
    )
    return prepare_model_for_kbit_training(model, use_gradient_checkpointing=True)
