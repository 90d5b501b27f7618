"""Handle one queued event: understand, decide, apply effects, reply, record the turn."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from bot.errors import ZaloError
from bot.model import (
    ChatNow,
    Decision,
    Effect,
    Follow,
    OtherEvent,
    Reply,
    SubmittedInfo,
    UserMessage,
)
from bot.services import conversation, residents_data
from bot.services.delivery import Delivery
from bot.services.ingest import DELETION_KINDS
from bot.services.runtime import Runtime
from bot.store.inbound import Entry
from bot.store.residents import Residents
from bot.store.stats import Stats
from bot.zalo.events import parse_event

log = logging.getLogger(__name__)

HANDOFF_TAG = "Cần tư vấn viên"
SUBSCRIPTION_CHANGES = frozenset({"subscribe", "unsubscribe"})  # effects that change the pairs


@dataclass(frozen=True)
class Outcome:
    kind: str
    intent: str = "-"
    outcome: str = "-"
    faq_id: str | None = None


def handle_entry(rt: Runtime, entry: Entry) -> Outcome:
    """Process one inbound stream entry (already deduplicated by the webhook)."""
    event = parse_event(json.loads(entry.body))
    delivery = Delivery(rt, entry.event_id)
    if isinstance(event, UserMessage):
        return handle_message(rt, event, delivery)
    if isinstance(event, Follow):
        return _follow(rt, event, delivery)
    if isinstance(event, ChatNow):
        delivery.send(event.user_id or "", conversation.welcome(rt))
        return Outcome(event.kind, outcome="welcomed")
    if isinstance(event, SubmittedInfo):
        delivery.send(event.user_id or "", conversation.info_received())
        return Outcome(event.kind, outcome="acknowledged")
    if isinstance(event, OtherEvent) and event.kind in DELETION_KINDS and event.user_id:
        residents_data.forget(rt, event.user_id)
        return Outcome(event.kind, outcome="forgotten")
    return Outcome(event.kind, outcome="ignored")


def _follow(rt: Runtime, event: Follow, delivery: Delivery) -> Outcome:
    user_id = event.user_id or ""
    if not event.following:
        residents_data.forget(rt, user_id)
        return Outcome(event.kind, outcome="forgotten")
    delivery.send(user_id, conversation.welcome(rt))
    delivery.send(user_id, conversation.subscription_offer(rt))
    return Outcome(event.kind, outcome="welcomed")


def handle_message(rt: Runtime, event: UserMessage, delivery: Delivery) -> Outcome:
    user_id = event.user_id or ""
    residents = Residents(rt.redis, rt.keys)
    now = rt.now()
    minute = int(now.timestamp() // 60)
    known = residents.snapshot(user_id, minute)
    if known.messages_this_minute > rt.settings.flood_limit_per_minute:
        if residents.first_flood_warning(user_id, minute):
            delivery.send(user_id, conversation.flood_warning())
        return Outcome(event.kind, outcome="flooded")
    if not event.is_text or not event.text.strip():
        delivery.send(user_id, conversation.media_reply())
        return Outcome(event.kind, outcome="media")
    decision = conversation.decide(rt, event.text, known.session, known.subscriptions, now)
    if known.paused and decision.outcome != "emergency":
        return Outcome(event.kind, decision.intent, "paused")
    reply = _apply_effects(rt, user_id, decision)
    changed = any(e.kind in SUBSCRIPTION_CHANGES for e in decision.effects)
    notices = conversation.pending_notices(
        rt, user_id, now, stored=known.notices, pairs=None if changed else known.subscriptions
    )
    for message in conversation.with_notices(reply, notices):
        delivery.send(user_id, message)
    conversation.notices_delivered(rt, user_id, notices)
    with rt.redis.pipeline(transaction=False) as pipe:  # the turn's records: one round trip
        residents.save_session(user_id, decision.session, pipe=pipe)
        Stats(rt.redis, rt.keys).record_turn(
            now.strftime("%Y-%m-%d"), decision.intent, decision.outcome, decision.faq_id, pipe=pipe
        )
        pipe.execute()
    return Outcome(event.kind, decision.intent, decision.outcome, decision.faq_id)


def _apply_effects(rt: Runtime, user_id: str, decision: Decision) -> Reply:
    reply = decision.reply
    for effect in decision.effects:
        replacement = _apply(rt, user_id, effect)
        if replacement is not None:
            reply = replacement
    return reply


def _apply(rt: Runtime, user_id: str, effect: Effect) -> Reply | None:
    stats = Stats(rt.redis, rt.keys)
    if effect.kind == "log_unanswered":
        stats.log_unanswered(effect.args.get("text", ""), effect.args.get("did", "fallback"))
    elif effect.kind == "feedback":
        stats.feedback(effect.args.get("faq_id", ""), effect.args.get("vote", ""))
    elif effect.kind == "handoff":
        _handoff(rt, user_id)
    elif effect.kind in {"subscribe", "unsubscribe", "list_subscriptions"}:
        return conversation.apply_subscription(rt, user_id, effect)
    return None


def _handoff(rt: Runtime, user_id: str) -> None:
    """Tag the resident for staff in Zalo and keep the bot quiet while they answer."""
    Residents(rt.redis, rt.keys).pause(
        user_id, rt.settings.handoff_pause_minutes * 60, reason="handoff"
    )
    if rt.settings.local_mode:
        return
    try:
        rt.zalo.tag_user(user_id, HANDOFF_TAG)
    except ZaloError as exc:  # the pause still holds; staff also see the conversation
        log.warning("handoff tag failed", extra={"code": exc.code})
