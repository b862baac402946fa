"""A Toloka emulator on 127.0.0.1 that behaves like Toloka where live runs break.

Driven by the real toloka-kit client through the kit's backend. What it does
that a plain stub does not (each is a way a live run goes wrong):

* a **controllable clock**: nothing happens until the kit (or a test) sleeps
  on :class:`EmuClock`; then workers take suites, submit, skip or let them
  expire, rules fire and assignments auto-accept, as time passes;
* **training gating**: a worker enters a pool only after passing its training,
  and passing means every training answer matches a known solution exactly;
* **asynchronous rules**: quality-control actions (golden-set restrictions,
  overlap changes on rejection) apply ``rule_delay_s`` after their event;
* **auto-acceptance**: pools with ``auto_accept_solutions`` pay on submit;
  others pay by themselves ``auto_accept_period_day`` days after submission;
* ACTIVE, EXPIRED and SKIPPED assignments; pools that **close** when complete
  and are **archived** after ``archive_after_s`` closed;
* **pagination** (``page_size`` items a page), injected **429/5xx** replies,
  optionally after the request took effect, **RUNNING/FAIL** operations, and
  an account **balance** that refuses to open a pool it cannot pay for.

Every payment is recorded with who made it: the kit (``"kit"``), a pool's
auto-acceptance (``"auto"``) or the end of a review period (``"review"``).
The HTTP layer is ``toloka_emulator_http.py``. Test-only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from tutorial_lib.crowd.backend import Clock

EPOCH = dt.datetime(2026, 1, 5, 9, 0, 0)
ISSUED = ("ACTIVE", "SUBMITTED", "ACCEPTED", "REJECTED")
DONE = ("SUBMITTED", "ACCEPTED", "REJECTED")


class ApiFailure(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Worker:
    """A simulated Toloker: ``answer(inputs)`` gives real outputs; ``knows_rules`` gets
    training and golden tasks right (where an exact answer exists)."""

    id: str
    answer: Callable[[dict], dict]
    knows_rules: bool = True
    skips: bool = False
    expires: bool = False
    seconds: float = 60.0
    misses_golden: bool = False  # passes training, then guesses on control tasks


@dataclass
class Fault:
    method: str
    prefix: str
    status: int
    times: int = 1
    commit: bool = False  # the request takes effect, then the reply is lost


class EmuClock(Clock):
    """The kit's clock in tests: sleeping advances the emulator's time (no real sleep).

    ``min_sleep_s`` makes every sleep at least that long, so a kit polling every
    few seconds crosses a worker's minute in one step (fewer requests, same result).
    """

    def __init__(self, emu: TolokaEmulator, min_sleep_s: float = 0.0) -> None:
        self.emu = emu
        self.min_sleep_s = min_sleep_s

    def now(self) -> dt.datetime:
        return self.emu.now.replace(tzinfo=dt.UTC)

    def monotonic(self) -> float:
        return (self.emu.now - EPOCH).total_seconds()

    def sleep(self, seconds: float) -> None:
        self.emu.advance(max(seconds, self.min_sleep_s))


@dataclass
class TolokaEmulator:
    workers: list = field(default_factory=list)
    token: str = "emu-token-s3cr3t"
    balance: float = 1000.0
    fee: float = 0.3
    page_size: int = 3
    rule_delay_s: float = 600.0
    op_polls: int = 1
    archive_after_s: float = 30 * 86400.0

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.now = EPOCH
        self._ids = itertools.count(1000)
        self.tables: dict[str, dict] = {
            k: {}
            for k in (
                "projects",
                "skills",
                "trainings",
                "pools",
                "tasks",
                "assignments",
                "operations",
            )
        }
        self.op_logs: dict[str, list] = {}
        self.payments: list[dict] = []
        self.faults: list[Fault] = []
        self.failing_ops: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        self.auth_headers: list[str] = []
        self.trained: dict[tuple[str, str], bool] = {}
        self.restricted: set[tuple[str, str]] = set()
        self.pending: list[tuple[dt.datetime, Callable]] = []
        self.server = None

    # -- helpers ---------------------------------------------------------------
    def new_id(self) -> str:
        return str(next(self._ids))

    def stamp(self, when: dt.datetime | None = None) -> str:
        return (when or self.now).isoformat()

    def fail(
        self, method: str, prefix: str, status: int = 500, times: int = 1, commit: bool = False
    ) -> None:
        """The next ``times`` requests ``method prefix...`` answer ``status``."""
        self.faults.append(Fault(method, prefix, status, times, commit))

    def spent(self) -> float:
        """Money taken from the balance (rewards plus the platform fee)."""
        return round(sum(p["amount"] for p in self.payments) * (1 + self.fee), 6)

    def task_assignments(self, task_id: str, statuses=ISSUED) -> list[dict]:
        return [
            a
            for a in self.tables["assignments"].values()
            if any(t["id"] == task_id for t in a["tasks"]) and a["status"] in statuses
        ]

    def real_tasks(self, pool_id: str) -> list[dict]:
        return [
            t
            for t in self.tables["tasks"].values()
            if t["pool_id"] == pool_id and not t.get("infinite_overlap")
        ]

    def remaining(self, task: dict) -> int:
        return max(int(task["overlap"]) - len(self.task_assignments(task["id"])), 0)

    def pool_of(self, pool_id: str) -> dict:
        return self.tables["pools"].get(pool_id) or self.tables["trainings"][pool_id]

    # -- money -----------------------------------------------------------------
    def pay(self, a: dict, how: str) -> None:
        if any(p["assignment_id"] == a["id"] for p in self.payments):
            raise ApiFailure(409, "INAPPROPRIATE_STATUS", f"{a['id']} already paid")
        amount = float(self.tables["pools"][a["pool_id"]].get("reward_per_assignment") or 0)
        self.payments.append(
            {"assignment_id": a["id"], "pool_id": a["pool_id"], "amount": amount, "how": how}
        )
        self.balance -= amount * (1 + self.fee)
        a["status"], a["accepted"] = "ACCEPTED", self.stamp()

    def cost_to_finish(self, pool: dict) -> float:
        left = sum(self.remaining(t) for t in self.real_tasks(pool["id"]))
        return left * float(pool.get("reward_per_assignment") or 0) * (1 + self.fee)

    # -- time ------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass: workers act, events fire in time order."""
        with self.lock:
            target = self.now + dt.timedelta(seconds=max(seconds, 0.0))
            for _ in range(100_000):  # bounded: each event moves time or changes a status
                self.act()
                due = self.next_event()
                if due is None or due > target:
                    break
                self.now = max(self.now, due)
                self.fire_due()
            self.now = target
            self.act()
            self.fire_due()

    def next_event(self) -> dt.datetime | None:
        times = [when for when, _ in self.pending]
        for a in self.tables["assignments"].values():
            if a["status"] == "ACTIVE":
                times.append(a["_ends"])
            elif a["status"] == "SUBMITTED":
                times.append(self.review_end(a))
        for pool in self.tables["pools"].values():
            if pool["status"] == "CLOSED":
                times.append(pool["_closed_at"] + dt.timedelta(seconds=self.archive_after_s))
        return min(times) if times else None

    def review_end(self, a: dict) -> dt.datetime:
        days = int(self.tables["pools"][a["pool_id"]].get("auto_accept_period_day") or 7)
        return dt.datetime.fromisoformat(a["submitted"]) + dt.timedelta(days=days)

    def fire_due(self) -> None:
        due = [(w, fn) for w, fn in self.pending if w <= self.now]
        self.pending = [(w, fn) for w, fn in self.pending if w > self.now]
        for _, fn in sorted(due, key=lambda x: x[0]):
            fn()
        for a in list(self.tables["assignments"].values()):
            if a["status"] == "ACTIVE" and a["_ends"] <= self.now:
                self.finish(a)
            elif a["status"] == "SUBMITTED" and self.review_end(a) <= self.now:
                self.pay(a, "review")
        for pool in self.tables["pools"].values():
            if pool["status"] == "OPEN" and self.complete(pool):
                pool.update(status="CLOSED", last_close_reason="COMPLETED", _closed_at=self.now)
            if pool["status"] == "CLOSED" and self.now >= pool["_closed_at"] + dt.timedelta(
                seconds=self.archive_after_s
            ):
                pool["status"] = "ARCHIVED"

    def complete(self, pool: dict) -> bool:
        """Toloka closes a pool once every task has all its assignments in."""
        active = any(
            a["status"] == "ACTIVE" and a["pool_id"] == pool["id"]
            for a in self.tables["assignments"].values()
        )
        return not active and not any(map(self.remaining, self.real_tasks(pool["id"])))

    # -- workers ---------------------------------------------------------------
    def busy(self, worker: Worker) -> bool:
        return any(
            a["status"] == "ACTIVE" and a["user_id"] == worker.id
            for a in self.tables["assignments"].values()
        )

    def act(self) -> None:
        for pool in list(self.tables["pools"].values()):
            if pool["status"] != "OPEN":
                continue
            for worker in self.workers:
                if self.busy(worker) or (worker.id, pool["project_id"]) in self.restricted:
                    continue
                if not self.passed_training(worker, pool):
                    continue
                task = self.pick(worker, pool)
                if task is not None:
                    self.issue(worker, pool, task)

    def passed_training(self, worker: Worker, pool: dict) -> bool:
        """Toloka's rule: a trainee goes on only with every training answer right."""
        req = (pool.get("quality_control") or {}).get("training_requirement")
        if not req:
            return True
        key = (worker.id, req["training_pool_id"])
        if self.tables["trainings"][req["training_pool_id"]]["status"] != "OPEN":
            return self.trained.get(key, False)
        if key not in self.trained:
            tasks = [
                t for t in self.tables["tasks"].values() if t["pool_id"] == req["training_pool_id"]
            ]
            right = sum(
                self.training_output(worker, t)
                in [s["output_values"] for s in t.get("known_solutions", [])]
                for t in tasks
            )
            score = 100.0 * right / max(len(tasks), 1)
            self.trained[key] = (
                bool(tasks)
                and right == len(tasks)
                and score >= req.get("training_passing_skill_value", 0)
            )
        return self.trained[key]

    def training_output(self, worker: Worker, task: dict) -> dict:
        known = task["known_solutions"][0]["output_values"]
        spec = self.tables["projects"][self.pool_of(task["pool_id"])["project_id"]]
        out_spec = spec["task_spec"]["output_spec"]
        if worker.knows_rules and all(out_spec[k].get("allowed_values") for k in known):
            return dict(known)  # a choice: this worker picks the right one
        given = worker.answer(task["input_values"])  # free text: their own words
        return {k: given.get(k) for k in known}

    def pick(self, worker: Worker, pool: dict) -> dict | None:
        for task in self.real_tasks(pool["id"]):
            mine = [
                a
                for a in self.tables["assignments"].values()
                if a["user_id"] == worker.id and any(t["id"] == task["id"] for t in a["tasks"])
            ]
            if (
                not mine
                and self.remaining(task)
                and worker.id not in (task.get("unavailable_for") or [])
            ):
                return task
        return None

    def golden_for(self, worker: Worker, pool: dict) -> dict | None:
        mixer = pool.get("mixer_config") or {}
        golden = [
            t
            for t in self.tables["tasks"].values()
            if t["pool_id"] == pool["id"] and t.get("infinite_overlap") and t.get("known_solutions")
        ]
        if not golden or not mixer.get("golden_tasks_count"):
            return None
        every = (
            (mixer.get("golden_task_distribution_function") or {}).get("intervals")
            or [{"frequency": 1}]
        )[0]["frequency"]
        done = sum(
            a["user_id"] == worker.id and a["pool_id"] == pool["id"]
            for a in self.tables["assignments"].values()
        )
        return golden[(done // every) % len(golden)] if done % every == 0 else None

    def issue(self, worker: Worker, pool: dict, task: dict) -> None:
        tasks = [task] + [g for g in [self.golden_for(worker, pool)] if g]
        aid = self.new_id()
        limit = float(pool.get("assignment_max_duration_seconds") or 600)
        self.tables["assignments"][aid] = {
            "id": aid,
            "task_suite_id": "s" + aid,
            "pool_id": pool["id"],
            "user_id": worker.id,
            "status": "ACTIVE",
            "reward": pool.get("reward_per_assignment", 0.0),
            "tasks": [
                {"id": t["id"], "pool_id": pool["id"], "input_values": t["input_values"]}
                for t in tasks
            ],
            "created": self.stamp(),
            "automerged": False,
            "mixed": True,
            "_ends": self.now + dt.timedelta(seconds=limit if worker.expires else worker.seconds),
            "_worker": worker,
        }

    def finish(self, a: dict) -> None:
        worker = a.pop("_worker")
        a.pop("_ends")
        if worker.expires or worker.skips:
            a["status"] = "EXPIRED" if worker.expires else "SKIPPED"
            return
        solutions = []
        for t in a["tasks"]:
            task = self.tables["tasks"][t["id"]]
            if task.get("known_solutions"):
                solutions.append({"output_values": self.golden_output(worker, task)})
            else:
                solutions.append({"output_values": worker.answer(task["input_values"])})
        a.update(status="SUBMITTED", solutions=solutions, submitted=self.stamp())
        pool = self.tables["pools"][a["pool_id"]]
        if pool.get("auto_accept_solutions"):
            self.pay(a, "auto")
        if len(a["tasks"]) > 1:
            self.schedule(lambda: self.golden_rules(pool, worker.id))

    def golden_output(self, worker: Worker, task: dict) -> dict:
        known = dict(task["known_solutions"][0]["output_values"])
        if worker.knows_rules and not worker.misses_golden:
            return known
        return {k: (1 - v if isinstance(v, int) else v) for k, v in known.items()}

    # -- asynchronous rules ----------------------------------------------------
    def schedule(self, fn: Callable) -> None:
        self.pending.append((self.now + dt.timedelta(seconds=self.rule_delay_s), fn))

    def rules(self, pool: dict, collector: str) -> list[dict]:
        return [
            r
            for c in (pool.get("quality_control") or {}).get("configs", [])
            if (c.get("collector_config") or {}).get("type") == collector
            for r in c.get("rules", [])
        ]

    def golden_rules(self, pool: dict, user_id: str) -> None:
        """GoldenSet: restrict a rater whose golden answers fall below the rule's rate."""
        answers = []
        for a in self.tables["assignments"].values():
            if a["user_id"] != user_id or a["pool_id"] != pool["id"] or "solutions" not in a:
                continue
            for t, s in zip(a["tasks"], a["solutions"]):
                known = self.tables["tasks"][t["id"]].get("known_solutions")
                if known:
                    answers.append(s["output_values"] in [k["output_values"] for k in known])
        stats = {
            "golden_set_answers_count": len(answers),
            "golden_set_correct_answers_rate": 100.0 * sum(answers) / max(len(answers), 1),
        }
        ops = {"GTE": float.__ge__, "GT": float.__gt__, "LT": float.__lt__, "LTE": float.__le__}
        for rule in self.rules(pool, "GOLDEN_SET"):
            if all(
                ops[c["operator"]](float(stats[c["key"]]), float(c["value"]))
                for c in rule["conditions"]
            ):
                self.restricted.add((user_id, pool["project_id"]))

    def on_reject(self, a: dict) -> None:
        """AssignmentsAssessment -> ChangeOverlap, applied later, as Toloka does."""
        pool = self.tables["pools"][a["pool_id"]]
        for rule in self.rules(pool, "ASSIGNMENTS_ASSESSMENT"):
            action = rule.get("action") or {}
            if action.get("type") == "CHANGE_OVERLAP":
                task = self.tables["tasks"][a["tasks"][0]["id"]]
                delta = int(action["parameters"]["delta"])
                self.schedule(
                    lambda task=task, delta=delta: task.update(overlap=task["overlap"] + delta)
                )
