"""The shell's side of a conversation: feed the dialogue layer, collect notices and wording."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.dialogue import render, wording
from bot.dialogue.turn import Thresholds
from bot.model import Decision, Effect, Reply, Session
from bot.services import broadcast_notices, subscriptions
from bot.services.runtime import Runtime
from intents import respond

ZALO_TEXT_LIMIT = 2000


def decide(
    rt: Runtime, text: str, session: Session, pairs: frozenset[tuple[str, str]], now: datetime
) -> Decision:
    """The bot's answer to `text`, given the session and the resident's subscription pairs."""
    return respond(
        text,
        session=session,
        content=rt.content(),
        now=now,
        thresholds=Thresholds(),
        subscriptions=pairs,
    )


def welcome(rt: Runtime) -> Reply:
    return wording.welcome()


def subscription_offer(rt: Runtime) -> Reply:
    return subscriptions.subscription_offer(rt)


def info_received() -> Reply:
    return wording.info_received()


def flood_warning() -> Reply:
    return wording.flood_warning()


def media_reply() -> Reply:
    return wording.media_not_supported()


def apply_subscription(rt: Runtime, user_id: str, effect: Effect) -> Reply | None:
    return subscriptions.apply_effect(rt, user_id, effect)


def pending_notices(
    rt: Runtime,
    user_id: str,
    now: datetime,
    *,
    stored: Mapping[str, int] | None = None,
    pairs: frozenset[tuple[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """Announcements the resident could not receive when they were sent, still valid."""
    return broadcast_notices.pending_notices(rt, user_id, now, stored=stored, pairs=pairs)


def with_notices(reply: Reply, notices: Sequence[tuple[str, str]]) -> list[Reply]:
    """The reply carrying the notices when all fit one Zalo message, else one message each."""
    if not notices:
        return [reply]
    texts = [text for _id, text in notices]
    joined = render.with_notices(reply, texts)
    if len(joined.text) <= ZALO_TEXT_LIMIT and all(t.strip() in joined.text for t in texts):
        return [joined]
    return [reply, *(render.with_notices(Reply(""), [t]) for t in texts)]


def notices_delivered(rt: Runtime, user_id: str, notices: Sequence[tuple[str, str]]) -> None:
    if notices:
        broadcast_notices.notices_delivered(rt, user_id, [bid for bid, _text in notices])
