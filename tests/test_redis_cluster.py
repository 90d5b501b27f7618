"""Redis Cluster: the cluster URL, the test cluster itself, and the store's multi-key operations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis.crc import key_slot

from bot.model import Session
from bot.store.accounts import Accounts
from bot.store.broadcast_recipients import Recipients, RecipientState
from bot.store.client import ClusterClient, cluster_options, connect, is_cluster_url
from bot.store.inbound import Inbound, partition_of
from bot.store.keys import Keys
from bot.store.notices import Notices
from bot.store.residents import Residents
from bot.store.subscriptions import Subscriptions
from tests.redis_server import RedisClusterServers, RedisServer, cluster_state

K = Keys("cl:")


@pytest.fixture(scope="module")
def cluster(redis_server: RedisServer | RedisClusterServers) -> Iterator[RedisClusterServers]:
    """The session's cluster under TEST_REDIS=cluster, else one started for this module."""
    if isinstance(redis_server, RedisClusterServers):
        yield redis_server
        return
    own = RedisClusterServers().start()
    yield own
    own.stop()


@pytest.fixture
def rc(cluster: RedisClusterServers) -> Any:
    cluster.flushall()
    return connect(cluster.url)


# the URL --------------------------------------------------------------------------------------
def test_cluster_urls_are_recognised_and_single_server_ones_are_not() -> None:
    assert is_cluster_url("redis+cluster://10.0.0.1:7000")
    assert is_cluster_url("REDISS+CLUSTER://10.0.0.1:7000")
    for url in ("redis://127.0.0.1:6379/0", "rediss://h:1", "unix:///tmp/r.sock", ""):
        assert not is_cluster_url(url)


def test_cluster_url_gives_every_node_and_the_credentials() -> None:
    options = cluster_options("redis+cluster://:p%40ss@10.0.0.1:7000,10.0.0.2:7001/0")
    assert [(n.host, n.port) for n in options["startup_nodes"]] == [
        ("10.0.0.1", 7000),
        ("10.0.0.2", 7001),
    ]
    assert options["password"] == "p@ss" and options["username"] is None
    assert "ssl" not in options
    tls = cluster_options("rediss+cluster://bot:pw@[::1]:7000")
    assert tls["ssl"] is True and tls["username"] == "bot"
    assert [(n.host, n.port) for n in tls["startup_nodes"]] == [("::1", 7000)]


@pytest.mark.parametrize(
    "url", ["redis+cluster://10.0.0.1", "redis+cluster://:7000", "redis+cluster://h:7000/2"]
)
def test_bad_cluster_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        cluster_options(url)


def test_a_single_server_url_still_gives_a_plain_client(redis_url: str) -> None:
    if is_cluster_url(redis_url):
        redis_url = "redis://127.0.0.1:1/0"  # never contacted: the client connects lazily
    client = connect(redis_url)
    assert isinstance(client, redis.Redis)


# the test cluster -----------------------------------------------------------------------------
def test_the_fixture_is_a_three_master_cluster_covering_every_slot(
    cluster: RedisClusterServers, rc: Any
) -> None:
    assert isinstance(rc, ClusterClient)
    for node in cluster.nodes:
        direct = redis.Redis(port=node.port, decode_responses=True)
        info = direct.execute_command("CLUSTER INFO")
        assert cluster_state(direct) == "ok"
        assert int(info["cluster_size"]) == 3
        assert int(info["cluster_slots_assigned"]) == 16384
        assert int(info["cluster_known_nodes"]) == 3
    assert len(rc.get_primaries()) == 3
    owners = {rc.get_node_from_key(f"k{i}").name for i in range(60)}
    assert len(owners) == 3, "keys should spread over the three masters"


def test_cross_slot_commands_are_refused_so_the_suite_would_notice(rc: Any) -> None:
    with pytest.raises(redis.exceptions.RedisClusterException):
        rc.sunion(["a", "b", "c", "d", "e", "f"])
    pipe = rc.pipeline(transaction=True)
    pipe.set("a", 1)
    pipe.set("b", 1)
    with pytest.raises(redis.exceptions.RedisClusterException):
        pipe.execute()


# scripts in cluster pipelines -----------------------------------------------------------------
def test_a_never_loaded_script_runs_in_a_pipeline_spanning_nodes(rc: Any) -> None:
    # A digest-only call would fail with NOSCRIPT: nothing loaded this script before.
    script = rc.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1]) + 0 * 17")
    keys = [f"s{i}" for i in range(12)]
    with rc.pipeline(transaction=False) as pipe:
        for n, key in enumerate(keys):
            script(keys=[key], args=[n], client=pipe)
            pipe.get(key)
        out = pipe.execute()
    assert out == [x for n in range(12) for x in (n, str(n))]
    assert script(keys=["s1"], args=[5]) == 6  # outside a pipeline: by digest, loaded on demand


