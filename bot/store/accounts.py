"""Console accounts and login-attempt counters, in Redis."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.store.client import Redis
from bot.store.keys import Keys

_REHASH = """
if redis.call('HGET', KEYS[1], 'hash') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'hash', ARGV[2])
return 1
"""


@dataclass(frozen=True)
class AccountRecord:
    name: str
    role: str
    password_hash: str
    created_ms: int
    updated_ms: int
    generation: int  # bumped on every password or role change: older logins end

    @classmethod
    def from_hash(cls, name: str, data: Mapping[Any, Any]) -> AccountRecord:
        return cls(
            name=name,
            role=str(data.get("role", "")),
            password_hash=str(data.get("hash", "")),
            created_ms=int(data.get("created", 0)),
            updated_ms=int(data.get("updated", 0)),
            generation=int(data.get("gen", 0)),
        )


class Accounts:
    def __init__(self, r: Redis, keys: Keys):
        self.r, self.keys = r, keys

    def get(self, name: str) -> AccountRecord | None:
        data = self.r.hgetall(self.keys.admin_user(name))
        return AccountRecord.from_hash(name, data) if data else None

    def names(self) -> list[str]:
        return sorted(str(n) for n in self.r.smembers(self.keys.admin_users()))

    def create(self, name: str, role: str, password_hash: str, now_ms: int) -> bool:
        """Create the account; False when the name is taken."""
        key = self.keys.admin_user(name)
        if not self.r.hsetnx(key, "created", now_ms):
            return False
        # A random first generation: an account removed and added again under the same name
        # does not revive the cookies of the old one.
        gen = secrets.randbelow(2**31) + 1
        mapping: dict[Any, Any] = {
            "role": role,
            "hash": password_hash,
            "updated": now_ms,
            "gen": gen,
        }
        with self.r.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=mapping)
            pipe.sadd(self.keys.admin_users(), name)
            pipe.execute()
        return True

    def update(self, name: str, now_ms: int, *, role: str = "", password_hash: str = "") -> bool:
        """Change the role and/or password; False when there is no such account."""
        key = self.keys.admin_user(name)
        if not self.r.exists(key):
            return False
        mapping: dict[Any, Any] = {"updated": now_ms}
        if role:
            mapping["role"] = role
        if password_hash:
            mapping["hash"] = password_hash
        with self.r.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=mapping)
            pipe.hincrby(key, "gen", 1)
            pipe.execute()
        return True

    def rehash(self, name: str, old_hash: str, new_hash: str) -> bool:
        """Replace the hash with a costlier one of the same password, unless it changed
        meanwhile; the generation stays, so no login ends."""
        return bool(self.r.eval(_REHASH, 1, self.keys.admin_user(name), old_hash, new_hash))

    def delete(self, name: str) -> bool:
        with self.r.pipeline(transaction=True) as pipe:
            pipe.delete(self.keys.admin_user(name))
            pipe.srem(self.keys.admin_users(), name)
            removed, _ = pipe.execute()
        return bool(removed)


class Sessions:
    """Open console logins by session id: a cookie is valid only while its id is here."""

    def __init__(self, r: Redis, keys: Keys, seconds: int):
        self.r, self.keys, self.seconds = r, keys, seconds

    def open(self, name: str) -> str:
        sid = secrets.token_urlsafe(24)
        self.r.set(self.keys.admin_session(sid), name, ex=self.seconds)
        return sid

    def holder(self, sid: str) -> str | None:
        value = self.r.get(self.keys.admin_session(sid))
        return str(value) if value else None

    def close(self, sid: str) -> None:
        self.r.delete(self.keys.admin_session(sid))


class LoginAttempts:
    """Failed logins per account or address, forgotten `window` seconds after the first."""

    def __init__(self, r: Redis, keys: Keys, window_seconds: int):
        self.r, self.keys, self.window = r, keys, window_seconds

    def count(self, who: str) -> int:
        return int(self.r.get(self.keys.login_attempts(who)) or 0)

    def hit(self, who: str) -> int:
        """Count an attempt before it is checked; the count including it."""
        return self.failed(who)

    def undo(self, who: str) -> None:
        """The attempt counted by `hit` succeeded: it is not a failure after all."""
        key = self.keys.login_attempts(who)
        if int(self.r.decr(key)) <= 0:
            self.r.delete(key)

    def failed(self, who: str) -> int:
        key = self.keys.login_attempts(who)
        with self.r.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=self.window, nx=True)  # the window starts at the first failure
            pipe.incr(key)
            _, count = pipe.execute()
        return int(count)

    def clear(self, who: str) -> None:
        self.r.delete(self.keys.login_attempts(who))
