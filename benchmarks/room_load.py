"""Load on a live room: N attendees in their own sessions, loopback only, every loop bounded.

Each simulated attendee does what the browser does (requests recorded from
headless Chromium on Potato 2.12.1): nickname login, the annotation page and
its API calls, then per item a think time, one autosave of the text so far,
the save (``POST /updateinstance``) and the move on (``POST /annotate`` +
``GET /annotate`` + the page's API calls). Attendees arrive spread over
``--ramp`` seconds. Afterwards the room is exported and checked: every
acknowledged answer is in the export (lost), no person answered an item twice
(duplicated), no item got more than its overlap (over-collected).

    python benchmarks/room_load.py --attendees 20 50 100 --items 5 --think 4 12

Reported per N: p50/p95/max seconds for save and next, errors, lost,
duplicated, over-collected, items by answer count. Static files are not
replayed: the room serves them ``Cache-Control: immutable``, so a browser
fetches them once. The last line is JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutorial_lib.crowd import room_server
from tutorial_lib.crowd.design import answer_project, validation_project
from tutorial_lib.crowd.room import export, write_room
from tutorial_lib.data import SEED_PATH
from tutorial_lib.jsonl import read_jsonl
from tutorial_lib.records import Prompt

INSTANCE = re.compile(r'id="instance_id"[^>]*value="([^"]*)"')
# What the annotation page asks for on each load, in order (Chromium, Potato 2.12.1).
PAGE_CALLS = (
    "/api/colors",
    "/api/spans/{iid}",
    "/pocket/api/routing",
    "/api/keyword_highlights/{iid}",
    "/api/schemas",
    "/api/colors",
    "/api/spans/{iid}",
    "/api/keyword_highlights/{iid}",
    "/api/keyword_highlights/{iid}",
)
MAX_AGE = re.compile(r"max-age=(\d+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tasks(kind: str, n_items: int) -> tuple[list[dict], object]:
    """``n_items`` room items from the seed prompts (cycled, with new ids, when more are needed)."""
    seed = read_jsonl(SEED_PATH, Prompt)
    per_prompt = 1 if kind == "answers" else 2
    count = -(-n_items // per_prompt)
    prompts = [
        seed[i % len(seed)]
        if i < len(seed)
        else dataclasses.replace(seed[i % len(seed)], id=f"{seed[i % len(seed)].id}-c{i}")
        for i in range(count)
    ]
    if kind == "answers":
        return (
            [
                {
                    "task_id": p.id,
                    "prompt": p.prompt,
                    "prompt_en": p.prompt_en,
                    "context": p.context,
                }
                for p in prompts
            ],
            answer_project(),
        )
    return (
        [
            {
                "task_id": f"{p.id}-a{k}",
                "prompt_id": p.id,
                "prompt": p.prompt,
                "answer": (p.references or ["Jibu fupi."])[0] + f" ({k})",
            }
            for p in prompts
            for k in range(2)
        ],
        validation_project(),
    )


class Attendee(threading.Thread):
    """One person: login, then up to ``items`` answers with think time; every wait bounded."""

    def __init__(self, base, nick, kind, items, think, deadline, rng, expected=None):
        super().__init__(daemon=True)
        self.expected = expected or {}  # check item id -> {question: right answer}
        self.base, self.nick, self.kind, self.items = base, nick, kind, items
        self.think, self.deadline, self.rng = think, deadline, rng
        self.timings: dict[str, list[float]] = {"save": [], "next": [], "login": []}
        self.acked: list[tuple[str, str]] = []
        self.errors: Counter = Counter()

    def _get_cached(self, path):
        """A GET the way a browser does it: answered from its cache while ``max-age`` lasts."""
        if self.cache.get(path, 0.0) > time.monotonic():
            return
        reply = self._call(None, "GET", path)
        if (
            reply is not None
            and reply.ok
            and "no-store" not in reply.headers.get("Cache-Control", "")
        ):
            age = MAX_AGE.search(reply.headers.get("Cache-Control", ""))
            if age:
                self.cache[path] = time.monotonic() + int(age.group(1))

    def _call(self, kind, method, path, **kw):
        t0 = time.perf_counter()
        try:
            reply = self.s.request(method, self.base + path, timeout=30, **kw)
        except requests.RequestException as err:
            self.errors[f"{kind}: {type(err).__name__}"] += 1
            return None
        if kind:
            self.timings[kind].append(time.perf_counter() - t0)
        if reply.status_code >= 400:
            self.errors[f"{kind or path}: HTTP {reply.status_code}"] += 1
        return reply

    def _page(self, kind) -> str | None:
        reply = self._call(kind, "GET", "/annotate")
        match = INSTANCE.search(reply.text) if reply is not None else None
        iid = match.group(1) if match else None
        for path in PAGE_CALLS if iid else ():
            self._get_cached(path.format(iid=iid))
        return iid

    def _annotations(self, iid: str, partial: bool) -> tuple[dict, str]:
        if self.kind == "answers":
            text = f"Jibu la {self.nick} kwa {iid}: maelezo marefu ya kutosha kabisa."
            text = text[:12] if partial else text
            return {"answer:text_box": text}, text
        if iid in self.expected:  # attention/gold item: a careful attendee answers it right
            return {f"{q}:{v}": v for q, v in self.expected[iid].items()}, None
        votes = {q: str(self.rng.randint(0, 1)) for q in ("helpful", "harmless", "truthful")}
        return {f"{q}:{v}": v for q, v in votes.items()}, votes["helpful"]

    def run(self):
        self.s, self.cache = requests.Session(), {}
        t0 = time.perf_counter()
        reply = self._call(
            None,
            "POST",
            "/auth",
            data={"action": "login", "email": self.nick},
            allow_redirects=False,
        )
        iid = self._page(None) if reply is not None else None
        self.timings["login"].append(time.perf_counter() - t0)
        for _ in range(self.items):
            if not iid or time.monotonic() > self.deadline:
                break
            time.sleep(self.rng.uniform(*self.think) / 2)
            self._call(
                None,
                "POST",
                "/updateinstance",
                json={"instance_id": iid, "annotations": self._annotations(iid, True)[0]},
            )
            time.sleep(self.rng.uniform(*self.think) / 2)
            annotations, value = self._annotations(iid, False)
            self._call(
                None,
                "POST",
                "/api/track_annotation_change",
                json={
                    "instance_id": iid,
                    "schema_name": next(iter(annotations)).split(":")[0],
                    "action": "update",
                    "new_value": value,
                    "source": "user",
                },
            )
            reply = self._call(
                "save",
                "POST",
                "/updateinstance",
                json={"instance_id": iid, "annotations": annotations},
            )
            if (
                reply is not None
                and reply.ok
                and reply.json().get("status") == "success"
                and iid not in self.expected
            ):
                self.acked.append((iid, value))
            self._call(
                None,
                "POST",
                "/updateinstance",  # the page saves twice on Next
                json={"instance_id": iid, "annotations": annotations},
            )
            t0 = time.perf_counter()
            self._call(
                None,
                "POST",
                "/annotate",
                json={"action": "next_instance"},
                headers={"X-Potato-Navigation": "1"},
            )
            following = self._page(None)
            self.timings["next"].append(time.perf_counter() - t0)
            self._call(
                None,
                "POST",
                "/api/track_interactions",
                json={"instance_id": iid, "events": [{"event_type": "navigation"}]},
            )
            iid = following if following != iid else None


def _quantiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(values),
        "p50": round(statistics.median(ordered), 3),
        "p95": round(p95, 3),
        "max": round(ordered[-1], 3),
    }


def _check(workdir: Path, kind: str, people: list[Attendee], overlap: int) -> dict:
    records = [r for r in export(workdir, salt="bench") if r.kind == kind]
    from tutorial_lib.crowd.backend import pseudonymise

    exported = Counter((r.worker_id, r.task_id) for r in records)
    values = {
        (r.worker_id, r.task_id): (r.answer if kind == "answers" else str(r.label)) for r in records
    }
    acked = {(pseudonymise(p.nick, "bench"), iid): v for p in people for iid, v in p.acked}
    per_item = Counter(r.task_id for r in records)
    return {
        "acknowledged": len(acked),
        "exported": len(records),
        "lost": sum(1 for k, v in acked.items() if values.get(k) != v),
        "duplicated": sum(n - 1 for n in exported.values() if n > 1),
        "over_collected_items": sum(1 for n in per_item.values() if n > overlap),
        "items_by_answers": dict(sorted(Counter(per_item.values()).items())),
    }


def _expected(folder: Path) -> dict[str, dict]:
    """Right answers of the room's attention and gold items."""
    out = {}
    for name, key in (("attention.jsonl", "expected_answer"), ("gold.jsonl", "gold_label")):
        path = folder / "data" / name
        for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
            row = json.loads(line)
            out[str(row["id"])] = row[key]
    return out


