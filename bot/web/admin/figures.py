"""Read-only figures the console shows, gathered from the stores and the live content."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.errors import ContentError
from bot.services.runtime import Runtime
from bot.services.subscriptions import topics_of
from bot.store.subscriptions import Subscriptions

log = logging.getLogger(__name__)


def content_or_none(rt: Runtime) -> Any:
    """The live content, or None when no good version could be loaded."""
    try:
        return rt.content()
    except Exception:  # the page shows the loader's errors instead
        log.warning("content unavailable for the console", exc_info=True)
        return None


def entries(rt: Runtime) -> Mapping[str, Any]:
    content = content_or_none(rt)
    return getattr(content, "entries", {}) if content is not None else {}


def subscriber_counts(rt: Runtime) -> dict[str, Any]:
    """Subscriptions per topic, and per district for topics sent by district."""
    try:
        known = topics_of(rt)
    except (OSError, ContentError):
        return {"topics": [], "by_district": []}
    subs = Subscriptions(rt.redis, rt.keys)
    totals, by_district = [], []
    for topic in known.topics:
        province = subs.count(topic.id, "")
        rows = [(d.name, subs.count(topic.id, d.slug)) for d in known.districts]
        if topic.by_district:
            by_district.append(
                ({"id": topic.id, "name": topic.name}, [("Cả tỉnh", province), *rows])
            )
        total = province + sum(n for _, n in rows)
        totals.append({"id": topic.id, "name": topic.name, "count": total})
    return {"topics": totals, "by_district": by_district}
