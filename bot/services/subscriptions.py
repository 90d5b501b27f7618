"""Residents' subscriptions: apply the dialogue's effects, list them, forget a resident."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path

from bot.content.subscription_topics import SubscriptionTopics, Topic, load_topics
from bot.dialogue import wording_broadcasts as wording
from bot.errors import ContentError
from bot.model import Effect, Reply
from bot.services.broadcast_clock import day_of
from bot.services.runtime import Runtime
from bot.store.notices import Notices
from bot.store.subscriptions import Subscriptions

log = logging.getLogger(__name__)

_cache: dict[str, tuple[float, SubscriptionTopics]] = {}
_cache_lock = threading.Lock()


def topics_of(rt: Runtime) -> SubscriptionTopics:
    """The topics file, re-read when it changes; a broken edit keeps the last good version."""
    path = rt.settings.subscriptions_path
    try:
        mtime = Path(path).stat().st_mtime
    except OSError:
        mtime = -1.0
    with _cache_lock:
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        try:
            topics = load_topics(path)
        except ContentError:
            if cached is None:
                raise
            log.error("subscriptions file invalid; keeping the last good version", exc_info=True)
            _cache[path] = (mtime, cached[1])
            return cached[1]
        _cache[path] = (mtime, topics)
        return topics


def subscriptions_of(rt: Runtime, user_id: str) -> frozenset[tuple[str, str]]:
    """The resident's (topic, district-or-"") pairs, for the dialogue."""
    return Subscriptions(rt.redis, rt.keys).of(user_id)


def apply_effect(rt: Runtime, user_id: str, effect: Effect) -> Reply | None:
    """Perform a subscribe/unsubscribe/list effect; a Reply when it changes what to say."""
    topics = topics_of(rt)
    if effect.kind == "subscribe":
        return _subscribe(rt, topics, user_id, effect)
    if effect.kind == "unsubscribe":
        return _unsubscribe(rt, topics, user_id, effect)
    if effect.kind == "list_subscriptions":
        return describe(rt, topics, user_id)
    return None


def _choices(topics: SubscriptionTopics) -> list[tuple[str, str]]:
    return [(t.id, t.name) for t in topics.topics]


def _subscribe(
    rt: Runtime, topics: SubscriptionTopics, user_id: str, effect: Effect
) -> Reply | None:
    topic = topics.topic(effect.args.get("topic", ""))
    if topic is None:
        return wording.unknown_topic(_choices(topics))
    district_text = (effect.args.get("district") or "").strip() if topic.by_district else ""
    district = topics.district(district_text) if district_text else None
    if district_text and district is None:
        return wording.unknown_district(topic.name, [d.name for d in topics.districts])
    slug = district.slug if district else ""
    name = district.name if district else None
    result = Subscriptions(rt.redis, rt.keys).subscribe(user_id, topic.id, slug)
    log.info("subscription", extra={"topic": topic.id, "district": slug, "result": result})
    if result == "full":
        return wording.subscriptions_full()
    if result == "exists":
        return wording.already_subscribed(topic.name, name, by_district=topic.by_district)
    return None  # the dialogue's confirmation stands


def _unsubscribe(
    rt: Runtime, topics: SubscriptionTopics, user_id: str, effect: Effect
) -> Reply | None:
    topic_text = (effect.args.get("topic") or "").strip()
    topic = topics.topic(topic_text) if topic_text else None
    if topic_text and topic is None:
        return wording.unknown_topic(_choices(topics))
    district_text = (effect.args.get("district") or "").strip()
    district = topics.district(district_text) if district_text and topic else None
    removed = Subscriptions(rt.redis, rt.keys).unsubscribe(
        user_id, topic.id if topic else None, district.slug if district else None
    )
    log.info("unsubscription", extra={"topic": topic.id if topic else "*", "removed": len(removed)})
    if not removed:
        return wording.nothing_to_unsubscribe(topic.name if topic else None)
    return None


def describe(rt: Runtime, topics: SubscriptionTopics, user_id: str) -> Reply:
    """The "#tin" answer: what the resident receives, or an offer to subscribe."""
    pairs = sorted(Subscriptions(rt.redis, rt.keys).of(user_id))
    if not pairs:
        return wording.no_subscriptions(_choices(topics))
    items = []
    for topic_id, slug in pairs:
        topic = topics.topic(topic_id)
        items.append(_item(topics, topic, topic_id, slug))
    return wording.subscription_list(items)


def _item(topics: SubscriptionTopics, topic: Topic | None, topic_id: str, slug: str) -> str:
    name = topic.name if topic else topic_id
    scope = ""
    if topic is None or topic.by_district:
        scope = wording.where(topics.district_name(slug) if slug else None)
    return f'{name}{scope} (nhắn "#huy {topic_id}" để ngừng)'


def subscriber_counts(rt: Runtime) -> dict[str, dict[str, int]]:
    """Per topic, subscribers per district ("*" = the whole province); no resident ids."""
    topics = topics_of(rt)
    store = Subscriptions(rt.redis, rt.keys)
    out: dict[str, dict[str, int]] = {}
    for topic in topics.topics:
        districts = ["", *(d.slug for d in topics.districts)] if topic.by_district else [""]
        out[topic.id] = {d or "*": store.count(topic.id, d) for d in districts}
    return out


def subscription_offer(rt: Runtime) -> Reply:
    """The offer a new follower gets after the greeting."""
    return wording.subscription_offer(_choices(topics_of(rt)))


def forget_resident(rt: Runtime, user_id: str) -> None:
    """Remove subscriptions, notices, daily counts and the resident's id from broadcasts."""
    from bot.services.broadcast_notices import forget_recipient

    Subscriptions(rt.redis, rt.keys).forget(user_id)
    now = rt.now()
    days = [day_of(now - timedelta(days=n)) for n in range(3)]
    Notices(rt.redis, rt.keys).forget(user_id, days)
    forget_recipient(rt, user_id)
