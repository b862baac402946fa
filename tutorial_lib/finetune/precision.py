"""Training precision chosen per model family, and a guard that stops training on a NaN/inf loss.

bf16 is used where the GPU does it natively (compute capability >= 8.0,
Ampere or newer). ``torch.cuda.is_bf16_supported()`` is deliberately not
consulted: it answers True on a T4 (7.5), where bf16 is emulated and slow.
On older GPUs, ``auto`` picks fp16 mixed precision only for the decoder
architectures the kit trains in fp16 (``FP16_TYPES``: Llama, Qwen2/3, Mistral);
mT5 overflows in fp16 (NaN or zero loss), so fp16 is refused for the T5 family,
and Gemma is kept out of fp16 as well (it was released for bf16).
Everything else trains in fp32. The GPU query sits in one small function so
tests can mock it.

Taught in notebooks/04_instruction_finetuning.
"""

from __future__ import annotations

import logging
import math

from transformers import TrainerCallback

from ..errors import TutorialLibError

logger = logging.getLogger(__name__)

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
T5_FAMILY_MARKERS = ("t5", "mt0", "aya-101", "tiny")
FP16_TYPES = ("llama", "qwen2", "qwen3", "mistral")  # auto uses fp16 for these below Ampere
NO_FP16_TYPES = ("gemma",)  # refused like T5
BF16_MIN_CAPABILITY = (8, 0)


def gpu_capability() -> tuple[int, int] | None:
    """The CUDA compute capability of the current GPU (one small function so tests can mock it).

    Returns:
        ``(major, minor)``, e.g. ``(7, 5)`` on a T4 or ``(8, 0)`` on an A100;
        None without a CUDA GPU.
    """
    import torch

    if not torch.cuda.is_available():
        return None
    return tuple(torch.cuda.get_device_capability())


def is_t5_family(model_name: str = "", model_type: str | None = None) -> bool:
    """True for T5/mT5/mT0/Aya-101, which all overflow in fp16.

    Args:
        model_name: a Hub id or folder name, matched against
            ``T5_FAMILY_MARKERS`` when no config type is known.
        model_type: the config's ``model_type`` (``"mt5"``, ``"llama"``); it
            decides when given, since a local folder's name may say nothing.

    Returns:
        Whether the model belongs to the T5 family.

    Examples:
        >>> is_t5_family("bigscience/mt0-base")
        True
        >>> is_t5_family("runs/my-model", model_type="qwen2")
        False
    """
    if model_type:
        return "t5" in model_type.lower()
    name = str(model_name).lower()
    return any(marker in name for marker in T5_FAMILY_MARKERS)


def choose_precision(
    requested: str = "auto", model_name: str = "", model_type: str | None = None
) -> str:
    """The training precision for this model on this machine; errors say why a request cannot run.

    Args:
        requested: ``"auto"``, ``"fp32"``, ``"bf16"`` or ``"fp16"`` (``--precision``).
        model_name: the model's Hub id or folder, used when ``model_type`` is unknown.
        model_type: the config's ``model_type``, which decides the family.

    Returns:
        ``"bf16"``, ``"fp16"`` or ``"fp32"``; ``auto`` gives bf16 on a GPU with compute
        capability >= 8.0, below that fp16 for ``FP16_TYPES`` decoders, else fp32.

    Raises:
        ValueError: if ``requested`` is unknown; for fp16 with a T5-family or Gemma model or
            without a CUDA GPU; for bf16 without a GPU of compute capability >= 8.0.

    Examples:
        >>> choose_precision("fp32", "google/mt5-small")
        'fp32'
        >>> choose_precision("fp16", "google/mt5-small")
        Traceback (most recent call last):
        ValueError: fp16 is refused for google/mt5-small: mT5/T5 activations overflow ...

    Taught in notebooks/04_instruction_finetuning.
    """
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {requested!r}")
    capability = gpu_capability()
    if requested == "fp16":
        if model_type and any(t in model_type.lower() for t in NO_FP16_TYPES):
            raise ValueError(
                f"fp16 is refused for {model_type}: use --precision auto (bf16 on a "
                "GPU with compute capability >= 8.0, fp32 otherwise)"
            )
        if is_t5_family(model_name, model_type):
            raise ValueError(
                f"fp16 is refused for {model_name or model_type}: mT5/T5 activations overflow "
                "in fp16 and training gives NaN or zero loss. Use --precision auto (bf16 on a GPU "
                "with compute capability >= 8.0, fp32 otherwise, e.g. on a T4)"
            )
        if capability is None:
            raise ValueError("fp16 training needs a CUDA GPU; this machine has none (use fp32)")
        return "fp16"
    native_bf16 = capability is not None and capability >= BF16_MIN_CAPABILITY
    if requested == "bf16" and not native_bf16:
        where = (
            f"compute capability {capability[0]}.{capability[1]}" if capability else "no CUDA GPU"
        )
        raise ValueError(
            f"bf16 was requested but this machine has {where}; bf16 needs >= 8.0 (A100, L4, H100). "
            "Use --precision auto or fp32"
        )
    if requested == "fp32":
        return "fp32"
    fp16_ok = capability is not None and (model_type or "").lower() in FP16_TYPES
    precision = "bf16" if native_bf16 else "fp16" if fp16_ok else "fp32"
    logger.info("precision: %s (GPU compute capability %s)", precision, capability or "none")
    return precision


