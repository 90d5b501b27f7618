"""Fixtures that build real things: a throwaway redis-server, the app, its clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.redis_server import RedisClusterServers, RedisServer, client_for

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


# TEST_REDIS=cluster runs the suite against a three-master Redis Cluster instead of one server.
CLUSTER = os.environ.get("TEST_REDIS", "") == "cluster"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer | RedisClusterServers]:
    server = RedisClusterServers().start() if CLUSTER else RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer | RedisClusterServers) -> str:
    """URL of the test server (or cluster), flushed (every master) before each test."""
    if isinstance(redis_server, RedisClusterServers):
        redis_server.flushall()
    else:
        redis.Redis.from_url(redis_server.url).flushall()
    return redis_server.url


@pytest.fixture
def rdb(redis_url: str) -> redis.Redis:
    """A text client for the test server; a cluster client under TEST_REDIS=cluster."""
    client: redis.Redis = client_for(redis_url)
    return client
