"""What the webhook does with a verified event: ignore, pause, or queue it once."""

from __future__ import annotations

import secrets

from bot.errors import StoreUnavailable
from bot.model import ChatNow, Event, Follow, OaEcho, OtherEvent, SubmittedInfo, UserMessage
from bot.services.runtime import Runtime
from bot.store.client import RedisError
from bot.store.inbound import DEDUPE_SECONDS
from bot.store.residents import Residents

WINDOW_MS = 7 * 24 * 3600 * 1000
CLOCK_SKEW_MS = 5 * 60 * 1000
# An event older than this could be a replay whose dedupe mark has expired: refused. The margin
# exceeds MAX_AHEAD_MS, so an event stamped ahead of our clock is stale before its mark expires.
MAX_AGE_MS = DEDUPE_SECONDS * 1000 - 3600 * 1000
MAX_AHEAD_MS = 10 * 60 * 1000
PLAUSIBLE_MS = (10**12, 10**13)  # 13-digit epoch milliseconds (2001-2286); else receive time
DELETION_KINDS = frozenset({"user_withdraw", "user_withdraw_consent", "user_request_delete_data"})


def is_interaction(event: Event) -> bool:
    """Events that open or extend Zalo's 7-day consultation window."""
    if isinstance(event, Follow):
        return event.following
    return isinstance(event, UserMessage | ChatNow | SubmittedInfo)


def ingest(rt: Runtime, event: Event, body: str, now_ms: int) -> str:
    """Return what happened: queued, duplicate, paused, echo, ignored, or why it was refused
    (stale, future, other_app, other_oa)."""
    try:
        return _ingest(rt, event, body, now_ms)
    except RedisError as exc:
        raise StoreUnavailable(str(exc)) from exc


def refusal(rt: Runtime, event: Event, now_ms: int) -> str | None:
    """Why a correctly signed event must not be acted on, or None.

    A replay (its dedupe mark gone) or an event from far ahead; one for another app or OA (the
    OA id is where the fact sheet says each kind carries it; not every kind has one).
    """
    s = rt.settings
    if s.zalo_app_id and event.app_id != s.zalo_app_id:
        return "other_app"
    if s.zalo_oa_id and event.oa_id and event.oa_id != s.zalo_oa_id:
        return "other_oa"
    if PLAUSIBLE_MS[0] <= event.timestamp_ms < PLAUSIBLE_MS[1]:
        if now_ms - event.timestamp_ms > MAX_AGE_MS:
            return "stale"
        if event.timestamp_ms - now_ms > MAX_AHEAD_MS:
            return "future"
    return None


def _ingest(rt: Runtime, event: Event, body: str, now_ms: int) -> str:
    refused = refusal(rt, event, now_ms)
    if refused is not None:
        return refused
    if isinstance(event, OaEcho):
        if event.admin_id and event.user_id:
            # A person answered from the OA console: the bot steps back for this resident.
            seconds = rt.settings.admin_pause_minutes * 60
            Residents(rt.redis, rt.keys).pause(event.user_id, seconds, reason="admin")
            return "paused"
        return "echo"
    if not event.user_id:
        return "ignored"
    if isinstance(event, OtherEvent) and event.kind not in DELETION_KINDS:
        return "ignored"
    if not (is_interaction(event) or isinstance(event, Follow | OtherEvent)):
        return "ignored"
    seen_ms = interaction_time(event, now_ms) if is_interaction(event) else None
    accepted = rt.inbound.accept(
        event.dedupe_id, event.user_id, event.kind, body, now_ms, seen_ms=seen_ms
    )
    return "queued" if accepted else "duplicate"


def interaction_time(event: Event, now_ms: int) -> int:
    """When the resident acted: the event's own time (a retry an hour later keeps it), unless
    it is implausible (ahead of our clock, or older than the window), then the receive time."""
    if now_ms - WINDOW_MS < event.timestamp_ms <= now_ms + CLOCK_SKEW_MS:
        return min(event.timestamp_ms, now_ms)
    return now_ms


def local_text_event(app_id: str, user_id: str, text: str, now_ms: int, *, oa_id: str = "") -> dict:
    """A user_send_text event shaped exactly like Zalo's, for the sandbox and `chat`."""
    return {
        "app_id": app_id or "0",
        "sender": {"id": user_id},
        "user_id_by_app": user_id,
        "recipient": {"id": oa_id or "0"},
        "event_name": "user_send_text",
        "message": {"text": text, "msg_id": secrets.token_hex(10)},
        "timestamp": str(now_ms),
    }
