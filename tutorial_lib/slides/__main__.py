"""``python -m tutorial_lib.slides --out slides/build``: build the deck (what ``make slides`` runs)."""

from __future__ import annotations

import argparse
import logging
import sys

from . import SLIDES_DIR, TOTAL_MINUTES, build_deck
from .markdown import SlideSyntaxError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tutorial_lib.slides", description=__doc__)
    parser.add_argument("--src", default=str(SLIDES_DIR), help="folder with the *.md sources")
    parser.add_argument("--out", default=str(SLIDES_DIR / "build"), help="output folder")
    parser.add_argument(
        "--pdf",
        choices=("auto", "yes", "no"),
        default="auto",
        help="print to PDF with headless Chromium (auto: when installed)",
    )
    parser.add_argument(
        "--total-minutes",
        type=int,
        default=TOTAL_MINUTES,
        help="the blocks' minutes must add up to this (default %(default)s)",
    )
    parser.add_argument(
        "--run", default=None, help="finished pipeline run for the run figures (e.g. runs/demo)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        result = build_deck(
            args.src, args.out, pdf=args.pdf, total_minutes=args.total_minutes, run=args.run
        )
    except (SlideSyntaxError, FileNotFoundError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{result.slides} slides -> {result.html}" + (f" and {result.pdf}" if result.pdf else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
