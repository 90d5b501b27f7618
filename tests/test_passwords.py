"""Password hashing at today's cost (scrypt N=2^17), and older hashes upgraded at login."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from bot.services import accounts
from tests.admin_support import PASSWORD, console_app, console_env, login


def params(stored: str) -> tuple[int, int, int]:
    kind, n, r, p, _salt, _digest = stored.split("$")
    assert kind == "scrypt"
    return int(n), int(r), int(p)


def test_new_hashes_use_scrypt_at_n_2_17_or_more() -> None:
    stored = accounts.hash_password(PASSWORD)  # the real cost: no fast_hashing fixture here
    n, r, p = params(stored)
    assert n >= 2**17 and r >= 8 and p >= 1
    assert accounts.verify_password(PASSWORD, stored)
    assert not accounts.verify_password(PASSWORD + "x", stored)
    assert not accounts.needs_rehash(stored)


def test_an_older_cheaper_hash_is_replaced_at_login_without_ending_it(
    redis_url: str, tmp_path: Path, rdb: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "SCRYPT_N", 2**10)  # an account made under the old cost
    app = console_app(console_env(redis_url, tmp_path / "instance"))
    rt = app.extensions["bot"]
    accounts.add_user(rt, "officer", "officer", PASSWORD, by="test")
    key = rt.keys.admin_user("officer")
    old = str(rdb.hget(key, "hash"))
    assert params(old)[0] == 2**10
    monkeypatch.setattr(accounts, "SCRYPT_N", 2**11)  # today's cost is higher
    client = app.test_client()
    assert login(client, "officer").status_code == 302
    new = str(rdb.hget(key, "hash"))
    assert params(new)[0] == 2**11 and new != old
    assert client.get("/admin/dashboard").status_code == 200  # the login that upgraded it holds
    assert login(app.test_client(), "officer").status_code == 302  # the password still works
    assert str(rdb.hget(key, "hash")) == new  # already current: not rehashed again