def precision_arguments(precision: str) -> dict:
    """The ``TrainingArguments`` flags for a chosen precision.

    Args:
        precision: the result of :func:`choose_precision`.

    Returns:
        ``{"bf16": bool, "fp16": bool}``; both False mean fp32.

    Examples:
        >>> precision_arguments("bf16")
        {'bf16': True, 'fp16': False}
    """
    return {"bf16": precision == "bf16", "fp16": precision == "fp16"}


class NonFiniteLossError(TutorialLibError, RuntimeError):
    """Training produced a NaN/inf loss; raised before any checkpoint of that state is written."""


class StopOnNonFiniteLoss(TrainerCallback):
    """Raise :class:`NonFiniteLossError` as soon as a logged loss is NaN or inf.

    The Trainer logs before it evaluates and saves within a step, so raising in
    ``on_log`` stops the run before a garbage checkpoint. ``on_step_end`` asks for
    a log on every step that will evaluate or save, so no save goes unchecked.
    Needs ``logging_nan_inf_filter=False`` (else the Trainer hides NaN steps).
    """

    def on_step_end(self, args, state, control, **kwargs):
        """Ask for a log on every step that will evaluate, save or stop, so each save is checked first.

        Args:
            args: the Trainer's ``TrainingArguments`` (unused).
            state: the Trainer's ``TrainerState`` (unused).
            control: the Trainer's ``TrainerControl``; ``should_log`` is set.
            **kwargs: the model, optimizer etc. that the Trainer passes (unused).

        Returns:
            ``control``, with ``should_log`` on where a save or evaluation follows.
        """
        if control.should_save or control.should_evaluate or control.should_training_stop:
            control.should_log = True
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        """Stop the run when the logged training loss is NaN or inf.

        Args:
            args: the Trainer's ``TrainingArguments`` (unused).
            state: the Trainer's ``TrainerState``; its ``global_step`` goes in the message.
            control: the Trainer's ``TrainerControl`` (unused).
            logs: the values being logged; ``loss`` and ``eval_loss`` are checked.
            **kwargs: what else the Trainer passes (unused).

        Raises:
            NonFiniteLossError: if a logged loss is not finite.
        """
        self._check(logs or {}, state.global_step)

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        """Stop the run when the evaluation loss is NaN or inf.

        Args:
            args: the Trainer's ``TrainingArguments`` (unused).
            state: the Trainer's ``TrainerState``; its ``global_step`` goes in the message.
            control: the Trainer's ``TrainerControl`` (unused).
            metrics: the evaluation metrics; ``eval_loss`` is checked.
            **kwargs: what else the Trainer passes (unused).

        Raises:
            NonFiniteLossError: if the evaluation loss is not finite.
        """
        self._check(metrics or {}, state.global_step)

    @staticmethod
    def _check(values: dict, step: int) -> None:
        for key in ("loss", "eval_loss"):
            value = values.get(key)
            if value is not None and not math.isfinite(value):
                raise NonFiniteLossError(
                    f"{key} became {value} at step {step}; training stopped and no checkpoint of "
                    "this state was saved. With mT5 this usually means fp16 or a too-high learning "
                    "rate: use --precision auto/fp32, or lower finetune.learning_rate"
                )
