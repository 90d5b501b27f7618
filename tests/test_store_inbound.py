"""The inbound queue: dedupe, partitions in order, reclaiming, replied marks, depth."""

from __future__ import annotations

import redis

from bot.store.client import connect
from bot.store.inbound import Inbound, partition_of
from bot.store.keys import Keys
from bot.store.workers import Workers


def make(url: str, partitions: int = 4) -> Inbound:
    inbound = Inbound(connect(url), Keys("t:"), partitions=partitions, maxlen=1000)
    inbound.ensure_groups()
    return inbound


def test_accept_dedupes_and_records_interaction(redis_url: str, rdb: redis.Redis) -> None:
    inbound = make(redis_url)
    assert inbound.accept("m1", "42", "user_send_text", "{}", 1000, seen_ms=1000)
    assert not inbound.accept("m1", "42", "user_send_text", "{}", 2000, seen_ms=1000)
    assert inbound.depth()["length"] == 1
    assert rdb.get(Keys("t:").last_seen("42")) == "1000"


def test_accept_survives_a_flushed_script_cache(redis_url: str, rdb: redis.Redis) -> None:
    inbound = make(redis_url)
    assert inbound.accept("m1", "42", "user_send_text", "{}", 1000, seen_ms=1000)
    rdb.script_flush()  # as after a Redis restart
    assert inbound.accept("m2", "42", "user_send_text", "{}", 2000, seen_ms=2000)
    assert not inbound.accept("m2", "42", "user_send_text", "{}", 3000, seen_ms=3000)
    assert inbound.depth()["length"] == 2
    assert rdb.get(Keys("t:").last_seen("42")) == "3000"  # a retry still marks the window


def test_non_interactions_do_not_touch_the_window(redis_url: str, rdb: redis.Redis) -> None:
    inbound = make(redis_url)
    inbound.accept("u1", "42", "unfollow", "{}", 1000, seen_ms=None)
    assert rdb.get(Keys("t:").last_seen("42")) is None


def test_one_residents_events_stay_in_one_partition_in_order(redis_url: str) -> None:
    inbound = make(redis_url)
    for i in range(5):
        inbound.accept(f"m{i}", "777", "user_send_text", str(i), i, seen_ms=i)
    p = partition_of("777", 4)
    got = inbound.read(p, "w1", pending=False)
    assert [e.body for e in got] == ["0", "1", "2", "3", "4"]
    for other in set(range(4)) - {p}:
        assert inbound.read(other, "w1", pending=False) == []


def test_a_new_lease_holder_reclaims_pending_entries(redis_url: str) -> None:
    inbound = make(redis_url)
    inbound.accept("m1", "9", "user_send_text", "a", 1, seen_ms=1000)
    p = partition_of("9", 4)
    assert len(inbound.read(p, "dead-worker", pending=False)) == 1  # read, never acked
    assert inbound.read(p, "new-worker", pending=False) == []
    inbound.reclaim(p, "new-worker")
    again = inbound.read(p, "new-worker", pending=True)
    assert [e.event_id for e in again] == ["m1"]
    inbound.ack(again[0])
    assert inbound.read(p, "new-worker", pending=True) == []
    assert inbound.depth()["unprocessed"] == 0


def test_replied_marks(redis_url: str) -> None:
    inbound = make(redis_url)
    assert inbound.begin_send("e#1", 123) == (False, None)  # first attempt: marked as begun
    assert inbound.begin_send("e#1", 456) == (False, 123)  # a re-run sees the first attempt
    inbound.mark_sending("e#1", 789)
    assert inbound.begin_send("e#1", 999) == (False, 789)
    inbound.mark_replied("e#1")
    assert inbound.begin_send("e#1", 999)[0] is True
    assert inbound.begin_send("e#2", 5) == (False, None)  # marks are per message


def test_leases_are_exclusive_and_shared_fairly(redis_url: str) -> None:
    workers = Workers(connect(redis_url), Keys("t:"), lease_ms=5000)
    assert workers.take(0, "a")
    assert not workers.take(0, "b")
    assert workers.take(0, "a")  # renewal
    workers.release(0, "b")  # not b's to release
    assert not workers.take(0, "b")
    workers.release(0, "a")
    assert workers.take(0, "b")
    workers.heartbeat("a", 100.0)
    workers.heartbeat("b", 100.0)
    assert workers.fair_share(8, 101.0) == 4
    assert workers.fair_share(8, 200.0) == 8  # both stale: count as one


def test_a_handled_entry_is_deleted_not_only_acknowledged(redis_url: str, rdb: redis.Redis) -> None:
    inbound = make(redis_url)
    inbound.accept("m1", "42", "user_send_text", '{"text": "0912345678"}', 1000, seen_ms=None)
    p = partition_of("42", 4)
    (entry,) = inbound.read(p, "w1", pending=False)
    inbound.ack(entry)
    assert rdb.xlen(Keys("t:").inbound(p)) == 0
    assert inbound.depth() == {"length": 0, "unprocessed": 0}


def test_entries_older_than_the_dedupe_window_are_trimmed(redis_url: str, rdb: redis.Redis) -> None:
    import time

    inbound = make(redis_url)
    p = partition_of("42", 4)
    stream = Keys("t:").inbound(p)
    now = int(time.time() * 1000)
    rdb.xadd(stream, {"e": "old", "u": "42", "b": "{}"}, id=f"{now - 3 * 86_400_000}-0")
    rdb.xadd(stream, {"e": "day", "u": "42", "b": "{}"}, id=f"{now - 86_400_000}-0")
    inbound.accept("m1", "42", "user_send_text", "{}", now, seen_ms=None)
    assert [f["e"] for _i, f in rdb.xrange(stream)] == ["day", "m1"]


def test_forget_deletes_a_residents_queued_entries_only(redis_url: str, rdb: redis.Redis) -> None:
    inbound = make(redis_url, partitions=1)
    for n in range(3):
        inbound.accept(f"a{n}", "42", "user_send_text", "{}", 1000 + n, seen_ms=None)
        inbound.accept(f"b{n}", "43", "user_send_text", "{}", 1000 + n, seen_ms=None)
    assert inbound.forget("42") == 3
    assert {f["u"] for _i, f in rdb.xrange(Keys("t:").inbound(0))} == {"43"}


def test_keys_of_events_without_a_msg_id_do_not_name_the_resident() -> None:
    keys = Keys("t:")
    event_id = "follow:2468458835296197922:1699003881354"
    for key in (keys.dedupe(0, event_id), keys.replied(event_id), keys.sending(event_id)):
        assert "2468458835296197922" not in key
    assert keys.dedupe(0, event_id) != keys.dedupe(0, event_id + "1")
