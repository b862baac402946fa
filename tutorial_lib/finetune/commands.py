"""``tutorial-lib finetune``: the command-line face of :func:`tutorial_lib.finetune.train.finetune`.

A preset supplies the recipe (``--preset demo`` with no ``--model`` trains the
tiny local stand-in); flags override single values. The same arguments work for
``python -m tutorial_lib.finetune.train`` and under ``accelerate launch``.

Taught in notebooks/04_instruction_finetuning.
"""

from __future__ import annotations

import argparse
import logging
import os

logger = logging.getLogger(__name__)

# flag destination -> FinetuneConfig field (or finetune() extra setting)
OVERRIDES = (
    "max_steps",
    "save_steps",
    "eval_steps",
    "batch_size",
    "learning_rate",
    "optimizer",
    "precision",
    "max_source_length",
    "max_target_length",
    "max_new_tokens",
    "lora_r",
    "lora_alpha",
    "seed",
    "time_budget_min",
    "trim_vocab",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the finetune flags to a parser (the sub-command and ``python -m ...finetune.train``).

    Flags left unset stay None, so only what the user typed overrides the preset.

    Args:
        parser: the parser to extend in place.
    """
    parser.add_argument(
        "--data",
        required=True,
        help="run directory (its curated 05_dataset/train.jsonl) or a .jsonl/.parquet/.json file",
    )
    parser.add_argument(
        "--heldout", help="held-out file (default: the run directory's heldout split)"
    )
    parser.add_argument(
        "--model",
        help="Hub id, local folder, 'tiny' or 'tiny-causal' (default: the preset's model)",
    )
    parser.add_argument("--output-dir", help="checkpoints and final model (e.g. on Google Drive)")
    parser.add_argument(
        "--preset",
        help="load finetune settings from a preset (demo, ci, colab-t4, full, "
        "colab-t4-decoder, full-decoder)",
    )
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument(
        "--lora", action="store_true", default=None, help="train LoRA adapters (peft)"
    )
    parser.add_argument(
        "--qlora",
        action="store_true",
        default=None,
        help="causal models on CUDA: 4-bit base + LoRA (bitsandbytes)",
    )
    parser.add_argument(
        "--packing",
        action="store_true",
        default=None,
        help="causal models: pack several examples into one row",
    )
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"))
    parser.add_argument("--optimizer", choices=("adafactor", "adamw"))
    parser.add_argument(
        "--trim-vocab",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="train on the vocabulary trimmed to the data's pieces (default: the preset's)",
    )
    _add_value_flags(parser)


def _add_value_flags(parser: argparse.ArgumentParser) -> None:
    """One typed ``--name`` flag per single-value override (``--max-steps 100``)."""
    for name, kind in (
        ("max_steps", int),
        ("save_steps", int),
        ("eval_steps", int),
        ("batch_size", int),
        ("learning_rate", float),
        ("max_source_length", int),
        ("max_target_length", int),
        ("max_new_tokens", int),
        ("lora_r", int),
        ("lora_alpha", int),
        ("seed", int),
        ("time_budget_min", float),
    ):
        parser.add_argument("--" + name.replace("_", "-"), type=kind, dest=name)


def register(subparsers) -> None:
    """Add ``finetune`` and ``trim-vocab`` to the ``tutorial-lib`` command line.

    Args:
        subparsers: the object ``ArgumentParser.add_subparsers()`` returned; each
            sub-command's ``func`` default is the function that runs it.
    """
    parser = subparsers.add_parser(
        "finetune",
        help="instruction fine-tune mT5 or a decoder on a curated dataset",
        description=__doc__.split("\n\n")[0],
    )
    add_arguments(parser)
    parser.set_defaults(func=run)
    trim = subparsers.add_parser(
        "trim-vocab",
        help="keep only the vocabulary pieces a language needs (smaller, faster model)",
        description="Trim a model's vocabulary to the pieces that tokenize the given corpora "
        "(plus special tokens and single characters seen); writes DIR/vocab_map.json.",
    )
    trim.add_argument("--model", required=True, help="Hub id or folder of the model to trim")
    trim.add_argument(
        "--corpus",
        action="append",
        required=True,
        help="text file (one text per line) or .json/.jsonl (every string value); repeatable",
    )
    trim.add_argument("--heldout", action="append", help="held-out text file(s) for coverage")
    trim.add_argument("--out", required=True, help="folder for the trimmed model and tokenizer")
    trim.set_defaults(func=run_trim)


def run_trim(args: argparse.Namespace) -> int:
    """``tutorial-lib trim-vocab``: trim, then print sizes and held-out coverage.

    Args:
        args: the parsed ``trim-vocab`` arguments: ``model``, ``corpus`` (files,
            repeatable), ``heldout`` (files or None) and ``out`` (a folder).

    Returns:
        0, the exit status; errors propagate to the CLI's single handler.
    """
    from .vocab_trim import read_corpus, trim_vocabulary

    texts = [t for path in args.corpus for t in read_corpus(path)]
    heldout = [t for path in args.heldout or [] for t in read_corpus(path)]
    result = trim_vocabulary(args.model, texts, args.out, heldout=heldout)
    coverage = (
        f"; held-out coverage {result.heldout_coverage:.1%} of {result.heldout_tokens} tokens"
        if result.heldout_coverage is not None
        else ""
    )
    print(
        f"trimmed {args.model}: {result.vocab_full} -> {result.vocab_trimmed} vocabulary rows "
        f"from {result.corpus_texts} texts{coverage}; model in {result.out_dir}"
    )
    return 0


def _settings(args: argparse.Namespace):
    from ..config import FinetuneConfig, load_config

    cfg, seed = FinetuneConfig(), None
    if args.preset:
        preset = load_config(args.preset)
        cfg, seed = preset.finetune, preset.seed
    overrides = {k: getattr(args, k, None) for k in OVERRIDES}
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if seed is not None:
        overrides.setdefault("seed", seed)
    for flag in ("lora", "qlora", "packing"):
        if getattr(args, flag, None):
            overrides[flag] = True
    return cfg, overrides


def run(args: argparse.Namespace) -> int:
    """Run fine-tuning from parsed arguments; only rank 0 prints the one-line summary.

    Args:
        args: the parsed ``finetune`` arguments (see :func:`add_arguments`); the
            preset gives the recipe, flags override single values.

    Returns:
        0 on success; 2 after logging one line for a kit error,
        ``FileNotFoundError`` or ``ValueError`` (such as a missing ``--output-dir``),
        which are caught here.
    """
    from ..config import ConfigError
    from ..errors import TutorialLibError
    from .budget import budget_note
    from .data import DataError
    from .loading import ModelLoadError
    from .precision import NonFiniteLossError
    from .train import finetune

    try:
        cfg, overrides = _settings(args)
        output_dir = args.output_dir or cfg.output_dir
        if not output_dir:
            raise ValueError("--output-dir is required (or set finetune.output_dir in the preset)")
        result = finetune(
            args.data,
            output_dir,
            args.model,
            cfg,
            heldout=args.heldout,
            resume=args.resume,
            **overrides,
        )
    except (
        ConfigError,
        DataError,
        ModelLoadError,
        NonFiniteLossError,
        TutorialLibError,
        FileNotFoundError,
        ValueError,
    ) as err:
        logger.error("finetune: %s", err)
        return 2
    if os.environ.get("RANK", "0") != "0":
        return 0  # one summary per multi-process run
    stand_in = " (tiny local stand-in, not a real checkpoint)" if result.used_tiny_stand_in else ""
    print(
        f"fine-tuned {result.base_model}{stand_in}: {result.steps} steps, "
        f"train loss {result.train_loss}, eval loss {result.eval_loss}, "
        f"{result.n_truncated_targets} answers truncated; model in {result.model_dir}"
    )
    if result.stopped_by_time_budget:
        minutes = overrides.get("time_budget_min", cfg.time_budget_min)
        print(budget_note(result.steps, result.planned_steps, minutes, True))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m tutorial_lib.finetune.train`` (and ``accelerate launch``).

    Args:
        argv: the arguments after the program name; None reads ``sys.argv``.

    Returns:
        The exit status from :func:`run` (0 or 2).
    """
    parser = argparse.ArgumentParser(prog="tutorial_lib.finetune.train", description=__doc__)
    add_arguments(parser)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return run(parser.parse_args(argv))
