"""One broadcast's frozen audience and every recipient's delivery state, counted atomically.

A recipient's state is "kind|detail|ms|attempts". Kinds: queued (no entry yet), sending (a call
to Zalo may be in flight), retry, pending (a notice waits for the resident's next message), and
the final sent, failed, skipped, expired. Every change goes through one script that checks the
current kind, so two workers can never both start sending to the same resident, and keeps the
counts, the retry schedule and the in-flight set in step with the states.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import cast

from bot.store.client import Redis
from bot.store.keys import Keys

FINAL = frozenset({"sent", "failed", "skipped", "expired"})
KINDS = ("sent", "pending", "failed", "skipped", "expired", "sending", "retry")
CHUNK = 1000

# KEYS[1] states (hash user -> state), KEYS[2] counts (hash), KEYS[3] retry schedule (zset),
# KEYS[4] in-flight sends (zset)
# ARGV[1] new state "kind|detail|ms|attempts", ARGV[2] allowed current kinds as ",a,b,",
# ARGV[3] retry due ms (for kind retry), ARGV[4..] user ids
# Returns how many recipients moved.
_MOVE = """
local new = ARGV[1]
local new_kind, detail = string.match(new, '^([^|]*)|?([^|]*)')
local moved = 0
for i = 4, #ARGV do
  local user = ARGV[i]
  local old = redis.call('HGET', KEYS[1], user)
  local old_kind = 'queued'
  if old then old_kind = string.match(old, '^[^|]*') end
  if string.find(ARGV[2], ',' .. old_kind .. ',', 1, true) then
    redis.call('HSET', KEYS[1], user, new)
    if old_kind ~= 'queued' then redis.call('HINCRBY', KEYS[2], old_kind, -1) end
    redis.call('HINCRBY', KEYS[2], new_kind, 1)
    if detail ~= '' and new_kind ~= 'sending' and new_kind ~= 'retry' then
      redis.call('HINCRBY', KEYS[2], new_kind .. ':' .. detail, 1)
    end
    if old_kind == 'retry' then redis.call('ZREM', KEYS[3], user) end
    if old_kind == 'sending' then redis.call('ZREM', KEYS[4], user) end
    if new_kind == 'retry' then redis.call('ZADD', KEYS[3], ARGV[3], user) end
    if new_kind == 'sending' then redis.call('ZADD', KEYS[4], ARGV[3], user) end
    moved = moved + 1
  end
