"""The shared send bucket in a real Redis, driven by an injected clock (no wall-clock timing)."""

from __future__ import annotations

import pytest
import redis

from bot.store.keys import Keys
from bot.store.throttle import Throttle

KEYS = Keys("t:")


class FakeClock:
    """Time that moves only when someone sleeps."""

    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def throttle(rdb: redis.Redis, clock: FakeClock, rate: float = 10.0, **kw: float) -> Throttle:
    return Throttle(rdb, KEYS, rate, clock=clock, sleep=clock.sleep, **kw)


def count_in_window(workers: list[Throttle], clock: FakeClock, seconds: float, prio: str) -> int:
    start, taken = clock.now, 0
    for i in range(100_000):  # bounded; ends long before
        workers[i % len(workers)].acquire(prio)
        if clock.now - start > seconds:
            break
        taken += 1
    return taken


def test_pacing_holds_at_the_configured_rate(rdb: redis.Redis, clock: FakeClock) -> None:
    t = throttle(rdb, clock, rate=10.0)  # burst = one second's worth
    assert count_in_window([t], clock, 5.0, "reply") in range(59, 62)  # 10 burst + 5 s × 10/s


def test_workers_share_one_bucket(rdb: redis.Redis, clock: FakeClock) -> None:
    workers = [throttle(rdb, clock, rate=20.0, burst=5) for _ in range(3)]
    assert count_in_window(workers, clock, 10.0, "reply") in range(204, 207)  # 5 + 10 s × 20/s


def test_bulk_keeps_a_reserve_for_replies(rdb: redis.Redis, clock: FakeClock) -> None:
    t = throttle(rdb, clock, rate=10.0, burst=10, bulk_reserve=3)
    taken = 0
    while t.try_acquire("bulk") == 0 and taken < 50:
        taken += 1
    assert taken == 7  # 10 - 3 left in the bucket
    assert [t.try_acquire("reply") for _ in range(3)] == [0, 0, 0]
    assert t.try_acquire("reply") > 0


def test_bulk_yields_while_a_reply_waits(rdb: redis.Redis, clock: FakeClock) -> None:
    t = throttle(rdb, clock, rate=10.0, burst=10, bulk_reserve=1)
    while t.try_acquire("reply") == 0 and clock.now < 1e10:
        pass  # drain the bucket
    wait = t.try_acquire("reply", waiter="resident-1")
    assert wait == pytest.approx(0.1)
    clock.now += 1.0  # the bucket refills well past the reserve...
    assert t.try_acquire("bulk") > 0  # ...yet bulk waits for the queued reply
    assert t.try_acquire("reply", waiter="resident-1") == 0
    assert t.try_acquire("bulk") == 0  # reply served, bulk resumes


def test_bulk_acquire_times_out_behind_a_stuck_reply(rdb: redis.Redis, clock: FakeClock) -> None:
    t = throttle(rdb, clock, rate=10.0, burst=2, max_wait=1.0)
    t.try_acquire("reply")
    t.try_acquire("reply")
    assert t.try_acquire("reply", waiter="resident-1") > 0
    with pytest.raises(TimeoutError):
        t.acquire("bulk")
    assert 0.9 <= sum(clock.slept) <= 1.05
    t.acquire("reply")  # replies still flow


def test_a_crashed_waiter_does_not_block_bulk_forever(rdb: redis.Redis, clock: FakeClock) -> None:
    t = throttle(rdb, clock, rate=10.0, burst=2, max_wait=1.0)
    t.try_acquire("reply")
    t.try_acquire("reply")
    t.try_acquire("reply", waiter="worker-that-died")
    clock.now += 10.0  # past the waiter's expiry (max_wait + 5 s)
    assert t.try_acquire("bulk") == 0


def test_reply_timeout_removes_its_waiter(rdb: redis.Redis, clock: FakeClock) -> None:
    t = throttle(rdb, clock, rate=1.0, max_wait=1.0)
    t.pause(60)
    with pytest.raises(TimeoutError):
        t.acquire("reply")
    assert rdb.zcard(KEYS.throttle_waiting()) == 0


def test_pause_holds_both_priorities(rdb: redis.Redis, clock: FakeClock) -> None:
    t = throttle(rdb, clock, rate=10.0)
    t.pause(2.0)
    assert t.try_acquire("reply") == pytest.approx(2.0)
    assert t.try_acquire("bulk") == pytest.approx(2.0)
    start = clock.now
    t.acquire("reply")
    assert clock.now - start >= 2.0
    t.pause(0.5)
    start = clock.now
    t.acquire("bulk")
    assert clock.now - start >= 0.5


def test_a_pause_longer_than_max_wait_fails_fast(rdb: redis.Redis, clock: FakeClock) -> None:
    t = throttle(rdb, clock, rate=10.0, max_wait=5.0)
    t.pause(30.0)
    with pytest.raises(TimeoutError):
        t.acquire("bulk")
    assert sum(clock.slept) == 0


def test_pause_is_seen_by_every_worker(rdb: redis.Redis, clock: FakeClock) -> None:
    a, b = throttle(rdb, clock), throttle(rdb, clock)
    a.pause(1.5)
    assert b.try_acquire("reply") == pytest.approx(1.5)


def test_bad_arguments(rdb: redis.Redis, clock: FakeClock) -> None:
    with pytest.raises(ValueError):
        throttle(rdb, clock).try_acquire("urgent")
    with pytest.raises(ValueError):
        throttle(rdb, clock, rate=0)


def test_a_slow_rate_still_lets_bulk_through(rdb: redis.Redis, clock: FakeClock) -> None:
    t = throttle(rdb, clock, rate=1.0)  # burst 1: no room for a reserve
    t.acquire("bulk")
    t.acquire("bulk")
    assert 0.99 <= clock.now - 1_700_000_000.0 <= 1.01
