"""Send an event's replies at most once each, also when a crashed worker's event is re-run."""

from __future__ import annotations

import logging
import time

from bot.model import Reply, SendResult
from bot.services.runtime import Runtime, Sender

log = logging.getLogger(__name__)


class Delivery:
    """The n-th message an event produces carries the mark `<event id>#n`.

    A mark is written as "sending" just before the call to Zalo and "replied" right after it. An
    event re-run after a crash skips every message marked replied; one left in "sending" was
    interrupted mid-call, so the resident's recent conversation decides whether it arrived.
    """

    def __init__(self, rt: Runtime, event_id: str, sender: Sender | None = None):
        self.rt, self.event_id, self.count = rt, event_id, 0
        self.sender = sender or rt.sender

    def send(self, user_id: str, reply: Reply, *, priority: str = "reply") -> SendResult | None:
        self.count += 1
        mark = f"{self.event_id}#{self.count}"
        inbound = self.rt.inbound
        replied, since = inbound.begin_send(mark, int(time.time() * 1000))
        if replied:
            return None
        if since is not None:  # an earlier attempt was interrupted mid-call
            if self._arrived_since(user_id, since):
                inbound.mark_replied(mark)
                return None
            inbound.mark_sending(mark, int(time.time() * 1000))
        result = self.sender.send(user_id, reply, priority=priority)
        inbound.mark_replied(mark)
        return result

    def _arrived_since(self, user_id: str, since_ms: int) -> bool:
        """Whether the OA sent this resident anything since `since_ms` (interrupted send)."""
        try:
            return self.rt.sent_since(user_id, since_ms)
        except Exception:  # unknown: sending again beats a resident left without an answer
            log.warning("could not check an interrupted send; sending again", exc_info=True)
            return False
