"""Pending notices: announcements delivered with the bot's next reply to a resident, once."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.services.broadcast_clock import ms
from bot.services.runtime import Runtime
from bot.store.broadcast_recipients import Recipients, RecipientState
from bot.store.broadcasts import BroadcastStore
from bot.store.notices import Notices
from bot.store.subscriptions import Subscriptions, covers


def pending_notices(
    rt: Runtime,
    user_id: str,
    now: datetime,
    *,
    stored: Mapping[str, int] | None = None,
    pairs: frozenset[tuple[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """(broadcast id, message) the resident should see with the next reply, oldest first.

    Only notices not yet expired, of broadcasts not cancelled, for which this resident is still
    pending and still subscribed; anything else found is dropped (an unsubscribed resident's
    recipient state becomes skipped). `stored` (the resident's notices) and `pairs` (their
    subscriptions), when the caller has just read them, save reading them again.
    """
    notices = Notices(rt.redis, rt.keys)
    waiting = sorted((notices.of(user_id) if stored is None else stored).items(), key=_order)
    if not waiting:
        return []
    store = BroadcastStore(rt.redis, rt.keys)
    if pairs is None:
        pairs = Subscriptions(rt.redis, rt.keys).of(user_id)
    now_ms = ms(now)
    found: list[tuple[str, str]] = []
    stale: list[str] = []
    for broadcast_id, expires_ms in waiting:
        b = store.get(broadcast_id)
        recipients = Recipients(rt.redis, rt.keys, broadcast_id)
        alive = b is not None and b.status != "cancelled" and now_ms < expires_ms
        if b is None or not alive or recipients.state(user_id).kind != "pending":
            stale.append(broadcast_id)
        elif not covers(pairs, b.topic, b.districts):
            stale.append(broadcast_id)
            left = RecipientState("skipped", "unsubscribed", int(time.time() * 1000))
            recipients.move([user_id], left, ["pending"])
        else:
            found.append((broadcast_id, b.message))
    notices.remove(user_id, stale)
    return found


def _order(item: tuple[str, int]) -> tuple[int, str]:
    key = item[0]
    return (int(key), key) if key.isdigit() else (0, key)


def notices_delivered(
    rt: Runtime, user_id: str, broadcast_ids: Iterable[str | tuple[str, str]]
) -> None:
    """Record notices as delivered (call after the reply carrying them was sent).

    Accepts ids or the (id, message) pairs `pending_notices` returned. Each notice is counted
    as sent once, however often this is called.
    """
    ids = [b if isinstance(b, str) else b[0] for b in broadcast_ids]
    at = int(time.time() * 1000)
    for broadcast_id in Notices(rt.redis, rt.keys).remove(user_id, ids):
        recipients = Recipients(rt.redis, rt.keys, broadcast_id)
        recipients.move([user_id], RecipientState("sent", "notice", at), ["pending"])


def forget_recipient(rt: Runtime, user_id: str) -> None:
    """Replace the resident's id in every kept broadcast by an anonymous one (deletion request)."""
    store = BroadcastStore(rt.redis, rt.keys)
    gone = RecipientState("skipped", "forgotten", int(time.time() * 1000))
    for broadcast_id in store.all_ids():
        anonymous = "-" + secrets.token_hex(6)
        Recipients(rt.redis, rt.keys, broadcast_id).forget(user_id, anonymous, gone)
