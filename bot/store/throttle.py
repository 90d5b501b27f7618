"""One send rate for all workers: a token bucket in Redis where replies go before bulk sends."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable

from bot.store.client import Redis
from bot.store.keys import Keys

PRIORITIES = ("reply", "bulk")
MIN_SLEEP = 0.001

# KEYS[1] = bucket hash {tokens, ts}; KEYS[2] = paused-until (ms); KEYS[3] = waiting replies (zset)
# ARGV[1] = now (ms, caller's clock), ARGV[2] = rate (tokens per second), ARGV[3] = capacity,
# ARGV[4] = priority ('reply' | 'bulk'), ARGV[5] = bulk reserve (tokens kept for replies),
# ARGV[6] = waiter id ('' for none), ARGV[7] = waiter expiry (ms)
# Returns 0 when a token was taken, else the milliseconds worth waiting before asking again.
# A reply that must wait registers in the zset (scored by expiry, so a crashed worker's entry
# lapses); bulk takes nothing while any live reply waits.
BUCKET_SCRIPT = """
local now = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return math.ceil(paused - now) end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate / 1000)
  ts = now
end
local need = 1
local wait = 0
if ARGV[4] == 'bulk' then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) > 0 then wait = math.ceil(1000 / rate) end
  need = 1 + tonumber(ARGV[5])
end
if wait == 0 and tokens >= need then
  tokens = tokens - 1
  if ARGV[6] ~= '' then redis.call('ZREM', KEYS[3], ARGV[6]) end
else
  if wait == 0 then wait = math.ceil((need - tokens) * 1000 / rate) end
  if ARGV[4] == 'reply' and ARGV[6] ~= '' then
    redis.call('ZADD', KEYS[3], tonumber(ARGV[7]), ARGV[6])
  end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 60000)
return wait
"""


class Throttle:
    """acquire('reply') as soon as a token exists; acquire('bulk') only when no reply waits."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        rate_per_second: float,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 30.0,
        burst: float | None = None,
        bulk_reserve: float | None = None,
    ):
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.r, self.keys = redis, keys
        self.rate = rate_per_second
        self.capacity = burst if burst is not None else max(1.0, rate_per_second)
        # Bulk sends leave this many tokens in the bucket, so a reply never queues behind them;
        # below capacity, or bulk could never send at all.
        wanted = bulk_reserve if bulk_reserve is not None else max(1.0, self.capacity / 5)
        self.reserve = max(0.0, min(wanted, self.capacity - 1))
        self.clock, self.sleep, self.max_wait = clock, sleep, max_wait
        self._script = redis.register_script(BUCKET_SCRIPT)

    def acquire(self, priority: str = "reply") -> None:
        """Block until a send may go; TimeoutError after max_wait."""
        waiter = uuid.uuid4().hex
        start = self.clock()
        # Count-bounded too, in case an injected clock never moves.
        for _ in range(int(self.max_wait / MIN_SLEEP) + 2):
            wait = self.try_acquire(priority, waiter)
            if wait == 0:
                return
            left = self.max_wait - (self.clock() - start)
            if left <= 0 or wait > left:
                break
            self.sleep(max(wait, MIN_SLEEP))
        self._forget(waiter)
        raise TimeoutError(f"no {priority} send slot within {self.max_wait:.0f} s")

    def try_acquire(self, priority: str = "reply", waiter: str | None = None) -> float:
        """Take a token now (0.0) or say how many seconds to wait; a reply waiter is recorded."""
        if priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {PRIORITIES}")
        now_ms = self.clock() * 1000
        args = [
            repr(now_ms), repr(self.rate), repr(self.capacity), priority, repr(self.reserve),
            waiter or "", repr(now_ms + (self.max_wait + 5) * 1000),
        ]  # fmt: skip
        keys = [self.keys.throttle(), self.keys.throttle_pause(), self.keys.throttle_waiting()]
        return int(self._script(keys=keys, args=args)) / 1000

    def pause(self, seconds: float) -> None:
        """Stop every worker's sends for `seconds` (Zalo said -32: limit reached)."""
        until_ms = math.ceil((self.clock() + seconds) * 1000)
        # Last writer wins; two near-simultaneous pauses differ by milliseconds at most.
        self.r.set(self.keys.throttle_pause(), until_ms, px=max(1, math.ceil(seconds * 1000)))

    def _forget(self, waiter: str) -> None:
        self.r.zrem(self.keys.throttle_waiting(), waiter)
