"""The ``tutorial-lib aggregate`` command: aggregate a crowd file with crowd-kit.

    tutorial-lib aggregate INPUT --method {mv,wawa,ds,glad,mace,rover,hrrasa,bt,noisybt} --out OUT.csv
        [--task-col C --worker-col C --label-col C] [--sep S]

Labels give ``task,label,confidence``; texts (rover, hrrasa) give
``task,text``; pairwise (bt, noisybt) reads ``worker,left,right,label`` and gives
``item,score``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .aggregate import LABEL_METHODS, make_label_aggregator
from .io import CrowdFileError, read_crowd_file, read_pairwise_file, write_csv
from .pairwise import PAIRWISE_METHODS, make_pairwise_aggregator
from .text_aggregate import TEXT_METHODS, make_text_aggregator
from .vote_input import AggregationError

logger = logging.getLogger(__name__)
METHODS = LABEL_METHODS + TEXT_METHODS + PAIRWISE_METHODS


def run_aggregate(args: argparse.Namespace) -> int:
    """Read ``args.input``, aggregate with ``args.method``, write ``args.out``.

    Args:
        args: the parsed ``aggregate`` arguments.

    Returns:
        The exit code: 0 on success, 2 for bad input (one line on stderr).
    """
    if args.method not in METHODS:
        print(
            f"error: unknown method {args.method!r}; choose one of {', '.join(METHODS)}",
            file=sys.stderr,
        )
        return 2
    if Path(args.input).is_dir():
        print(f"error: {args.input} is a folder; give a CSV/TSV file", file=sys.stderr)
        return 2
    cols = {
        "task_col": args.task_col,
        "worker_col": args.worker_col,
        "label_col": args.label_col,
        "sep": args.sep,
    }
    try:
        if args.method in PAIRWISE_METHODS:
            data = read_pairwise_file(args.input, sep=args.sep)
            model = make_pairwise_aggregator(args.method)
        elif args.method in TEXT_METHODS:
            data = read_crowd_file(args.input, "text", **cols)
            model = make_text_aggregator(args.method)
        else:
            data = read_crowd_file(args.input, "label", **cols)
            model = make_label_aggregator(args.method)
        result = model.fit(data).result_frame()
    except (CrowdFileError, AggregationError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.is_dir():
        print(f"error: --out {out} is a folder; give a CSV file path", file=sys.stderr)
        return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(result, out)
    logger.info("aggregate: %d rows written to %s", len(result), out)
    print(f"{len(result)} rows ({args.method}) -> {out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``aggregate`` subcommand to the CLI.

    Args:
        subparsers: the CLI's ``add_subparsers()`` object.

    Returns:
        The new subcommand's parser (its handler is :func:`run_aggregate`).
    """
    p = subparsers.add_parser(
        "aggregate",
        help="aggregate crowd labels, texts or pairwise votes with crowd-kit",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument(
        "input", help="CSV/TSV in crowd-kit layout (task,worker,label|text) or Toloka export"
    )
    p.add_argument(
        "--method",
        default="ds",
        metavar="{" + ",".join(METHODS) + "}",
        help="aggregation method (default: ds)",
    )
    p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--task-col", help="column holding the task (default: task, or INPUT:*)")
    p.add_argument(
        "--worker-col", help="column holding the worker (default: worker or ASSIGNMENT:worker_id)"
    )
    p.add_argument(
        "--label-col", help="column holding the answer (default: label/text or the one OUTPUT:*)"
    )
    p.add_argument(
        "--sep",
        help="field separator (default: by extension .tsv/.csv, else sniffed; 'tab' for a tab)",
    )
    p.set_defaults(func=run_aggregate)
    return p
