"""A wall-clock budget for fine-tuning: stop cleanly, save, say how far it got, resume later.

A tutorial slot is fixed; how many steps fit depends on the GPU the attendee
got. ``finetune.time_budget_min`` bounds the training loop (model loading and
the final save are outside it): when the budget is spent the Trainer finishes
the current step, writes a checkpoint, and returns. ``--resume`` (or
``finetune(..., resume=True)``) continues from that checkpoint with a fresh
budget, up to ``max_steps``.

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

import logging
import time

from transformers import TrainerCallback

logger = logging.getLogger(__name__)


class TimeBudget(TrainerCallback):
    """Stop training once ``minutes`` of wall-clock time have passed since training began.

    In a multi-process run the main process's clock decides and every process
    follows, so all stop at the same step.

    Args:
        minutes: the budget for the training loop.

    Attributes:
        stopped_at: the global step at which the budget stopped training, else None.
    """

    def __init__(self, minutes: float):
        if not minutes > 0:
            raise ValueError(f"time budget must be > 0 minutes, got {minutes!r}")
        self.seconds = 60.0 * float(minutes)
        self.started: float | None = None
        self.stopped_at: int | None = None

    def on_train_begin(self, args, state, control, **kwargs):
        """Start the clock when the training loop starts (after model loading).

        Args:
            args: the Trainer's ``TrainingArguments`` (unused).
            state: the Trainer's ``TrainerState`` (unused).
            control: the Trainer's ``TrainerControl`` (unused).
            **kwargs: the model, optimizer etc. that the Trainer passes (unused).
        """
        self.started = time.monotonic()

    def on_step_end(self, args, state, control, **kwargs):
        """After each step, stop and save once the budget is spent (rank 0's clock decides).

        Args:
            args: the Trainer's ``TrainingArguments`` (unused).
            state: the Trainer's ``TrainerState``; its ``global_step`` and
                ``max_steps`` say where training is.
            control: the Trainer's ``TrainerControl``, whose ``should_training_stop``
                and ``should_save`` are set when the budget is spent.
            **kwargs: the model, optimizer etc. that the Trainer passes (unused).

        Returns:
            ``control``, changed when training must stop; the last step is never
            cut, since the run ends there anyway.
        """
        if self.started is None or state.global_step >= state.max_steps:
            return control
        if _agreed(time.monotonic() - self.started >= self.seconds):
            control.should_training_stop = True
            control.should_save = True  # a checkpoint to resume from
            self.stopped_at = state.global_step
            logger.warning(
                "time budget of %.1f min spent at step %d of %d: stopping and saving; "
                "resume=True (--resume) continues",
                self.seconds / 60,
                state.global_step,
                state.max_steps,
            )
        return control


def _agreed(flag: bool) -> bool:
    """Rank 0's decision, shared with every process when training is distributed."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return flag
    import torch

    tensor = torch.tensor([int(flag)], device="cuda" if torch.cuda.is_available() else "cpu")
    dist.broadcast(tensor, src=0)
    return bool(tensor.item())


def budget_note(steps: int, planned: int, minutes: float | None, stopped: bool) -> str | None:
    """One line for the manifest and notebook when the budget cut training short.

    Args:
        steps: the optimizer steps done when training stopped.
        planned: the steps the run was configured for (``max_steps``).
        minutes: the budget, ``finetune.time_budget_min``.
        stopped: whether :class:`TimeBudget` stopped training (its ``stopped_at``
            is set).

    Returns:
        The note, saying how to resume; None when training was not cut short.

    Examples:
        >>> note = budget_note(120, 500, 20, stopped=True)
        >>> "20-minute budget" in note and "after 120 of 500 steps" in note
        True
        >>> budget_note(500, 500, 20, stopped=False) is None
        True
    """
    if not stopped:
        return None
    return (
        f"fine-tuning stopped at its {minutes:g}-minute budget (finetune.time_budget_min) after "
        f"{steps} of {planned} steps; the model was saved. Resume with "
        "`tutorial-lib finetune ... --resume` or finetune(..., resume=True)"
    )
