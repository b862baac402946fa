"""``tutorial-lib room serve|export``: run a room crowd from the command line.

``room serve --kind answers --prompts FILE`` serves Part I (write answers);
``room serve --kind validation --answers FILE`` serves Part II (judge them;
prompt texts come from ``--prompts`` or the answers room in the same
workdir). The server runs until Ctrl-C, SIGTERM or SIGHUP, and stops with
this command however it ends; ``--check`` starts it, confirms it answers,
prints the URL and stops (a presenter's rehearsal). ``--host 0.0.0.0``
prints the LAN URL and a QR code for attendees to scan.
``room export --workdir DIR --out FILE.jsonl`` writes the common records.
``crowd plan --preset P --out DIR [--prompts FILE]`` writes ``DIR/plan.json``:
every Toloka object a live run would create, its cost and its time window,
offline (no token, no network), to review before paying.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..atomic import atomic_write_json
from ..config import CrowdConfig, PromptsConfig, QualityConfig
from ..errors import TutorialLibError
from ..jsonl import read_jsonl
from ..records import Assignment, Prompt, RecordError
from .design import answer_project, validation_project
from .design_spec import DesignError
from .room import RoomError, export, room_dir, serve, show_join, stop, wait_ready, write_room
from .room_process import signals_stop
from .room_server import LOG_FILE


def _prompt_tasks(path: Path) -> tuple[list[dict], str]:
    prompts = read_jsonl(path, Prompt)
    if not prompts:
        raise RoomError(f"{path}: no prompts")
    tasks = [
        {"task_id": p.id, "prompt": p.prompt, "prompt_en": p.prompt_en, "context": p.context}
        for p in prompts
    ]
    return tasks, prompts[0].lang


def _prompt_texts(args) -> dict[str, str]:
    """Prompt id -> text, from --prompts or from the answers room in the same workdir."""
    if args.prompts:
        return {p.id: p.prompt for p in read_jsonl(args.prompts, Prompt)}
    items = room_dir(args.workdir, "answers") / "data" / "items.jsonl"
    if not items.exists():
        return {}
    return {str(r["id"]): r.get("prompt", "") for r in read_jsonl(items)}


def _validation_tasks(args) -> list[dict]:
    answers = [
        a
        for a in read_jsonl(args.answers, Assignment)
        if a.kind == "answers" and a.answer is not None
    ]
    if not answers:
        raise RoomError(f"{args.answers}: no Part I answers (kind 'answers') to validate")
    texts = _prompt_texts(args)
    missing = sorted({a.task_id for a in answers if not texts.get(a.task_id)})
    if missing:
        raise RoomError(
            f"no prompt text for {len(missing)} prompt id(s) ({', '.join(missing[:5])}"
            f"); pass --prompts FILE with those prompts"
        )
    return [
        {
            "task_id": a.assignment_id,
            "prompt_id": a.task_id,
            "prompt": texts[a.task_id],
            "answer": a.answer,
        }
        for a in answers
    ]


def _write(args) -> Path:
    if args.kind == "answers":
        if not args.prompts:
            raise RoomError("--kind answers needs --prompts FILE (JSONL of prompts)")
        tasks, lang = _prompt_tasks(args.prompts)
        spec = answer_project(lang=args.lang or lang, show_english=not args.no_english)
    else:
        if not args.answers:
            raise RoomError("--kind validation needs --answers FILE (JSONL of Part I answers)")
        tasks = _validation_tasks(args)
        spec = validation_project(scale=args.scale, lang=args.lang or "sw")
    overlap = args.overlap or (2 if args.kind == "answers" else 3)
    return write_room(
        args.kind,
        tasks,
        args.workdir,
        spec,
        port=args.port,
        host=args.host,
        training=args.training,
        overlap=overlap,
        reclaim_after_s=args.reclaim_after,
        per_person=args.per_person,
        all_required=args.all_required,
    )


def serve_command(args: argparse.Namespace) -> int:
    """Write the room, start Potato, print the URL; serve until Ctrl-C, SIGTERM or SIGHUP.

    Nothing is announced before the server that answers is the one just
    started; a busy port exits non-zero. Every way out stops the server.

    Args:
        args: the parsed ``room serve`` flags (``kind``, ``prompts``, ``answers``,
            ``workdir``, ``host``, ``port``, ``check``, ...; see :func:`register`).

    Returns:
        The exit status: 0 after ``--check`` or Ctrl-C, 2 when the room cannot be
        written or started or its server exits by itself (one ``error:`` line on stderr).
    """
    with signals_stop():
        proc = None
        try:
            config = _write(args)
            proc = serve(config, args.host, args.port, threads=args.threads)
            url = wait_ready(proc, config, args.host, args.port, timeout_s=args.timeout)
            print(
                f"Room for {args.kind} is open: {url}  (nickname login; Ctrl-C to stop)",
                flush=True,
            )
            if args.host in ("", "0.0.0.0"):
                show_join(url)
            if args.check:
                return 0
            code = proc.wait()
            print(
                f"error: the room server exited (code {code}); see {config.parent / LOG_FILE}",
                file=sys.stderr,
            )
            return 2
        except (RoomError, RecordError, DesignError, FileNotFoundError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("Room stopped.", file=sys.stderr, flush=True)
            return 0
        finally:
            stop(proc)


def export_command(args: argparse.Namespace) -> int:
    """Write the rooms' answers as assignment records; report how many per project kind.

    Args:
        args: the parsed ``room export`` flags (``workdir``: the rooms' folder,
            ``out``: the JSONL file to write).

    Returns:
        The exit status: 0 when written, 2 (with one ``error:`` line) when the rooms
        or their records cannot be read.
    """
    try:
        records = export(args.workdir, args.out)
    except (RoomError, RecordError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    kinds = {}
    for r in records:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "nothing"
    print(f"Exported {summary} to {args.out}")
    return 0


class PlanError(TutorialLibError, ValueError):
    """A plan that cannot be written; the message names the path."""


def plan_prompts(
    section: PromptsConfig, prompts_file=None, prompt_format: str = "auto"
) -> list[Prompt]:
    """The prompts a run would ask about: ``prompts_file``, else the preset's (with its limit).

    Args:
        section: The ``prompts`` config section: path, format, mapping, language
            and limit.
        prompts_file: A prompt file to plan for instead; read whole, no limit.
        prompt_format: That file's format (``auto`` guesses from the name).

    Returns:
        The prompts, a balanced subset of ``prompts.limit`` when one is set.
    """
    from ..config import resolve_path
    from ..data.prompts import balanced_subset, load_prompts

    pc = section
    if prompts_file is not None:
        return load_prompts(prompts_file, format=prompt_format, lang=pc.lang)
    mapping = pc.mapping if isinstance(pc.mapping, dict) else None
    prompts = load_prompts(
        resolve_path(pc.path), format=pc.format, mapping=mapping or None, lang=pc.lang
    )
    return balanced_subset(prompts, pc.limit) if pc.limit else prompts


def write_plan(
    crowd: CrowdConfig,
    quality: QualityConfig,
    prompts_section: PromptsConfig,
    out_dir,
    prompts_file=None,
    *,
    prompt_format: str = "auto",
) -> tuple:
    """Write ``out_dir/plan.json`` for a Toloka run into ``out_dir``; returns (path, plan).

    The run id comes from ``out_dir/crowd`` (created if needed), so launching
    into the same directory creates exactly the pools shown.

    Args:
        crowd: The ``crowd`` config section.
        quality: The ``quality`` section.
        prompts_section: The ``prompts`` section (the preset's prompts and language).
        out_dir: The run directory the launch will use.
        prompts_file: Plan for this prompt file instead of the preset's prompts.
        prompt_format: That file's format.

    Returns:
        ``(path of plan.json, the plan dict)`` as :func:`build_plan` makes it.

    Raises:
        PlanError: if ``out_dir`` is an existing file.
    """
    from ..rundir import RunDir
    from .plan import build_plan
    from .toloka import run_id_for

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise PlanError(f"--out {out_dir} is a file; give the run directory")
    prompts = plan_prompts(prompts_section, prompts_file, prompt_format)
    run_id = run_id_for(RunDir(out_dir).crowd_dir)
    plan = build_plan(crowd, quality, prompts, run_id, lang=prompts_section.lang)
    return atomic_write_json(out_dir / "plan.json", plan, indent=1), plan


def plan_command(args: argparse.Namespace) -> int:
    """Write ``plan.json`` for a Toloka run of ``--preset`` and print its cost and window.

    Offline: no token and no network, so a plan can be reviewed before paying.

    Args:
        args: the parsed ``crowd plan`` flags (``preset``, ``set`` overrides, ``out``:
            the run directory, ``prompts``, ``prompt_format``).

    Returns:
        0; a bad preset or prompt file raises a kit error that the CLI reports.
    """
    from ..config import load_config

    cfg = load_config(args.preset, args.set or [])
    path, plan = write_plan(
        cfg.crowd,
        cfg.quality,
        cfg.prompts,
        args.out,
        args.prompts,
        prompt_format=args.prompt_format,
    )
    cost, window = plan["cost_usd"], plan["time_window"]
    print(
        f"Plan for run {plan['run_id']}: {plan['prompts']} prompts, {len(plan['pools'])} pools, "
        f"{len(plan['tasks'])} answer tasks, {len(plan['golden_tasks'])} golden tasks"
    )
    print(
        f"cost: answers ${cost['answers']:.2f} + validation ${cost['validation']:.2f} = "
        f"${cost['total']:.2f} (ceiling with every extra vote and re-collection "
        f"${plan['ceiling_usd']:.2f}; budget ${plan['budget_usd']:.2f})"
    )
    print(
        f"Part I review window {window['review_days']} days; planned Part II "
        f"{window['planned_part2_hours']} h; written to {path}"
    )
    return 0


def _add_crowd(subparsers) -> None:
    from ..config import PROMPT_FORMATS

    crowd = subparsers.add_parser("crowd", help="plan a live crowd run before paying for it")
    sub = crowd.add_subparsers(dest="crowd_command", required=True)
    p = sub.add_parser("plan", help="write DIR/plan.json: every Toloka object, cost, time window")
    p.add_argument("--preset", default="demo", help="demo | ci | colab-t4 | full, or a YAML path")
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        help="the run directory you will launch into (pool names carry its run id)",
    )
    p.add_argument("--prompts", type=Path, help="prompts to plan for (default: the preset's)")
    p.add_argument(
        "--prompt-format", default="auto", choices=PROMPT_FORMATS, help=" | ".join(PROMPT_FORMATS)
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="SECTION.KEY=VALUE",
        help="override a preset value, e.g. --set crowd.answer_overlap=3",
    )
    p.set_defaults(func=plan_command)


def register(subparsers) -> None:
    """Add ``room serve``, ``room export`` and ``crowd plan`` to the kit's CLI.

    Args:
        subparsers: the top-level parser's ``add_subparsers()`` object.
    """
    _add_crowd(subparsers)
    room = subparsers.add_parser("room", help="serve a room crowd (Potato) and export answers")
    sub = room.add_subparsers(dest="room_command", required=True)
    s = sub.add_parser("serve", help="write and start a room for one project kind")
    # --stage: the flag's name before the project kind was renamed; still accepted
    s.add_argument(
        "--kind", "--stage", dest="kind", choices=("answers", "validation"), required=True
    )
    s.add_argument(
        "--prompts", type=Path, help="JSONL of prompts (answers; optional for validation)"
    )
    s.add_argument("--answers", type=Path, help="JSONL of Part I answer records (validation)")
    s.add_argument("--workdir", type=Path, required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to let the room's laptops in")
    s.add_argument(
        "--training", action="store_true", help="training phase first (off: starts at once)"
    )
    s.add_argument("--overlap", type=int, help="people per item (default 2 answers, 3 votes)")
    s.add_argument("--scale", choices=("binary", "likert5"), default="binary")
    s.add_argument("--lang", help="target language code (default: the prompts' language)")
    s.add_argument("--no-english", action="store_true", help="hide the English original")
    s.add_argument("--check", action="store_true", help="start, print the URL, stop")
    s.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for Potato")
    s.add_argument(
        "--reclaim-after",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="an item held by someone silent this long goes to another person",
    )
    s.add_argument("--per-person", type=int, help="most items one person gets (default: no cap)")
    s.add_argument(
        "--all-required",
        action="store_true",
        help="every question required (default: only the first, helpfulness)",
    )
    s.add_argument("--threads", type=int, help="server threads (default 16)")
    s.set_defaults(func=serve_command)
    e = sub.add_parser("export", help="write the rooms' answers as assignment records")
    e.add_argument("--workdir", type=Path, required=True)
    e.add_argument("--out", type=Path, required=True)
    e.set_defaults(func=export_command)