def run_once(n: int, args, workdir: str | None = None) -> dict:
    """Serve a fresh room in ``workdir`` (a temporary one by default), let ``n`` attendees
    work, stop it, check the export."""
    overlap = 2 if args.kind == "answers" else 3
    # Enough items that nobody runs out of work (so the load lasts), at least the seed set.
    wanted = args.min_items if args.scarce else max(args.min_items, -(-n * args.items // overlap))
    tasks, spec = _tasks(args.kind, wanted)
    port = _free_port()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = workdir or scratch
        config = write_room(
            args.kind,
            tasks,
            tmp,
            spec,
            port=port,
            overlap=overlap,
            gold=False if args.no_checks else None,
            attention_checks=False if args.no_checks else None,
        )
        proc = room_server.serve(config, "127.0.0.1", port, threads=args.threads)
        try:
            base = room_server.wait_ready(proc, config, "127.0.0.1", port).rstrip("/")
            rng = random.Random(n)
            deadline = time.monotonic() + args.max_seconds
            expected = _expected(config.parent)
            people = [
                Attendee(
                    base,
                    f"mtu{i:03d}",
                    args.kind,
                    args.items,
                    args.think,
                    deadline,
                    random.Random(rng.random()),
                    expected,
                )
                for i in range(n)
            ]
            t0 = time.monotonic()
            for i, person in enumerate(people):
                time.sleep(max(0.0, t0 + args.ramp * i / n - time.monotonic()))
                person.start()
            for person in people:
                person.join(timeout=max(1.0, deadline + 60 - time.monotonic()))
            wall = time.monotonic() - t0
        finally:
            room_server.stop(proc)
        result = {
            "attendees": n,
            "kind": args.kind,
            "items": len(tasks),
            "wall_s": round(wall, 1),
            "finished_short": sum(1 for p in people if len(p.acked) < args.items),
            **{
                k: _quantiles([t for p in people for t in p.timings[k]])
                for k in ("save", "next", "login")
            },
            "errors": dict(sum((p.errors for p in people), Counter())),
            **_check(Path(tmp), args.kind, people, overlap),
        }
    print(json.dumps(result), flush=True)
    return result


def parse_args(argv=None) -> argparse.Namespace:
    """The benchmark's options (tests call :func:`run_once` with their own)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, nargs="+", default=[20, 50, 100])
    # --stage: the flag's name before the project kind was renamed; still accepted
    parser.add_argument(
        "--kind", "--stage", dest="kind", choices=("answers", "validation"), default="answers"
    )
    parser.add_argument("--items", type=int, default=5, help="answers per attendee")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(4.0, 12.0),
        help="seconds per item, uniform between the two",
    )
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which people join")
    parser.add_argument("--min-items", type=int, default=160, help="room items at least")
    parser.add_argument(
        "--scarce",
        action="store_true",
        help="exactly --min-items items even if people want more (tests the cap)",
    )
    parser.add_argument("--threads", type=int, default=None, help="waitress threads")
    parser.add_argument("--max-seconds", type=float, default=240.0, help="bound per run")
    parser.add_argument("--no-checks", action="store_true", help="no attention/gold items")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    results = [run_once(n, args) for n in args.attendees]
    print(
        json.dumps(
            {
                "benchmark": "room_load",
                "think_s": list(args.think),
                "items": args.items,
                "results": results,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
