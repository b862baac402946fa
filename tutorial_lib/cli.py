"""The ``tutorial-lib`` command line: ``run``, ``aggregate``, ``finetune``, ``evaluate``, ``room``,
``colab-links``.

Each wing registers its own sub-command (``<wing>/commands.py``); this module only
assembles them, sets up logging and turns the kit's own errors into one clear
line and a non-zero exit instead of a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import MutableMapping

# Read by huggingface_hub/datasets at import time; see offline_by_default().
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
logger = logging.getLogger("tutorial_lib")
WING_COMMANDS = (
    "tutorial_lib.quality.commands",
    "tutorial_lib.finetune.commands",
    "tutorial_lib.evaluate.commands",
    "tutorial_lib.crowd.commands",
    "tutorial_lib.facts.commands",
)


def _parse_mapping(items: list[str]) -> dict:
    mapping = {}
    for item in items or []:
        if "=" not in item:
            raise SystemExit(f"--map {item!r}: expected FIELD=COLUMN (e.g. prompt=question)")
        key, value = item.split("=", 1)
        mapping[key.strip()] = value.strip()
    return mapping


ALL_LISTED = "__listed__"


def _run(args: argparse.Namespace) -> int:
    from .config import load_config
    from .pipeline import Pipeline

    overrides = list(args.set or [])
    if args.prompts:
        from .data import named_mapping

        inline = _parse_mapping(args.map)
        if args.mapping:
            inline = {**named_mapping(args.mapping), **inline}
        # Passed as overrides, so the typed config checks them like any other setting.
        overrides = [
            {"prompts": {"path": args.prompts, "format": args.prompt_format, "mapping": inline}},
            *overrides,
        ]
    cfg = load_config(args.preset, overrides)
    force = args.force or []
    force = True if ALL_LISTED in force and args.stage else [f for f in force if f != ALL_LISTED]
    if args.force and ALL_LISTED in args.force and not args.stage:
        raise SystemExit(
            "--force without a stage name needs --stage: say which stage to redo, "
            "e.g. --force dataset (it also redoes every stage after it)"
        )
    pipe = Pipeline(cfg, args.out, lock_timeout_s=args.lock_timeout)
    manifests = pipe.run(stages=args.stage, force=force)
    for name, manifest in manifests.items():
        print(f"{name:>10}: {manifest['rows']}")
        for note in manifest.get("notes", []):
            print(f"{'':>10}  note: {note}")
    if "report" in manifests:
        print(f"report: {pipe.run_dir.path('report', 'report.md')}")
    return 0


def _add_run(sub) -> None:
    from .config import PROMPT_FORMATS

    command = sub.add_parser("run", help="run the pipeline (or some stages) into a run directory")
    command.add_argument(
        "--preset",
        default="demo",
        help="demo | ci | colab-t4 | full | colab-t4-decoder | full-decoder, or a YAML path",
    )
    command.add_argument("--out", default="runs/demo", help="run directory")
    command.add_argument("--stage", action="append", help="run only this stage (repeatable)")
    command.add_argument(
        "--force",
        nargs="?",
        const=ALL_LISTED,
        action="append",
        metavar="STAGE",
        help="redo STAGE and invalidate every stage after it (repeatable); plain "
        "--force with --stage redoes the listed stages. Crowd work already "
        "launched is reused, never paid twice",
    )
    command.add_argument(
        "--lock-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="if another process uses --out, wait at most this long (default: wait)",
    )
    command.add_argument(
        "--prompts", help="import prompts from this file (JSONL/CSV/TSV/JSON) or hf:ORG/NAME"
    )
    command.add_argument(
        "--prompt-format", default="auto", choices=PROMPT_FORMATS, help=" | ".join(PROMPT_FORMATS)
    )
    command.add_argument(
        "--mapping",
        metavar="NAME",
        help="a known column mapping for --prompts: afriqa, mgsm, afriinstruct, aya, dolly",
    )
    command.add_argument(
        "--map",
        action="append",
        metavar="FIELD=COLUMN",
        help="column mapping for --prompts, e.g. --map prompt=question --map category==open_qa",
    )
    command.add_argument(
        "--set",
        action="append",
        metavar="SECTION.KEY=VALUE",
        help="override a preset value, e.g. --set finetune.max_steps=10",
    )
    command.set_defaults(func=_run)


def _colab_links(args: argparse.Namespace) -> int:
    from .colab_links import rewrite_links

    changed = rewrite_links(args.repo, args.ref)
    for path in changed:
        print(f"rewrote {path}")
    print(f"{len(changed)} file(s) changed" if changed else "every Colab link already agrees")
    return 0


def _add_colab_links(sub) -> None:
    command = sub.add_parser(
        "colab-links", help="point every Colab badge and setup cell at a repository"
    )
    command.add_argument("--repo", required=True, help="https://github.com/OWNER/NAME")
    command.add_argument("--ref", help="branch or tag the badges open and the setup cell installs")
    command.set_defaults(func=_colab_links)


def build_parser() -> argparse.ArgumentParser:
    """The ``tutorial-lib`` parser: ``run``, ``colab-links`` and every wing's sub-commands.

    Importing the wings' command modules may import HF libraries, so call
    :func:`offline_by_default` first (as :func:`main` does).

    Returns:
        The parser; each sub-command stores its handler as ``args.func``.

    Examples:
        >>> args = build_parser().parse_args(["run", "--preset", "demo", "--out", "runs/demo"])
        >>> args.command, args.preset, args.func.__name__
        ('run', 'demo', '_run')
    """
    parser = argparse.ArgumentParser(
        prog="tutorial-lib",
        description="Align an LLM to a low-resource language: crowd data to a fine-tuned, evaluated model.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    _add_colab_links(sub)
    for module in WING_COMMANDS:
        importlib.import_module(module).register(sub)
    return parser


def offline_by_default(environ: MutableMapping[str, str] | None = None) -> None:
    """Default the Hugging Face offline switches before any HF library is imported.

    The demo runs offline; ``TUTORIAL_LIB_ONLINE=1`` defaults them to ``0`` instead, and a
    value the user already set always wins. The HF libraries read these variables when
    they are imported, so :func:`main` calls this first; importing this module changes
    nothing.

    Args:
        environ: the environment to change (default: ``os.environ``).

    Examples:
        >>> env = {"HF_DATASETS_OFFLINE": "0"}
        >>> offline_by_default(env)
        >>> env["HF_HUB_OFFLINE"], env["HF_DATASETS_OFFLINE"]
        ('1', '0')
        >>> env = {"TUTORIAL_LIB_ONLINE": "1"}
        >>> offline_by_default(env)
        >>> env["HF_HUB_OFFLINE"]
        '0'
    """
    environ = os.environ if environ is None else environ
    default = "0" if environ.get("TUTORIAL_LIB_ONLINE") == "1" else "1"
    for name in OFFLINE_VARIABLES:
        environ.setdefault(name, default)


def main(argv: list[str] | None = None) -> int:
    """Run the ``tutorial-lib`` command line; returns the exit code.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        0 on success; 2 when a kit error, a file error or a bad value stopped the command
        (one line on stderr; ``-v`` re-raises it with the traceback).
    """
    offline_by_default()  # before build_parser(): the wings' commands may import HF libraries
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from .errors import TutorialLibError

    try:
        return int(args.func(args) or 0)
    except (TutorialLibError, OSError, ValueError) as err:
        if args.verbose:
            raise
        print(f"error: {err} (-v shows the traceback)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
