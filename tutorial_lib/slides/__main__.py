"""``python -m tutorial_lib.slides --out slides/build [--run runs/demo] [--pdf]``: build the deck.

This is what ``make slides`` runs. It is the deck's only command line; errors the kit
raises on purpose print as one line (exit 2).
"""

from __future__ import annotations

import argparse
import logging
import sys

from ..errors import TutorialLibError
from . import CHROMIUM, SLIDES_DIR, TOTAL_MINUTES, build_deck


def parser() -> argparse.ArgumentParser:
    """The command's arguments.

    Examples:
        >>> args = parser().parse_args(["--out", "deck", "--pdf"])
        >>> args.out, args.pdf, args.run
        ('deck', True, None)
    """
    p = argparse.ArgumentParser(prog="python -m tutorial_lib.slides", description=__doc__)
    p.add_argument("--src", default=str(SLIDES_DIR), help="folder with the *.md sources")
    p.add_argument("--out", default=str(SLIDES_DIR / "build"), help="output folder")
    p.add_argument(
        "--pdf", action="store_true", help="also write slides.pdf (one page per slide, Chromium)"
    )
    p.add_argument("--chromium", default=CHROMIUM, help="Chromium binary (default %(default)s)")
    p.add_argument(
        "--total-minutes",
        type=int,
        default=TOTAL_MINUTES,
        help="the blocks' minutes must add up to this (default %(default)s)",
    )
    p.add_argument(
        "--run", default=None, help="finished pipeline run for the run figures (e.g. runs/demo)"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Build the deck; return the exit status (2 with one error line on failure)."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        result = build_deck(
            args.src,
            args.out,
            pdf=args.pdf,
            total_minutes=args.total_minutes,
            run=args.run,
            chromium=args.chromium,
        )
    except (TutorialLibError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{result.slides} slides -> {result.html}" + (f" and {result.pdf}" if result.pdf else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
