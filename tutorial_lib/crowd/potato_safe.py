"""Start Potato with two fixes applied: no script breakout from item data, no stray annotations.

Run as ``python -m tutorial_lib.crowd.potato_safe start CONFIG --host H -p P``
(the same arguments as ``potato``). Potato is GPL and optional: it is imported
here, in the server process, never vendored.

1. **Stored XSS.** Potato 2.12.1 embeds item fields in
   ``<script type="application/json">`` through
   ``potato.server_utils.json.easy_json`` without escaping ``</``, so a Part I
   answer containing ``</script><img src=x onerror=...>`` runs in a Part II
   rater's browser. We replace ``easy_json`` (in its module and where
   ``potato.flask_server`` imported it) by a version that writes ``<``, ``>``,
   ``&``, U+2028 and U+2029 as JSON ``\\uXXXX`` escapes. That is still valid
   JSON for the same string: the browser parses the text back exactly as
   written, but the HTML parser never sees a tag.
2. **Unassigned annotations.** Potato stores an ``/updateinstance`` for an item
   the user was never given once their queue is done. A request hook refuses
   those (403). ``room_export`` drops such rows as well, so a Potato version
   where the hook cannot attach is still safe.

Taught in notebooks/02_collecting_answers.
"""
from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}


def escape_json_for_html(text: str) -> str:
    """JSON text made safe inside a ``<script>`` element, meaning unchanged.

    Taught in notebooks/02_collecting_answers.
    """
    for raw, escaped in _JSON_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text


def _guard_updates():
    """Refuse ``/updateinstance`` for items not in the user's queue (403)."""
    from flask import jsonify, request, session

    if request.method != "POST" or request.path.rstrip("/") != "/updateinstance":
        return None
    try:
        data = request.get_json(silent=True) or {}
        instance_id = data.get("instance_id")
        user = session.get("username")
        if instance_id is None or str(instance_id) == "__phase_page__" or not user:
            return None  # Potato answers these itself
        from potato.user_state_management import get_user_state_manager

        manager = get_user_state_manager()
        if not manager.has_user(user):
            return None
        state = manager.get_user_state(user)
        assigned = {str(i) for i in getattr(state, "instance_id_ordering", [])}
        assigned |= {str(i) for i in state.get_assigned_instance_ids()}
    except Exception as err:  # noqa: BLE001  (never take the room down; export filters)
        log.warning("assignment guard skipped (%s)", type(err).__name__)
        return None
    if str(instance_id) not in assigned:
        return jsonify({"status": "error", "message": "Instance not assigned to user"}), 403
    return None


def patch() -> None:
    """Apply both fixes to the imported Potato modules (idempotent)."""
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
        app.before_request(_guard_updates)
        return app

    guarded_create_app.__wrapped__ = create_app
    server.create_app = guarded_create_app


def main(argv: list[str] | None = None) -> int:
    """Patch Potato, then run its command line with ``argv``."""
    try:
        patch()
    except ImportError:
        sys.stderr.write("Potato is not installed: pip install 'tutorial-lib[room]'\n")
        return 2
    import potato.flask_server as server

    sys.argv = ["potato", *(sys.argv[1:] if argv is None else argv)]
    result = server.main()
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
