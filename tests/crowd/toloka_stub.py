"""A tiny in-memory stand-in for Toloka's REST API, for driving the real toloka-kit client.

Only the endpoints the kit's Toloka backend uses: projects, skills, trainings,
pools (create/list/get/open/close), tasks (async batch create with operation
ids, list, set-overlap-or-min), operations and their logs, and assignments
(list, get, accept/reject). It binds to 127.0.0.1 on a free port and serves
from a thread. Workers are simulated explicitly with :meth:`TolokaStub.work`,
so a test decides when answers "arrive". Payments are recorded, and paying an
assignment twice is an error, as on the real platform.

Test-only: never imported by the library.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ISSUED = ("ACTIVE", "SUBMITTED", "ACCEPTED", "REJECTED")


def _now(offset_s: float = 0.0) -> str:
    t = dt.datetime(2026, 1, 5, 9, 0, 0) + dt.timedelta(seconds=offset_s)
    return t.isoformat()


class ApiFailure(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class TolokaStub:
    """State and behaviour of the fake platform; ``url`` is what the client connects to."""

    def __init__(self, token: str = "stub-token-s3cr3t"):
        self.token = token
        self.lock = threading.RLock()
        self._ids = itertools.count(1000)
        self.projects: dict[str, dict] = {}
        self.skills: dict[str, dict] = {}
        self.trainings: dict[str, dict] = {}
        self.pools: dict[str, dict] = {}
        self.tasks: dict[str, dict] = {}
        self.operations: dict[str, dict] = {}
        self.op_logs: dict[str, list] = {}
        self.assignments: dict[str, dict] = {}
        self.payments: list[tuple[str, float]] = []
        self.requests: list[tuple[str, str]] = []
        self.auth_headers: list[str] = []
        self.clock = 0.0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle -------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> TolokaStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _new_id(self) -> str:
        return str(next(self._ids))

    # -- simulated workers ----------------------------------------------------
    def work(self, pool_id: str, answer, workers: list[str], seconds: float = 60.0) -> int:
        """Workers fill every open task up to its overlap; ``answer(input_values, worker)``
        returns the output values. Returns the number of new submitted assignments."""
        made = 0
        with self.lock:
            pool = self.pools[pool_id]
            if pool["status"] != "OPEN":
                return 0
            for task in [t for t in self.tasks.values()
                         if t["pool_id"] == pool_id and "overlap" in t]:
                done_by = {a["user_id"] for a in self._task_assignments(task["id"])}
                for worker in workers:
                    if len(self._issued(task["id"])) >= task["overlap"]:
                        break
                    if worker in done_by or worker in task.get("unavailable_for", []):
                        continue
                    self.clock += seconds
                    aid = self._new_id()
                    self.assignments[aid] = {
                        "id": aid, "task_suite_id": "s" + aid, "pool_id": pool_id,
                        "user_id": worker, "status": "SUBMITTED",
                        "reward": pool.get("reward_per_assignment", 0.0),
                        "tasks": [{"id": task["id"], "pool_id": pool_id,
                                   "input_values": task["input_values"]}],
                        "solutions": [{"output_values": answer(task["input_values"], worker)}],
                        "created": _now(self.clock - seconds), "submitted": _now(self.clock),
                        "automerged": False, "mixed": True,
                    }
                    done_by.add(worker)
                    made += 1
        return made

    def _task_assignments(self, task_id: str) -> list[dict]:
        return [a for a in self.assignments.values() if a["tasks"][0]["id"] == task_id]

    def _issued(self, task_id: str) -> list[dict]:
        return [a for a in self._task_assignments(task_id) if a["status"] in ISSUED]

    # -- HTTP plumbing --------------------------------------------------------
    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _reply(self, status: int, body=None):
                data = b"" if body is None else json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _do(self, method: str):
                parsed = urlparse(self.path)
                params = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null") if length else None
                with stub.lock:
                    stub.requests.append((method, parsed.path))
                    stub.auth_headers.append(self.headers.get("Authorization", ""))
                try:
                    if self.headers.get("Authorization") != f"OAuth {stub.token}":
                        raise ApiFailure(401, "AUTHENTICATION_ERROR", "bad token")
                    with stub.lock:
                        status, out = stub.route(method, parsed.path, params, body)
                    self._reply(status, out)
                except ApiFailure as err:
                    self._reply(err.status, {"code": err.code, "message": err.message,
                                             "request_id": "stub"})

            def do_GET(self):
                self._do("GET")

            def do_POST(self):
                self._do("POST")

            def do_PATCH(self):
                self._do("PATCH")

            def do_PUT(self):
                self._do("PUT")

        return Handler

    # -- routing ----------------------------------------------------------------
    def route(self, method: str, path: str, params: dict, body):
        parts = [p for p in path.split("/") if p][2:]  # drop "api", "v1"
        kind, rest = parts[0], parts[1:]
        table = {"projects": self.projects, "skills": self.skills, "trainings": self.trainings,
                 "pools": self.pools, "tasks": self.tasks, "assignments": self.assignments,
                 "operations": self.operations}.get(kind)
        if table is None:
            raise ApiFailure(404, "DOES_NOT_EXIST", f"no endpoint {path}")
        if method == "POST" and not rest:
            if kind == "tasks":
                return self._create_tasks(body, params)
            return 201, self._create(kind, table, body)
        if method == "GET" and not rest:
            return 200, self._search(kind, table, params)
        obj = table.get(rest[0])
        if obj is None:
            raise ApiFailure(404, "DOES_NOT_EXIST", f"{kind} {rest[0]} does not exist")
        if method == "GET" and len(rest) == 1:
            return 200, obj
        if kind == "operations" and rest[1:] == ["log"]:
            return 200, self.op_logs.get(rest[0], [])
        if kind in ("pools", "trainings") and method == "POST" and rest[1] in ("open", "close"):
            return self._set_status(kind, obj, rest[1])
        if kind == "tasks" and method == "PATCH" and rest[1:] == ["set-overlap-or-min"]:
            obj["overlap"] = max(int(body["overlap"]), len(self._issued(obj["id"])))
            obj["remaining_overlap"] = obj["overlap"] - len(self._issued(obj["id"]))
            return 200, obj
        if kind == "assignments" and method == "PATCH":
            return 200, self._patch_assignment(obj, body)
        raise ApiFailure(404, "DOES_NOT_EXIST", f"no endpoint {method} {path}")

    def _create(self, kind: str, table: dict, body: dict) -> dict:
        obj = dict(body, id=self._new_id(), created=_now(self.clock))
        if kind == "projects":
            obj["status"] = "ACTIVE"
        if kind in ("pools", "trainings"):
            obj["status"] = "CLOSED"
        if kind == "pools":
            obj["type"] = "REGULAR"
        table[obj["id"]] = obj
        return obj

    def _search(self, kind: str, table: dict, params: dict) -> dict:
        items = sorted(table.values(), key=lambda o: int(o["id"]))
        for key, value in params.items():
            if key in ("sort", "limit"):
                continue
            if key.startswith("id_"):
                op = key[3:]
                ref = int(value)
                cmp = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}[op]
                items = [o for o in items if cmp(int(o["id"]), ref)]
            elif key == "status":
                wanted = set(value.split(","))
                items = [o for o in items if o.get("status") in wanted]
            elif key == "task_id" and kind == "assignments":
                items = [o for o in items if o["tasks"][0]["id"] == value]
            else:
                items = [o for o in items if str(o.get(key)) == value]
        return {"items": items, "has_more": False}

    def _operation(self, op_type: str, parameters: dict, op_id: str | None = None) -> dict:
        op_id = op_id or self._new_id()
        op = {"id": op_id, "type": op_type, "status": "SUCCESS", "submitted": _now(self.clock),
              "started": _now(self.clock), "finished": _now(self.clock), "progress": 100,
              "parameters": parameters}
        self.operations[op_id] = op
        return op

    def _set_status(self, kind: str, obj: dict, action: str):
        target = "OPEN" if action == "open" else "CLOSED"
        if obj["status"] == target:
            return 204, None
        obj["status"] = target
        op_type = f"{'POOL' if kind == 'pools' else 'TRAINING'}.{action.upper()}"
        key = "pool_id" if kind == "pools" else "training_id"
        return 202, self._operation(op_type, {key: obj["id"]})

    def _create_tasks(self, body, params: dict):
        if params.get("async_mode") != "true":
            raise ApiFailure(400, "VALIDATION_ERROR", "the stub only supports async_mode=true")
        op_id = params["operation_id"]
        if op_id in self.operations:
            raise ApiFailure(409, "OPERATION_ALREADY_EXISTS", f"operation {op_id} exists")
        tasks = body if isinstance(body, list) else [body]
        allow_defaults = params.get("allow_defaults") == "true"
        log, pool_id = [], None
        for raw in tasks:
            pool = self.pools.get(raw.get("pool_id")) or self.trainings.get(raw.get("pool_id"))
            if pool is None:
                log.append({"type": "TASK_CREATE", "success": False, "input": raw,
                            "output": {"pool_id": {"code": "DOES_NOT_EXIST"}}})
                continue
            overlap = raw.get("overlap")
            if overlap is None and allow_defaults:
                overlap = (pool.get("defaults") or {}).get("default_overlap_for_new_tasks", 1)
            if overlap is None and not raw.get("infinite_overlap"):
                raise ApiFailure(400, "VALIDATION_ERROR", "overlap required without allow_defaults")
            task = dict(raw, id=self._new_id(), created=_now(self.clock))
            if not raw.get("infinite_overlap"):
                task["overlap"] = overlap
            task.pop("__item_idx", None)
            self.tasks[task["id"]] = task
            pool_id = task["pool_id"]
            log.append({"type": "TASK_CREATE", "success": True, "input": raw,
                        "output": {"task_id": task["id"]}})
        op = self._operation("TASK.BATCH_CREATE", {"skip_invalid_items": False}, op_id)
        op["details"] = {"items_count": len(tasks)}
        self.op_logs[op_id] = [dict(item, input=dict(item["input"], pool_id=pool_id))
                               if item["success"] else item for item in log]
        return 202, op

    def _patch_assignment(self, obj: dict, body: dict) -> dict:
        new = body["status"]
        allowed = ("SUBMITTED", "REJECTED") if new == "ACCEPTED" else ("SUBMITTED",)
        if obj["status"] not in allowed:
            raise ApiFailure(409, "INAPPROPRIATE_STATUS",
                             f"assignment {obj['id']} is {obj['status']}, cannot set {new}")
        if new == "ACCEPTED":
            if any(aid == obj["id"] for aid, _ in self.payments):
                raise ApiFailure(409, "INAPPROPRIATE_STATUS", f"{obj['id']} already paid")
            self.payments.append((obj["id"], float(obj.get("reward") or 0.0)))
        obj["status"] = new
        obj["public_comment"] = body.get("public_comment", "")
        obj[new.lower()] = _now(self.clock)
        if new == "REJECTED":
            self._on_reject(obj)
        return obj

    def _on_reject(self, assignment: dict) -> None:
        """Apply the pool's AssignmentsAssessment -> ChangeOverlap rule, as Toloka does."""
        pool = self.pools[assignment["pool_id"]]
        for config in (pool.get("quality_control") or {}).get("configs", []):
            if (config.get("collector_config") or {}).get("type") != "ASSIGNMENTS_ASSESSMENT":
                continue
            for rule in config.get("rules", []):
                action = rule.get("action") or {}
                if action.get("type") == "CHANGE_OVERLAP":
                    task = self.tasks[assignment["tasks"][0]["id"]]
                    task["overlap"] += int(action["parameters"]["delta"])
