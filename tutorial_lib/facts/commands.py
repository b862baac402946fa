"""``tutorial-lib facts [--json] [--category C]``: the sourced facts as a references list."""

from __future__ import annotations

import argparse


def _facts(args: argparse.Namespace) -> int:
    from . import registry

    if args.json:
        print(registry.to_json())
        return 0
    if args.category:
        for fact in registry.all_facts(args.category):
            print(f"- [{fact.id}] {fact.cite()}")
        return 0
    print(registry.format_references(), end="")
    return 0


def register(sub) -> None:
    """Add the ``facts`` sub-command to the CLI.

    Args:
        sub: the ``argparse`` sub-parsers object of ``tutorial-lib``'s main parser.
    """
    p = sub.add_parser("facts", help="list the sourced facts the notebooks and slides cite")
    p.add_argument("--json", action="store_true", help="print a JSON list instead of references")
    p.add_argument(
        "--category",
        help="only this category (trends, representation, swahili, "
        "tokenizer, benchmarks, crowdwork)",
    )
    p.set_defaults(func=_facts)
