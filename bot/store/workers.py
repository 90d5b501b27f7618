"""Worker heartbeats and the partition leases that keep each resident's events in order."""

from __future__ import annotations

import math

from bot.store.client import Redis
from bot.store.keys import Keys

HEARTBEAT_STALE_SECONDS = 15.0

# KEYS[1] lease key; ARGV[1] owner; ARGV[2] ttl ms. Renew our own lease or take a free one.
_TAKE = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2]); return 1
elseif not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]); return 1
end
return 0
"""

# KEYS[1] lease key; ARGV[1] owner. Release only a lease we hold.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Workers:
    def __init__(self, r: Redis, keys: Keys, *, lease_ms: int = 10_000):
        self.r, self.keys, self.lease_ms = r, keys, lease_ms
        self._take = r.register_script(_TAKE)
        self._release = r.register_script(_RELEASE)

    def heartbeat(self, name: str, now: float) -> None:
        self.r.hset(self.keys.workers(), name, f"{now:.3f}")

    def leave(self, name: str) -> None:
        self.r.hdel(self.keys.workers(), name)

    def ages(self, now: float) -> dict[str, float]:
        """Seconds since each worker's last heartbeat; very old entries are dropped."""
        out: dict[str, float] = {}
        for name, stamp in self.r.hgetall(self.keys.workers()).items():
            age = now - float(stamp)
            if age > 24 * 3600:
                self.r.hdel(self.keys.workers(), name)
            else:
                out[name] = age
        return out

    def live_count(self, now: float) -> int:
        return sum(1 for age in self.ages(now).values() if age < HEARTBEAT_STALE_SECONDS)

    def fair_share(self, partitions: int, now: float) -> int:
        return math.ceil(partitions / max(1, self.live_count(now)))

    def take(self, partition: int, owner: str) -> bool:
        return bool(
            self._take(keys=[self.keys.partition_lease(partition)], args=[owner, self.lease_ms])
        )

    def release(self, partition: int, owner: str) -> None:
        self._release(keys=[self.keys.partition_lease(partition)], args=[owner])
