"""Who subscribed to which topic and district: the resident's own set and the topic index.

The resident's set ({u:<id>} slot) is the truth; the index ({subs} slot, one set per topic and
district, "*" for the whole province) lists candidates for an audience. The two live in different
slots, so they are written in an order that leaves the index a superset after a crash: add to the
index before the resident's set, remove from the resident's set before the index. Delivery checks
the resident's set again right before sending.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.store.client import Redis
from bot.store.keys import Keys

MEMBER_SEP = "|"
# A resident can hold at most this many (topic, district) pairs: topics x (districts + 1) is far
# below it, so only abuse or a bug reaches it.
PER_RESIDENT_CAP = 64
# Every index set is bounded by the province's population (about 1.9 million); far above it means
# a runaway writer.
INDEX_CAP = 5_000_000

# KEYS[1] the resident's subscription set
# ARGV[1] member "topic|district", ARGV[2] cap on members
# Returns 1 added, 0 already there, -1 cap reached.
_ADD_OWN = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
"""

# KEYS[1] one topic/district index set
# ARGV[1] user id, ARGV[2] cap on members
# Returns 1 present (added or already there), -1 cap reached.
_ADD_INDEX = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
"""


def member(topic: str, district: str) -> str:
    return f"{topic}{MEMBER_SEP}{district}"


def split_member(value: str) -> tuple[str, str]:
    topic, _, district = value.partition(MEMBER_SEP)
    return topic, district


def pairs_of(members: Iterable[object]) -> frozenset[tuple[str, str]]:
    """A resident's set members as (topic, district) pairs."""
    return frozenset(split_member(str(m)) for m in members)


def covers(pairs: Iterable[tuple[str, str]], topic: str, districts: Iterable[str]) -> bool:
    """Whether a resident's pairs include a broadcast to `topic` in `districts` (none: all).

    The same rule as the admission script in notices.py.
    """
    wanted = set(districts)
    return any(t == topic and (not wanted or d == "" or d in wanted) for t, d in pairs)


class Subscriptions:
    def __init__(self, r: Redis, keys: Keys):
        self.r, self.keys = r, keys
        self._add_own = r.register_script(_ADD_OWN)
        self._add_index = r.register_script(_ADD_INDEX)

    def of(self, user_id: str) -> frozenset[tuple[str, str]]:
        """The resident's (topic, district) pairs; district "" means the whole province."""
        return pairs_of(self.r.smembers(self.keys.subscriptions(user_id)))

    def subscribe(self, user_id: str, topic: str, district: str = "") -> str:
        """Add one pair: "added", "exists" or "full" (the resident's cap is reached)."""
        index = self.keys.topic_subscribers(topic, district)
        if int(self._add_index(keys=[index], args=[user_id, INDEX_CAP])) < 0:
            return "full"
        own = self.keys.subscriptions(user_id)
        result = int(self._add_own(keys=[own], args=[member(topic, district), PER_RESIDENT_CAP]))
        if result < 0:
            self.r.srem(index, user_id)  # keep the index a tidy superset
            return "full"
        return "added" if result == 1 else "exists"

    def subscribe_many(self, items: Iterable[tuple[str, str, str]], batch: int = 1000) -> int:
        """Import (user, topic, district) triples in pipelined batches; how many were new."""
        added = 0
        rows = list(items)
        for i in range(0, len(rows), batch):
            with self.r.pipeline(transaction=False) as pipe:
                for user_id, topic, district in rows[i : i + batch]:
                    index = self.keys.topic_subscribers(topic, district)
                    self._add_index(keys=[index], args=[user_id, INDEX_CAP], client=pipe)
                    own = self.keys.subscriptions(user_id)
                    args: list[str | int] = [member(topic, district), PER_RESIDENT_CAP]
                    self._add_own(keys=[own], args=args, client=pipe)
                results = pipe.execute()
            added += sum(1 for r in results[1::2] if int(r) == 1)
        return added

    def unsubscribe(
        self, user_id: str, topic: str | None = None, district: str | None = None
    ) -> list[tuple[str, str]]:
        """Remove the pairs matching topic (None: all) and district (None: any); return them."""
        own = self.keys.subscriptions(user_id)
        gone = [
            (t, d)
            for t, d in self.of(user_id)
            if (topic is None or t == topic) and (district is None or d == district)
        ]
        if not gone:
            return []
        self.r.srem(own, *[member(t, d) for t, d in gone])
        self._drop_from_index(user_id, gone)
        return sorted(gone)

    def forget(self, user_id: str) -> None:
        """Remove every subscription of a resident (unfollow, deletion request)."""
        pairs = list(self.of(user_id))
        self.r.delete(self.keys.subscriptions(user_id))
        self._drop_from_index(user_id, pairs)

    def _drop_from_index(self, user_id: str, pairs: Iterable[tuple[str, str]]) -> None:
        with self.r.pipeline(transaction=False) as pipe:
            for t, d in pairs:
                pipe.srem(self.keys.topic_subscribers(t, d), user_id)
            pipe.execute()

    def candidates(self, topic: str, districts: Iterable[str]) -> list[str]:
        """Residents in the index of `topic` for any of `districts` ("" = whole province).

        A superset of the audience: check `of` before sending.
        """
        names = [self.keys.topic_subscribers(topic, d) for d in dict.fromkeys(districts)]
        if not names:
            return []
        return sorted(str(u) for u in self.r.sunion(names))

    def count(self, topic: str, district: str = "") -> int:
        return int(self.r.scard(self.keys.topic_subscribers(topic, district)))
