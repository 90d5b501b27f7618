"""Per-resident state: conversation session, remembered district, pauses and flood counters."""

from __future__ import annotations

import json

from bot.model import Session
from bot.store.client import Redis
from bot.store.keys import Keys

SESSION_IDLE_SECONDS = 30 * 60
DISTRICT_SECONDS = 180 * 24 * 3600
PROFILE_SECONDS = 7 * 24 * 3600


class Residents:
    def __init__(self, r: Redis, keys: Keys):
        self.r, self.keys = r, keys

    def session(self, user_id: str) -> Session:
        """The conversation state, with the district remembered for 180 days."""
        raw, district = self.r.mget(self.keys.session(user_id), self.keys.district(user_id))
        data = json.loads(str(raw)) if raw else {}
        data["district"] = district or None
        return Session.from_dict(data)

    def save_session(self, user_id: str, session: Session) -> None:
        data = session.as_dict()
        district = data.pop("district")
        with self.r.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.session(user_id), json.dumps(data), ex=SESSION_IDLE_SECONDS)
            if district:
                pipe.set(self.keys.district(user_id), district, ex=DISTRICT_SECONDS)
            pipe.execute()

    def pause(self, user_id: str, seconds: int, reason: str) -> None:
        """Keep the bot silent for a resident while a person handles the conversation."""
        self.r.set(self.keys.paused(user_id), reason, ex=max(1, seconds))

    def paused(self, user_id: str) -> str | None:
        value = self.r.get(self.keys.paused(user_id))
        return str(value) if value else None

    def resume(self, user_id: str) -> None:
        self.r.delete(self.keys.paused(user_id))

    def count_message(self, user_id: str, minute: int) -> int:
        """How many messages the resident sent in this minute, this one included."""
        key = self.keys.flood(user_id, minute)
        with self.r.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 120)
            count, _ = pipe.execute()
        return int(count)

    def first_flood_warning(self, user_id: str, minute: int) -> bool:
        """True once per minute: the resident is told only once that they write too fast."""
        return bool(self.r.set(self.keys.flood_warned(user_id, minute), 1, nx=True, ex=120))

    def last_seen_ms(self, user_id: str) -> int | None:
        value = self.r.get(self.keys.last_seen(user_id))
        return int(str(value)) if value else None

    def cached_profile(self, user_id: str) -> dict[str, str] | None:
        raw = self.r.get(self.keys.profile(user_id))
        return json.loads(str(raw)) if raw else None

    def cache_profile(self, user_id: str, profile: dict[str, str]) -> None:
        self.r.set(self.keys.profile(user_id), json.dumps(profile), ex=PROFILE_SECONDS)

    def forget(self, user_id: str) -> None:
        """Remove the conversation data kept about a resident (unfollow, deletion request)."""
        k = self.keys
        self.r.delete(
            k.session(user_id),
            k.district(user_id),
            k.paused(user_id),
            k.last_seen(user_id),
            k.profile(user_id),
            k.outbox(user_id),
        )
