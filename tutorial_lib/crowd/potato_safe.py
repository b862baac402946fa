"""Start Potato with the room's fixes applied, served by waitress, tied to its parent.

Run as ``python -m tutorial_lib.crowd.potato_safe start CONFIG --host H -p P``
(the same arguments as ``potato``), in the room's folder. Potato is GPL and
optional: it is imported here, in the server process, never vendored.

1. **Stored XSS.** Potato 2.12.1 embeds item fields in
   ``<script type="application/json">`` through
   ``potato.server_utils.json.easy_json`` without escaping ``</``, so a Part I
   answer containing ``</script><img src=x onerror=...>`` runs in a Part II
   rater's browser. We replace ``easy_json`` (in its module and where
   ``potato.flask_server`` imported it) by a version that writes ``<``, ``>``,
   ``&``, U+2028 and U+2029 as JSON ``\\uXXXX`` escapes. That is still valid
   JSON for the same string: the browser parses the text back exactly as
   written, but the HTML parser never sees a tag.
2. **Unassigned annotations and overlap.** A request hook refuses an
   ``/updateinstance`` for an item the person does not hold (403), and
   ``room_assign`` keeps every item at its overlap (see there).
   ``room_export`` drops stray rows as well, so nothing relies on the hook alone.
3. **Serving.** Flask's development server tops out near one core; waitress
   serves the same app with a thread pool in one process (Potato's state is in
   memory, so one process, many threads). ``GET /_room/ready`` answers the
   start's token, so the parent knows the server answering is the one it started.
4. **Lifetime.** ``room_process.bind_to_parent`` makes the server exit when
   the process that started it dies, and on SIGTERM/SIGINT/SIGHUP.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from . import room_assign, room_process

logger = logging.getLogger(__name__)

READY_PATH = "/_room/ready"
TOKEN_ENV = "TUTORIAL_LIB_ROOM_TOKEN"
THREADS_ENV = "TUTORIAL_LIB_ROOM_THREADS"
CONSTANT_PATHS = ("/api/colors", "/api/schemas", "/pocket/api/routing")
PER_ITEM_PREFIXES = ("/api/spans/", "/api/keyword_highlights/")
CACHE_S = 600

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def escape_json_for_html(text: str) -> str:
    """JSON text made safe inside a ``<script>`` element, meaning unchanged.

    ``<``, ``>``, ``&``, U+2028 and U+2029 become ``\\uXXXX`` escapes, so the
    HTML parser never sees ``</script>`` while ``JSON.parse`` still reads back
    exactly the text the worker wrote.

    Args:
        text: Serialised JSON (as ``json.dumps`` or Potato's ``easy_json`` writes it).

    Returns:
        The same JSON with those characters escaped.

    Examples:
        >>> safe = escape_json_for_html(json.dumps("</script>&"))
        >>> print(safe)
        "\\u003c/script\\u003e\\u0026"
        >>> json.loads(safe)
        '</script>&'
    """
    for raw, escaped in _JSON_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text


def _room_hook():
    """Per request: note the person is still there, answer readiness, guard saves."""
    from flask import jsonify, request, session

    user = session.get("username")
    room_assign.touch(user)
    if request.path == READY_PATH:
        return jsonify({"room": os.environ.get(TOKEN_ENV, "")})
    if request.method != "POST" or request.path.rstrip("/") != "/updateinstance":
        return None
    try:
        data = request.get_json(silent=True) or {}
        instance_id = data.get("instance_id")
        if instance_id is None or str(instance_id) == "__phase_page__" or not user:
            return None  # Potato answers these itself
        refused = room_assign.guard_save(str(user), str(instance_id))
    except Exception as err:  # noqa: BLE001  (never take the room down; export filters)
        logger.warning("assignment guard skipped (%s)", type(err).__name__)
        return None
    if refused:
        return jsonify({"status": "error", "message": refused}), 403
    return None


def _cacheable(response):
    """Let the browser keep the page's per-room API answers instead of asking on every item.

    Colors, schemas and device routing depend on the room's config only; span
    and keyword-highlight answers are empty in a room without span schemes or
    keywords (every kit room). Each page load asked for them nine times.
    """
    from flask import request

    path = request.path
    if (
        request.method == "GET"
        and response.status_code == 200
        and (path in CONSTANT_PATHS or path.startswith(PER_ITEM_PREFIXES))
    ):
        response.headers["Cache-Control"] = f"private, max-age={CACHE_S}"
        response.headers.pop("Pragma", None)
        response.headers.pop("Expires", None)
    return response


def _keep_place(response):
    """Save the person's state after every annotation page or move, not only after answers.

    Potato saves on answers only, so a restart put people back one item (the
    one before their last Next) and forgot the queue of anyone who had not
    answered yet; their browser session then looped between pages.
    """
    from flask import request, session

    user = session.get("username")
    if request.path.rstrip("/") != "/annotate" or not user or response.status_code >= 400:
        return response
    try:
        from potato.user_state_management import get_user_state_manager

        users = get_user_state_manager()
        if users.has_user(user):
            users.save_user_state(users.get_user_state(user))
    except Exception as err:  # noqa: BLE001  (the page itself was served fine)
        logger.warning("could not save %s's place (%s)", user, type(err).__name__)
    return response


def _serve(app, host="127.0.0.1", port=8000, **_ignored) -> None:
    """Serve ``app`` with waitress (threads, one process: Potato's state lives in memory)."""
    try:
        import waitress
    except ImportError:
        logger.warning("waitress not installed: serving with Flask's development server")
        return app.run_flask(host=host, port=port, threaded=True, use_reloader=False)
    threads = int(os.environ.get(THREADS_ENV, "16"))
    logger.info("serving with waitress, %d threads", threads)
    waitress.serve(
        app,
        host=host,
        port=int(port),
        threads=threads,
        connection_limit=1000,
        backlog=1024,
        channel_timeout=120,
        ident="room",
        clear_untrusted_proxy_headers=True,
    )


def patch() -> None:
    """Apply the fixes to the imported Potato modules (idempotent)."""
    import potato.flask_server as server
    import potato.server_utils.json as pjson

    original = getattr(pjson.easy_json, "__wrapped__", pjson.easy_json)

    def safe_easy_json(obj):
        return escape_json_for_html(original(obj))

    safe_easy_json.__wrapped__ = original
    pjson.easy_json = safe_easy_json
    server.easy_json = safe_easy_json

    create_app = getattr(server.create_app, "__wrapped__", server.create_app)

    def guarded_create_app(*args, **kwargs):
        app = create_app(*args, **kwargs)
        app.before_request(_room_hook)
        app.after_request(_cacheable)
        app.after_request(_keep_place)
        app.run_flask = app.run
        app.run = lambda **kw: _serve(app, **kw)
        return app

    guarded_create_app.__wrapped__ = create_app
    server.create_app = guarded_create_app


def _real_item_ids() -> set[str]:
    """The room's own item ids, from ``room.json`` in the working directory (the room folder)."""
    try:
        meta = json.loads(Path("room.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {str(i) for i in meta.get("item_ids", [])}


def main(argv: list[str] | None = None) -> int:
    """Tie this process to its parent, patch Potato, then run its command line with ``argv``.

    The module's entry point (``python -m tutorial_lib.crowd.potato_safe``),
    started by ``room_server.serve`` in the room's folder; the overlap guard is
    installed when that folder holds a ``room.json``.

    Args:
        argv: Potato's arguments (``start CONFIG --host H -p P``); ``None``
            takes them from ``sys.argv``.

    Returns:
        The exit status: Potato's own, or 2 when Potato is not installed.
    """
    room_process.bind_to_parent()
    try:
        patch()
    except ImportError:
        sys.stderr.write("Potato is not installed: pip install 'tutorial-lib[room]'\n")
        return 2
    ids = _real_item_ids()
    if ids:
        room_assign.install(ids)
    import potato.flask_server as server

    sys.argv = ["potato", *(sys.argv[1:] if argv is None else argv)]
    result = server.main()
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
