"""The audit trail is kept by age (not by count) and every entry also reaches the log."""

from __future__ import annotations

import json
import logging
import time

import pytest
import redis

from bot.config import settings_from
from bot.errors import ConfigError
from bot.services import accounts
from bot.services.runtime import Runtime
from bot.store.audit import DAY_MS

ENV = {"REDIS_KEY_PREFIX": "aud:"}


@pytest.fixture
def rt(redis_url: str) -> Runtime:
    return Runtime(settings_from({**ENV, "REDIS_URL": redis_url}))


def test_entries_older_than_the_retention_go_and_younger_ones_stay(
    rt: Runtime, rdb: redis.Redis
) -> None:
    now = int(time.time() * 1000)
    key = rt.keys.audit()
    rdb.xadd(key, {"who": "old", "action": "x"}, id=f"{now - 401 * DAY_MS}-0")
    rdb.xadd(key, {"who": "kept", "action": "x"}, id=f"{now - 300 * DAY_MS}-0")
    accounts.audit(rt, "quantri", "account.add", "canbo")
    assert [e["who"] for e in accounts.audit_entries(rt)] == ["quantri", "kept"]


def test_many_entries_do_not_push_out_recent_ones(rt: Runtime, rdb: redis.Redis) -> None:
    """The old cap was 100,000 entries: that many more must not erase the first one now."""
    accounts.audit(rt, "first", "account.add", "canbo")
    key = rt.keys.audit()
    with rdb.pipeline(transaction=False) as pipe:
        for _ in range(100_300):
            pipe.xadd(key, {"who": "filler", "action": "x"})
        pipe.execute()
    accounts.audit(rt, "last", "account.remove", "canbo")
    first = rdb.xrange(key, count=1)
    assert first[0][1]["who"] == "first"


def test_every_entry_is_also_logged(rt: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.audit"):
        accounts.audit(rt, "quantri", "account.add", "canbo", "role=officer")
    (record,) = [r for r in caplog.records if r.name == "bot.audit"]
    fields = record.__dict__["audit"]
    assert fields["who"] == "quantri" and fields["action"] == "account.add"
    assert json.dumps(fields)  # plain strings: the JSON log can carry it


def test_retention_is_at_least_a_year() -> None:
    assert settings_from({}).audit_retention_days >= 365
    with pytest.raises(ConfigError, match="AUDIT_RETENTION_DAYS"):
        settings_from({"AUDIT_RETENTION_DAYS": "30"})
    assert settings_from({"AUDIT_RETENTION_DAYS": "730"}).audit_retention_days == 730
