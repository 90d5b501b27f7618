"""Per-resident state: conversation session, remembered district, pauses and flood counters."""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass

from bot.model import Session
from bot.store.client import Redis
from bot.store.keys import Keys
from bot.store.notices import notices_of
from bot.store.subscriptions import pairs_of

SESSION_IDLE_SECONDS = 30 * 60
DISTRICT_SECONDS = 180 * 24 * 3600
PROFILE_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Snapshot:
    """What a turn needs to know about the resident, read in one round trip."""

    messages_this_minute: int  # this message included
    session: Session
    paused: str | None
    subscriptions: frozenset[tuple[str, str]]
    notices: dict[str, int]  # pending notices: broadcast id -> expiry (epoch ms)


class Residents:
    def __init__(self, r: Redis, keys: Keys):
        self.r, self.keys = r, keys

    def snapshot(self, user_id: str, minute: int) -> Snapshot:
        """Count this message against the flood limit and read the resident's state, all in one
        pipeline (every key carries the resident's hash tag)."""
        k, flood = self.keys, self.keys.flood(user_id, minute)
        with self.r.pipeline(transaction=False) as pipe:
            pipe.incr(flood)
            pipe.expire(flood, 120)
            pipe.get(k.session(user_id))
            pipe.get(k.district(user_id))
            pipe.get(k.paused(user_id))
            pipe.smembers(k.subscriptions(user_id))
            pipe.hgetall(k.notices(user_id))
            count, _, raw, district, paused, members, notices = pipe.execute()
        return Snapshot(
            messages_this_minute=int(count),
            session=_session(raw, district),
            paused=str(paused) if paused else None,
            subscriptions=pairs_of(members),
            notices=notices_of(notices),
        )

    def session(self, user_id: str) -> Session:
        """The conversation state, with the district remembered for 180 days."""
        raw, district = self.r.mget(self.keys.session(user_id), self.keys.district(user_id))
        return _session(raw, district)

    def save_session(self, user_id: str, session: Session, *, pipe: Redis | None = None) -> None:
        """Store the session; with `pipe`, only queue the writes on it (the caller executes)."""
        data = session.as_dict()
        district = data.pop("district")
        with self.r.pipeline(transaction=True) if pipe is None else nullcontext(pipe) as p:
            p.set(self.keys.session(user_id), json.dumps(data), ex=SESSION_IDLE_SECONDS)
            if district:
                p.set(self.keys.district(user_id), district, ex=DISTRICT_SECONDS)
            if pipe is None:
                p.execute()

    def pause(self, user_id: str, seconds: int, reason: str) -> None:
        """Keep the bot silent for a resident while a person handles the conversation."""
        self.r.set(self.keys.paused(user_id), reason, ex=max(1, seconds))

    def paused(self, user_id: str) -> str | None:
        value = self.r.get(self.keys.paused(user_id))
        return str(value) if value else None

    def resume(self, user_id: str) -> None:
        self.r.delete(self.keys.paused(user_id))

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

    def forget(self, user_id: str, minute: int | None = None) -> None:
        """Remove the conversation data kept about a resident (unfollow, deletion request);
        with `minute`, the flood counters of that minute and the one before too."""
        k = self.keys
        recent = [] if minute is None else [minute - 1, minute]
        self.r.delete(
            *(k.flood(user_id, m) for m in recent),
            *(k.flood_warned(user_id, m) for m in recent),
            k.session(user_id),
            k.district(user_id),
            k.paused(user_id),
            k.last_seen(user_id),
            k.profile(user_id),
            k.outbox(user_id),
        )


def _session(raw: object, district: object) -> Session:
    data = json.loads(str(raw)) if raw else {}
    data["district"] = district or None
    return Session.from_dict(data)