end
return moved
"""

# KEYS[1] states, KEYS[2] counts, KEYS[3] retry schedule, KEYS[4] in-flight, KEYS[5] audience
# ARGV[1] user id, ARGV[2] anonymous id, ARGV[3] state for a recipient not yet done
# Replaces the resident's id by an anonymous one everywhere in this broadcast; returns 1 or 0.
_FORGET = """
local pos = redis.call('LPOS', KEYS[5], ARGV[1])
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not pos and not old then return 0 end
if pos then redis.call('LSET', KEYS[5], pos, ARGV[2]) end
local old_kind = 'queued'
if old then old_kind = string.match(old, '^[^|]*') end
local final = {sent = true, failed = true, skipped = true, expired = true}
local keep = old
if not final[old_kind] then
  keep = ARGV[3]
  if old_kind ~= 'queued' then redis.call('HINCRBY', KEYS[2], old_kind, -1) end
  local new_kind, detail = string.match(keep, '^([^|]*)|?([^|]*)')
  redis.call('HINCRBY', KEYS[2], new_kind, 1)
  redis.call('HINCRBY', KEYS[2], new_kind .. ':' .. detail, 1)
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[2], keep)
return 1
"""


@dataclass(frozen=True)
class RecipientState:
    kind: str
    detail: str = ""
    at_ms: int = 0
    attempts: int = 0

    @classmethod
    def parse(cls, raw: str | None) -> RecipientState:
        if not raw:
            return cls("queued")
        parts = raw.split("|")
        parts += [""] * (4 - len(parts))
        return cls(parts[0], parts[1], int(parts[2] or 0), int(parts[3] or 0))

    def encode(self) -> str:
        return f"{self.kind}|{self.detail}|{self.at_ms}|{self.attempts}"

    @property
    def final(self) -> bool:
        return self.kind in FINAL


class Recipients:
    def __init__(self, r: Redis, keys: Keys, broadcast_id: str):
        self.r, self.keys, self.id = r, keys, broadcast_id
        self._audience = keys.broadcast_part(broadcast_id, "audience")
        self._states = keys.broadcast_part(broadcast_id, "states")
        self._counts = keys.broadcast_part(broadcast_id, "counts")
        self._retry = keys.broadcast_part(broadcast_id, "retry")
        self._inflight = keys.broadcast_part(broadcast_id, "inflight")
        self._move = r.register_script(_MOVE)
        self._forget = r.register_script(_FORGET)

    # the frozen audience ------------------------------------------------------------------
    def reset(self) -> None:
        """Throw away a half-written audience (a worker died while freezing)."""
        self.r.delete(self._audience, self._states, self._counts, self._retry, self._inflight)

    def append(self, user_ids: list[str]) -> None:
        for i in range(0, len(user_ids), CHUNK):
            self.r.rpush(self._audience, *user_ids[i : i + CHUNK])

    def size(self) -> int:
        return int(self.r.llen(self._audience))

    def slice(self, start: int, count: int) -> list[str]:
        if count <= 0:
            return []
        return [str(u) for u in self.r.lrange(self._audience, start, start + count - 1)]

    # states -------------------------------------------------------------------------------
    def states(self, user_ids: list[str]) -> list[RecipientState]:
        if not user_ids:
            return []
        found = cast(list[str | None], self.r.hmget(self._states, user_ids))
        return [RecipientState.parse(s) for s in found]

    def state(self, user_id: str) -> RecipientState:
        return RecipientState.parse(cast(str | None, self.r.hget(self._states, user_id)))

    def move(
        self,
        user_ids: Iterable[str],
        new: RecipientState,
        allowed: Iterable[str],
        *,
        due_ms: int = 0,
    ) -> int:
        """Set `new` for each recipient whose current kind is in `allowed`; how many moved."""
        users = list(user_ids)
        if not users:
            return 0
        keys = [self._states, self._counts, self._retry, self._inflight]
        args: list[str | int] = [new.encode(), ",".join(["", *allowed, ""]), due_ms or new.at_ms]
        args += users
        return int(self._move(keys=keys, args=args))

    def counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.r.hgetall(self._counts).items()}

    def due_retries(self, now_ms: int, limit: int) -> list[str]:
        if limit <= 0:
            return []
        found = self.r.zrangebyscore(self._retry, "-inf", now_ms, start=0, num=limit)
        return [str(u) for u in found]

    def next_retry_ms(self) -> int | None:
        first = self.r.zrange(self._retry, 0, 0, withscores=True)
        return int(first[0][1]) if first else None

    def in_flight(self, limit: int) -> list[str]:
        if limit <= 0:
            return []
        return [str(u) for u in self.r.zrange(self._inflight, 0, limit - 1)]

    def busy(self) -> int:
        """Recipients still retrying or possibly mid-send."""
        with self.r.pipeline(transaction=False) as pipe:
            pipe.zcard(self._retry)
            pipe.zcard(self._inflight)
            retry, inflight = pipe.execute()
        return int(retry) + int(inflight)

    def scan(self, count: int = CHUNK) -> Iterator[tuple[str, RecipientState]]:
        """Every recipient with a recorded state, in no particular order."""
        for user, raw in self.r.hscan_iter(self._states, count=count):
            yield str(user), RecipientState.parse(raw)

    # privacy and retention ------------------------------------------------------------------
    def forget(self, user_id: str, anonymous_id: str, unfinished: RecipientState) -> bool:
        """Put `anonymous_id` in the resident's place; an unfinished one becomes `unfinished`."""
        keys = [self._states, self._counts, self._retry, self._inflight, self._audience]
        return bool(int(self._forget(keys=keys, args=[user_id, anonymous_id, unfinished.encode()])))

    def expire(self, seconds: int) -> None:
        """Keep per-recipient data (resident ids) only for a while after the broadcast closed."""
        with self.r.pipeline(transaction=False) as pipe:
            for key in (self._audience, self._states, self._retry, self._inflight):
                pipe.expire(key, seconds)
            pipe.execute()
