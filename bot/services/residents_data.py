"""Everything stored about one resident, removed together on unfollow or a deletion request."""

from __future__ import annotations

import logging

from bot.services.runtime import Runtime
from bot.store.residents import Residents

log = logging.getLogger(__name__)


def forget(rt: Runtime, user_id: str) -> None:
    """Conversation state, window, profile, subscriptions, notices, broadcast records and any
    message of theirs still queued."""
    Residents(rt.redis, rt.keys).forget(user_id, int(rt.now().timestamp() // 60))
    rt.inbound.forget(user_id)
    from bot.services.subscriptions import forget_resident

    forget_resident(rt, user_id)
    log.info("resident data removed")
