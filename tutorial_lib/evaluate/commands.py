"""``tutorial-lib evaluate``: score a model on XCOPA, XNLI or XStoryCloze and write the JSON."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from ..atomic import atomic_write_json
from .templates import LANGUAGES

logger = logging.getLogger(__name__)


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``evaluate`` subcommand to ``subparsers``.

    Args:
        subparsers: the CLI's ``add_subparsers()`` object.

    Returns:
        The new subcommand's parser (its handler is :func:`run_evaluate`).
    """
    langs = "; ".join(f"{t}: {' '.join(codes)}" for t, codes in LANGUAGES.items())
    parser = subparsers.add_parser(
        "evaluate",
        help="zero/few-shot accuracy with lm-evaluation-harness prompts",
        description="Score a seq2seq model on XCOPA, XNLI or XStoryCloze exactly as "
        "lm-evaluation-harness 0.4.13 does (same prompts, same log-likelihoods), "
        f"faster. Languages: {langs}.",
    )
    parser.add_argument("--model", required=True, help="a local model folder or a Hub name")
    parser.add_argument("--task", required=True, choices=sorted(LANGUAGES))
    parser.add_argument("--lang", default="sw", help="language code of the benchmark (default sw)")
    parser.add_argument(
        "--data-file",
        default=None,
        help="local file of the evaluated split (.jsonl/.tsv/.parquet); "
        "default: the Hub's parquet (needs network)",
    )
    parser.add_argument("--limit", type=int, default=None, help="score only the first N documents")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--num-fewshot", type=int, default=0)
    parser.add_argument(
        "--fewshot-file",
        default=None,
        help="few-shot examples (XCOPA validation, XNLI/XStoryCloze train split)",
    )
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:0 ... (default: auto)")
    parser.add_argument("--out", required=True, help="where to write the result JSON")
    parser.set_defaults(func=run_evaluate)
    return parser


def run_evaluate(args: argparse.Namespace) -> int:
    """Run one evaluation from parsed arguments and write the result JSON.

    Args:
        args: ``model``, ``task``, ``lang``, ``data_file``, ``limit``, ``batch_size``,
            ``num_fewshot``, ``fewshot_file``, ``device`` and ``out``, as
            :func:`register` defines them.

    Returns:
        The exit code: 0 when written, 2 for bad input (a model, file, language
        or limit that does not work), logged as one line.
    """
    from .loaders import DataFileError
    from .scoring import ModelLoadError, evaluate_task, load_model
    from .templates import UnknownLanguageError

    if args.limit is not None and args.limit < 1:
        logger.error("--limit must be >= 1, got %s", args.limit)
        return 2
    try:
        model, tokenizer = load_model(args.model, device=args.device)
        result = evaluate_task(
            model,
            tokenizer,
            args.task,
            args.lang,
            data_file=args.data_file,
            limit=args.limit,
            batch_size=args.batch_size,
            num_fewshot=args.num_fewshot,
            fewshot_file=args.fewshot_file,
            device=args.device,
        )
    except (
        ModelLoadError,
        DataFileError,
        UnknownLanguageError,
        FileNotFoundError,
        ValueError,
    ) as err:
        logger.error("%s", err)
        return 2
    result["model"] = args.model if not os.path.isdir(args.model) else str(Path(args.model))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out, result, indent=1)
    logger.info(
        "%s accuracy %.4f on %d documents -> %s",
        result["harness_task"],
        result["accuracy"],
        result["n"],
        out,
    )
    return 0