def test_a_script_in_a_one_slot_transaction(rc: Any) -> None:
    script = rc.register_script("return redis.call('SET', KEYS[1], ARGV[1])")
    with rc.pipeline(transaction=True) as pipe:
        script(keys=["{t}a"], args=["1"], client=pipe)
        pipe.set("{t}b", 2)
        assert pipe.execute()[0] == "OK"
    assert rc.mget(["{t}a", "{t}b"]) == ["1", "2"]


# keys used together share a slot ----------------------------------------------------------------
def same_slot(*keys: str) -> bool:
    return len({key_slot(k.encode()) for k in keys}) == 1


def test_keys_used_together_atomically_share_one_slot() -> None:
    u = "8812345"
    assert same_slot(
        K.session(u), K.district(u), K.paused(u), K.last_seen(u), K.profile(u), K.outbox(u),
        K.notices(u), K.subscriptions(u), K.daily_broadcasts(u, "2026-01-02"), K.flood(u, 3),
    )  # fmt: skip
    assert same_slot(K.inbound(3), K.dedupe(3, "ev-1"), K.dedupe(3, "ev-2"))
    assert same_slot(
        K.token(), K.token_lock(), K.oauth_state("s"), K.throttle(), K.throttle_pause(),
        K.throttle_waiting(),
    )  # fmt: skip
    assert same_slot(K.broadcast("7"), K.broadcast_part("7", "log"), K.broadcast_lease("7"))
    assert same_slot(K.topic_subscribers("vaccine", ""), K.topic_subscribers("tet", "vu-ban"))
    assert same_slot(K.admin_user("lan"), K.admin_user("minh"), K.admin_users())
    # and unrelated residents do not all land on one node
    assert not same_slot(*[K.session(str(i)) for i in range(20)])


# the store's multi-key operations on the cluster ----------------------------------------------
def test_accounts_create_update_delete(rc: Any) -> None:
    accounts = Accounts(rc, K)
    assert accounts.create("lan", "officer", "h1", 1)
    assert not accounts.create("lan", "officer", "h2", 2)
    assert accounts.update("lan", 3, role="admin")
    assert accounts.names() == ["lan"]
    assert accounts.delete("lan")
    assert accounts.names() == [] and accounts.get("lan") is None


def test_resident_session_and_forget(rc: Any) -> None:
    residents = Residents(rc, K)
    residents.save_session("u1", Session(district="vu-ban"))
    residents.pause("u1", 60, "staff")
    residents.cache_profile("u1", {"name": "A"})
    assert residents.session("u1").district == "vu-ban"
    known = residents.snapshot("u1", 5)
    assert known.messages_this_minute == 1 and known.session.district == "vu-ban"
    assert known.paused == "staff" and known.subscriptions == frozenset() and known.notices == {}
    residents.forget("u1")
    assert residents.session("u1").district is None and residents.paused("u1") is None


def test_subscriptions_index_notices_and_forget(rc: Any) -> None:
    subs, notices = Subscriptions(rc, K), Notices(rc, K)
    assert subs.subscribe("u1", "vaccine", "vu-ban") == "added"
    assert subs.subscribe_many([("u2", "vaccine", ""), ("u3", "tet", "")]) == 2
    assert subs.candidates("vaccine", ["vu-ban", ""]) == ["u1", "u2"]
    admitted = notices.admit(
        "u1", "9", day="2026-01-02", cap=2, topic="vaccine", districts=["vu-ban"]
    )
    assert admitted.subscribed and admitted.under_cap
    notices.add("u1", "9", 10**13)
    notices.forget("u1", ["2026-01-02"])
    subs.forget("u1")
    assert notices.of("u1") == {} and subs.candidates("vaccine", ["vu-ban", ""]) == ["u2"]


def test_broadcast_recipients_move_forget_reset(rc: Any) -> None:
    rec = Recipients(rc, K, "5")
    rec.append(["u1", "u2"])
    assert rec.move(["u1", "u2"], RecipientState("sending", "", 10, 1), ["queued"]) == 2
    assert rec.forget("u1", "anon-1", RecipientState("skipped", "forgotten", 11, 0))
    assert rec.slice(0, 2) == ["anon-1", "u2"]
    rec.reset()
    assert rec.size() == 0 and rec.counts() == {}


def test_inbound_accept_pipelines_a_script_beside_another_slot(rc: Any) -> None:
    inbound = Inbound(rc, K, partitions=4, maxlen=100)
    assert inbound.accept("ev-1", "u1", "text", "{}", 1, seen_ms=1)
    assert not inbound.accept("ev-1", "u1", "text", "{}", 2, seen_ms=2)
    assert rc.get(K.last_seen("u1")) == "2"  # the window is refreshed, the event queued once
    assert rc.xlen(K.inbound(partition_of("u1", 4))) == 1
