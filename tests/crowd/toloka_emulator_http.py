"""The emulator's REST API: the endpoints toloka-kit 1.2.3 calls for the kit's backend.

Routes, pagination, injected faults and operations; behaviour lives in
``toloka_emulator.py``. Binds 127.0.0.1 on a free port. Test-only.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from toloka_emulator import DONE, ApiFailure, TolokaEmulator


def public(obj):
    """An object as the API shows it (no emulator-private keys)."""
    if isinstance(obj, dict):
        return {k: public(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [public(v) for v in obj]
    return obj


class EmulatorServer:
    """Serves one :class:`TolokaEmulator` over HTTP from a thread."""

    def __init__(self, emu: TolokaEmulator) -> None:
        self.emu = emu
        emu.server = self
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> EmulatorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- request handling ------------------------------------------------------
    def handle(self, method: str, path: str, params: dict, body, auth: str):
        emu = self.emu
        with emu.lock:
            emu.requests.append((method, path))
            emu.auth_headers.append(auth)
            if auth != f"OAuth {emu.token}":
                raise ApiFailure(401, "AUTHENTICATION_ERROR", "bad token")
            fault = next(
                (
                    f
                    for f in emu.faults
                    if f.times > 0 and f.method == method and path.startswith(f.prefix)
                ),
                None,
            )
            if fault is not None:
                fault.times -= 1
                if fault.commit:
                    self.route(method, path, params, body)
                code = "TOO_MANY_REQUESTS" if fault.status == 429 else "INTERNAL_ERROR"
                raise ApiFailure(fault.status, code, "injected failure")
            status, out = self.route(method, path, params, body)
            return status, public(out)

    def route(self, method: str, path: str, params: dict, body):
        emu = self.emu
        parts = [p for p in path.split("/") if p][2:]  # drop "api", "v1"
        kind, rest = parts[0], parts[1:]
        table = emu.tables.get(kind)
        if table is None:
            raise ApiFailure(404, "DOES_NOT_EXIST", f"no endpoint {path}")
        if method == "POST" and not rest:
            return (
                self._create_tasks(body, params)
                if kind == "tasks"
                else (201, self._create(kind, body))
            )
        if method == "GET" and not rest:
            return 200, self._search(kind, table, params)
        obj = table.get(rest[0])
        if obj is None:
            raise ApiFailure(404, "DOES_NOT_EXIST", f"{kind} {rest[0]} does not exist")
        if method == "GET" and len(rest) == 1:
            return 200, self._poll(obj) if kind == "operations" else obj
        if kind == "operations" and rest[1:] == ["log"]:
            return 200, emu.op_logs.get(rest[0], [])
        if kind in ("pools", "trainings") and method == "POST" and rest[1] in ("open", "close"):
            return self._set_status(kind, obj, rest[1])
        if kind == "tasks" and method == "PATCH":
            return 200, self._patch_task(obj, body, or_min=rest[1:] == ["set-overlap-or-min"])
        if kind == "assignments" and method == "PATCH":
            return 200, self._patch_assignment(obj, body)
        raise ApiFailure(404, "DOES_NOT_EXIST", f"no endpoint {method} {path}")

    def _create(self, kind: str, body: dict) -> dict:
        emu = self.emu
        obj = dict(body, id=emu.new_id(), created=emu.stamp())
        obj["status"] = "ACTIVE" if kind in ("projects",) else "CLOSED"
        if kind == "pools":
            obj.update(type="REGULAR", _closed_at=emu.now)
        emu.tables[kind][obj["id"]] = obj
        return obj

    def _search(self, kind: str, table: dict, params: dict) -> dict:
        items = sorted(table.values(), key=lambda o: int(o["id"]))
        cmp = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}
        for key, value in params.items():
            if key in ("sort", "limit"):
                continue
            if key.startswith("id_"):
                items = [o for o in items if cmp[key[3:]](int(o["id"]), int(value))]
            elif key == "status":
                items = [o for o in items if o.get("status") in set(value.split(","))]
            elif key == "task_id" and kind == "assignments":
                items = [o for o in items if o["tasks"][0]["id"] == value]
            else:
                items = [o for o in items if str(o.get(key)) == value]
        size = min(int(params.get("limit") or self.emu.page_size), self.emu.page_size)
        return {"items": items[:size], "has_more": len(items) > size}

    # -- operations --------------------------------------------------------------
    def _operation(self, op_type: str, parameters: dict, effect=None, op_id=None) -> dict:
        emu = self.emu
        op = {
            "id": op_id or emu.new_id(),
            "type": op_type,
            "status": "RUNNING",
            "submitted": emu.stamp(),
            "started": emu.stamp(),
            "progress": 0,
            "parameters": parameters,
            "_polls": 0,
            "_effect": effect,
        }
        emu.tables["operations"][op["id"]] = op
        return op

    def _poll(self, op: dict) -> dict:
        """A RUNNING operation finishes after ``op_polls`` reads (or fails, if told to)."""
        if op["status"] == "RUNNING":
            op["_polls"] += 1
            if op["_polls"] >= self.emu.op_polls:
                failed = any(op["type"].startswith(t) for t in self.emu.failing_ops)
                if not failed and op["_effect"]:
                    op["_effect"]()
                op.update(
                    status="FAIL" if failed else "SUCCESS", progress=100, finished=self.emu.stamp()
                )
        return op

    def _set_status(self, kind: str, obj: dict, action: str):
        emu = self.emu
        if obj["status"] == "ARCHIVED":
            raise ApiFailure(409, "INAPPROPRIATE_STATUS", f"{kind} {obj['id']} is archived")
        target = "OPEN" if action == "open" else "CLOSED"
        if obj["status"] == target:
            return 204, None
        if kind == "pools" and action == "open" and emu.cost_to_finish(obj) > emu.balance:
            raise ApiFailure(409, "NOT_ENOUGH_BALANCE", "not enough money to open the pool")

        def effect():
            obj["status"] = target
            if target == "CLOSED":
                obj["_closed_at"] = emu.now

        op_type = f"{'POOL' if kind == 'pools' else 'TRAINING'}.{action.upper()}"
        key = "pool_id" if kind == "pools" else "training_id"
        return 202, self._operation(op_type, {key: obj["id"]}, effect)

    def _create_tasks(self, body, params: dict):
        emu = self.emu
        op_id = params["operation_id"]
        if op_id in emu.tables["operations"]:
            raise ApiFailure(409, "OPERATION_ALREADY_EXISTS", f"operation {op_id} exists")
        tasks = body if isinstance(body, list) else [body]
        log = []
        for raw in tasks:
            pool = emu.tables["pools"].get(raw.get("pool_id")) or emu.tables["trainings"].get(
                raw.get("pool_id")
            )
            if pool is None or pool["status"] == "ARCHIVED":
                raise ApiFailure(409, "INAPPROPRIATE_STATUS", f"pool {raw.get('pool_id')} refused")
            if raw.get("overlap") is None and not raw.get("infinite_overlap"):
                raise ApiFailure(400, "VALIDATION_ERROR", "overlap required without allow_defaults")
            task = dict(raw, id=emu.new_id(), created=emu.stamp())
            emu.tables["tasks"][task["id"]] = task
            log.append(
                {
                    "type": "TASK_CREATE",
                    "success": True,
                    "input": raw,
                    "output": {"task_id": task["id"]},
                }
            )
        op = self._operation("TASK.BATCH_CREATE", {"skip_invalid_items": False}, op_id=op_id)
        op["details"] = {"items_count": len(tasks)}
        emu.op_logs[op_id] = log
        return 202, op

    # -- tasks and assignments ----------------------------------------------------
    def _patch_task(self, task: dict, body: dict, or_min: bool) -> dict:
        pool = self.emu.pool_of(task["pool_id"])
        if pool["status"] == "ARCHIVED":
            raise ApiFailure(409, "INAPPROPRIATE_STATUS", f"pool {pool['id']} is archived")
        issued = len(self.emu.task_assignments(task["id"]))
        task["overlap"] = max(int(body["overlap"]), issued) if or_min else int(body["overlap"])
        return task

    def _patch_assignment(self, a: dict, body: dict) -> dict:
        emu, new = self.emu, body["status"]
        allowed = ("SUBMITTED", "REJECTED") if new == "ACCEPTED" else ("SUBMITTED",)
        if a["status"] not in allowed or a["status"] not in DONE:
            raise ApiFailure(
                409,
                "INAPPROPRIATE_STATUS",
                f"assignment {a['id']} is {a['status']}, cannot set {new}",
            )
        if new == "ACCEPTED":
            emu.pay(a, "kit")
        else:
            a.update(status=new, rejected=emu.stamp())
            emu.on_reject(a)
        a["public_comment"] = body.get("public_comment", "")
        return a


def _handler(server: EmulatorServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # as Toloka; toloka-kit's retry adapter reads it

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
            try:
                status, out = server.handle(
                    method, parsed.path, params, body, self.headers.get("Authorization", "")
                )
                self._reply(status, out)
            except ApiFailure as err:
                self._reply(
                    err.status, {"code": err.code, "message": err.message, "request_id": "emu"}
                )

        def do_GET(self):
            self._do("GET")

        def do_POST(self):
            self._do("POST")

        def do_PATCH(self):
            self._do("PATCH")

    return Handler
