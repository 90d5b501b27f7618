"""Per-resident broadcast state: pending notices, the daily cap, and the pre-send admission check.

All keys here are the resident's ({u:<id>} slot), so the admission check reads the resident's
subscriptions, daily count and last interaction in one script.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.store.client import Redis
from bot.store.keys import Keys

NOTICE_CAP = 20
DAY_SECONDS = 2 * 24 * 3600  # a day's set outlives the day by enough for every time zone

# KEYS[1] the resident's pending notices (hash broadcast id -> expiry ms)
# ARGV[1] broadcast id, ARGV[2] expiry ms, ARGV[3] cap on notices
# Keeps the notices with the latest expiry when over the cap; the key lives until the last expiry.
_ADD_NOTICE = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local count = #all / 2
local latest = 0
while count > tonumber(ARGV[3]) do
  local first_id, first_at = nil, nil
  for i = 1, #all, 2 do
    local at = tonumber(all[i + 1])
    if all[i] ~= '' and (first_at == nil or at < first_at) then first_id, first_at = i, at end
  end
  redis.call('HDEL', KEYS[1], all[first_id])
  all[first_id] = ''
  count = count - 1
end
for i = 1, #all, 2 do
  if all[i] ~= '' and tonumber(all[i + 1]) > latest then latest = tonumber(all[i + 1]) end
end
redis.call('PEXPIREAT', KEYS[1], latest)
return count
"""

# KEYS[1] the resident's subscriptions (set of "topic|district"), KEYS[2] broadcasts received
# today (set), KEYS[3] last interaction (epoch ms)
# ARGV[1] broadcast id, ARGV[2] daily cap (0 = none), ARGV[3] seconds to keep the day's set,
# ARGV[4] topic, ARGV[5..] districts of the broadcast (none: every district)
# Returns {subscribed 0/1, admitted under the cap 0/1, last interaction ms or ''}.
# Admission is idempotent: a broadcast already counted today is admitted again.
_ADMIT = """
local subscribed = 0
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local topic, district = string.match(m, '^([^|]*)|?(.*)$')
  if topic == ARGV[4] then
    if #ARGV < 5 or district == '' then subscribed = 1 end
    for i = 5, #ARGV do if district == ARGV[i] then subscribed = 1 end end
  end
end
local seen = redis.call('GET', KEYS[3]) or ''
if subscribed == 0 then return {0, 0, seen} end
local cap = tonumber(ARGV[2])
if cap <= 0 or redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return {1, 1, seen} end
if redis.call('SCARD', KEYS[2]) >= cap then return {1, 0, seen} end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return {1, 1, seen}
"""


@dataclass(frozen=True)
class Admission:
    subscribed: bool
    under_cap: bool
    last_seen_ms: int | None


def notices_of(raw: Mapping[object, object]) -> dict[str, int]:
    """A resident's notice hash as broadcast id -> expiry (epoch ms)."""
    return {str(k): int(str(v)) for k, v in raw.items()}


class Notices:
    def __init__(self, r: Redis, keys: Keys):
        self.r, self.keys = r, keys
        self._add = r.register_script(_ADD_NOTICE)
        self._admit = r.register_script(_ADMIT)

    def add(self, user_id: str, broadcast_id: str, expires_ms: int) -> None:
        self._add(keys=[self.keys.notices(user_id)], args=[broadcast_id, expires_ms, NOTICE_CAP])

    def of(self, user_id: str) -> dict[str, int]:
        """Pending notices: broadcast id -> expiry (epoch ms)."""
        return notices_of(self.r.hgetall(self.keys.notices(user_id)))

    def remove(self, user_id: str, broadcast_ids: Iterable[str]) -> list[str]:
        """Remove notices; returns the ids that were still there (each is removed only once)."""
        ids = list(broadcast_ids)
        if not ids:
            return []
        key = self.keys.notices(user_id)
        with self.r.pipeline(transaction=False) as pipe:
            for i in ids:
                pipe.hdel(key, i)
            removed = pipe.execute()
        return [i for i, n in zip(ids, removed, strict=True) if int(n)]

    def admit(
        self,
        user_id: str,
        broadcast_id: str,
        *,
        day: str,
        cap: int,
        topic: str,
        districts: Iterable[str],
    ) -> Admission:
        """Still subscribed? Under today's cap (counting this broadcast)? Last interaction?"""
        k = self.keys
        keys = [k.subscriptions(user_id), k.daily_broadcasts(user_id, day), k.last_seen(user_id)]
        args: list[str | int] = [broadcast_id, cap, DAY_SECONDS, topic, *districts]
        subscribed, admitted, seen = self._admit(keys=keys, args=args)
        return Admission(bool(int(subscribed)), bool(int(admitted)), int(seen) if seen else None)

    def last_seen_many(self, user_ids: list[str]) -> list[int | None]:
        """Each resident's last interaction (epoch ms), in order; pipelined, not one slot."""
        out: list[int | None] = []
        for i in range(0, len(user_ids), 1000):
            with self.r.pipeline(transaction=False) as pipe:
                for user_id in user_ids[i : i + 1000]:
                    pipe.get(self.keys.last_seen(user_id))
                out += [int(v) if v else None for v in pipe.execute()]
        return out

    def forget(self, user_id: str, days: Iterable[str]) -> None:
        """Drop the resident's notices and daily counts (the given days; older ones expired)."""
        k = self.keys
        self.r.delete(k.notices(user_id), *[k.daily_broadcasts(user_id, d) for d in days])
