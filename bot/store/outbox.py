"""The sandbox outbox: in local mode replies are kept here for the chat page, not sent."""

from __future__ import annotations

import json
import time
import uuid

from bot.model import Reply, SendResult
from bot.store.client import Redis
from bot.store.keys import Keys

OUTBOX_CAP = 200
OUTBOX_SECONDS = 24 * 3600


class SandboxOutbox:
    def __init__(self, r: Redis, keys: Keys):
        self.r, self.keys = r, keys

    def send(self, user_id: str, reply: Reply, *, priority: str = "reply") -> SendResult:
        message_id = uuid.uuid4().hex[:20]
        item = {
            "id": message_id,
            "at": int(time.time() * 1000),
            "priority": priority,
            "text": reply.text,
            "buttons": [
                {"title": b.title, "kind": b.kind, "payload": b.payload} for b in reply.buttons
            ],
        }
        key = self.keys.outbox(user_id)
        with self.r.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(item, ensure_ascii=False))
            pipe.ltrim(key, -OUTBOX_CAP, -1)
            pipe.expire(key, OUTBOX_SECONDS)
            pipe.execute()
        return SendResult(message_id=message_id, user_id=user_id)

    def since(self, user_id: str, index: int) -> list[dict]:
        """Messages from position `index` on (the page remembers how many it has shown)."""
        return [json.loads(x) for x in self.r.lrange(self.keys.outbox(user_id), index, -1)]
