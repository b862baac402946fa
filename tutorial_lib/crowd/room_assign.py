"""Overlap that holds in a live room: Potato's assignment, tightened in the server process.

Potato 2.12.1 does most of this itself once it is asked to (``room_config``
sets ``assignment_strategy: least_annotated``, ``instance_reclaim`` and the
per-item cap): items go to the least-annotated first, and an item held by
someone counts against its cap. Three gaps remain, and :func:`install`
closes them by wrapping :class:`potato.item_state_management.ItemStateManager`:

1. **The relaxed second pass.** When every open item is held, Potato hands
   out held items anyway ("Assigned N item(s) ... that another annotator
   holds"), so an item ends with more answers than its overlap. Here only the
   strict pass runs: a held item goes back to the pool when its hold is
   reclaimed, never before.
2. **Reclaim by inactivity, not age.** Potato reclaims a hold a fixed time
   after assignment, even from someone still typing. Here a hold is stale only
   when its holder has sent no request for ``timeout`` seconds (every request
   is activity; the page autosaves typed text). Holds rebuilt after a restart
   start their clock at the restart.
3. **Checks stay in their places.** An attention check or gold item injected
   into one person's queue joins Potato's shared pool; here it is taken out
   again, so nobody gets one as a regular item.

:func:`guard_save` decides each ``/updateinstance``: the holder's save is
accepted; a save for an item reclaimed from its holder while they were away
is accepted if the item still has room (it is handed back to them), and
refused otherwise, as is a save for an item never given to that person.

Assignment runs under one lock, so two people arriving together cannot take
the same last place. Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger(__name__)

_LOCK = threading.RLock()
_LAST_SEEN: dict[str, float] = {}
_RECLAIMED: dict[tuple[str, str], int] = {}  # (user, item) -> place in their queue
_STARTED = time.time()


def touch(user: str | None) -> None:
    """Record that ``user`` is still there (any request counts).

    The request hook calls this on every request, so a hold is reclaimed only
    after its holder has been silent for the timeout, not while they type.

    Args:
        user: Potato's user id (the nickname); ``None`` or empty (not logged
            in yet) records nothing.
    """
    if user:
        _LAST_SEEN[user] = time.time()


def _drop_checks(ism, real: set[str]) -> None:
    """Take injected attention/gold items back out of the shared pool."""
    stray = [iid for iid in ism.remaining_instance_ids if str(iid) not in real]
    for iid in stray:
        ism.remaining_instance_ids.remove(iid)


def _refresh_holds(ism) -> None:
    """A hold's clock is its holder's last request; holds from before a restart start now."""
    for iid, holders in list(ism.instance_assignees.items()):
        stamps = ism.assignment_timestamps[iid]
        for user in holders - ism.instance_annotators[iid]:
            stamps[user] = max(stamps.get(user, _STARTED), _LAST_SEEN.get(user, 0.0))
        if not stamps:
            del ism.assignment_timestamps[iid]


def install(real_ids: set[str]) -> None:
    """Wrap Potato's assignment in this process (idempotent).

    Args:
        real_ids: the room's item ids; anything else in the pool is a check item.
    """
    from potato.item_state_management import ItemStateManager as ISM

    if getattr(ISM.assign_instances_to_user, "_room", False):
        return
    assign, reclaim_one = ISM.assign_instances_to_user, ISM._reclaim_unannotated_assignment

    def strict_inner(self, user_state):
        return self._assign_pass(user_state)

    def locked_assign(self, user_state):
        with _LOCK:
            _drop_checks(self, real_ids)
            if self.reclaim_enabled:
                _refresh_holds(self)
            return assign(self, user_state)

    def remembered_reclaim(self, user_state, instance_id, reason="assignment_reclaim"):
        user = str(getattr(user_state, "user_id", "") or "")
        ordering = list(getattr(user_state, "instance_id_ordering", []))
        place = ordering.index(instance_id) if instance_id in ordering else len(ordering)
        done = reclaim_one(self, user_state, instance_id, reason)
        if done and user:
            _RECLAIMED[(user, str(instance_id))] = place
        return done

    locked_assign._room = True
    ISM._assign_instances_to_user_inner = strict_inner
    ISM.assign_instances_to_user = locked_assign
    ISM._reclaim_unannotated_assignment = remembered_reclaim


def _give_back(ism, state, user: str, iid: str) -> bool:
    """Hand a reclaimed item back to the holder who came back, if it still has room."""
    if ism._item_is_saturated(iid) or not ism.has_item(iid):
        return False
    place = min(_RECLAIMED.pop((user, iid)), len(state.instance_id_ordering))
    state.assign_instance_at_index(ism.get_item(iid), place)
    state.go_to_index(place)
    ism.register_assignee(iid, user)
    ism.assignment_timestamps[iid][user] = time.time()
    logger.info("item %s handed back to %s, who came back to it", iid, user)
    return True


def guard_save(user: str, iid: str) -> str | None:
    """Why a save of ``iid`` by ``user`` is refused, or None to let Potato store it.

    An item reclaimed from ``user`` while they were away is handed back to
    them if it still has room, so a returning person's typed answer is kept.

    Args:
        user: Potato's user id of the person saving.
        iid: The item id they save an annotation for.

    Returns:
        ``None`` to accept the save (their item, an item they already
        annotated, a reclaimed item given back, or an unknown user Potato
        answers itself); otherwise the refusal message Potato sends back.
    """
    from potato.item_state_management import get_item_state_manager
    from potato.user_state_management import get_user_state_manager

    users = get_user_state_manager()
    if not users.has_user(user):
        return None  # Potato answers this itself
    state = users.get_user_state(user)
    if iid in {str(i) for i in state.get_assigned_instance_ids()} or state.has_annotated(iid):
        return None
    with _LOCK:
        if (user, iid) in _RECLAIMED and _give_back(get_item_state_manager(), state, user, iid):
            return None
    return "Instance not assigned to user"
