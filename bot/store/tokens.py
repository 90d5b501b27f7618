"""The one Zalo token pair in Redis: seeded from env, refreshed early, once, under a lock."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any, cast

from bot.errors import TokenUnavailable, ZaloRetryable
from bot.store.client import Redis
from bot.store.keys import Keys
from bot.zalo.oauth import OAuthError, RefreshTokenDead, TokenPair

log = logging.getLogger(__name__)

SEED_LIFETIME = 90_000.0  # an env seed's age is unknown; assume fresh, -216/-220 corrects us
NO_TOKEN = -1  # our own code: nothing usable is stored
WAIT_STEP = 0.05

# KEYS[1] = token hash; ARGV[1] = digest of the environment's pair; ARGV[2..] = field, value, ...
# The environment's pair is written when no record exists, and once more whenever it differs from
# the pair last seeded (an operator put a new pair in the environment): 1 seeded, 2 replaced,
# 0 nothing to do. A restart with the same seeds never overwrites a rotated pair. A record kept
# before seeds were fingerprinted adopts the current seeds instead of being replaced.
SEED_SCRIPT = """
local last = redis.call('HGET', KEYS[1], 'seed_digest')
if redis.call('EXISTS', KEYS[1]) == 1 then
  if last == ARGV[1] then return 0 end
  if not last then
    redis.call('HSET', KEYS[1], 'seed_digest', ARGV[1])
    return 0
  end
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'seed_digest', unpack(ARGV))
  return 2
end
redis.call('HSET', KEYS[1], 'seed_digest', unpack(ARGV))
return 1
"""

# KEYS[1] = lock key; ARGV[1] = this holder's random owner id.
# Deletes the lock only if we still hold it (it may have expired and been taken by another).
RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class TokenStore:
    """The client's TokenSource, shared by every process through Redis."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        refresher: Callable[[str], TokenPair],
        *,
        seed_access: str = "",
        seed_refresh: str = "",
        leeway_seconds: float = 3600,
        lock_ttl: float = 30,
        clock: Callable[[], float] = time.time,
        wait_seconds: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.r, self.keys, self.refresher = redis, keys, refresher
        self.seed_access, self.seed_refresh = seed_access, seed_refresh
        self.leeway, self.lock_ttl, self.clock, self.sleep = leeway_seconds, lock_ttl, clock, sleep
        # A lock held elsewhere frees itself within lock_ttl, so waiting longer is pointless.
        self.wait_seconds = lock_ttl if wait_seconds is None else wait_seconds
        self._seed_script = redis.register_script(SEED_SCRIPT)
        self._seed_checked = False  # compared with the stored pair once per process
        self._release_script = redis.register_script(RELEASE_SCRIPT)

    # --- TokenSource --------------------------------------------------------------------------

    def access_token(self) -> str:
        """A usable access token, refreshed first when it is within the leeway of expiry."""
        record = self._load()
        if not self._stale(record):
            return record["access_token"]
        return self._refresh(self._stale, keep_valid=True)

    def refresh(self, stale: str) -> str:
        """Zalo rejected `stale`: refresh, unless another worker already replaced it."""
        record = self._load()
        if record.get("access_token") != stale:
            return record["access_token"]
        return self._refresh(lambda r: r.get("access_token") == stale, keep_valid=False)

    # --- operator side ----------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Health of the token chain, without any token value."""
        self._check_seed()
        record = self._read()
        if not record:
            return {"status": "missing", "expires_at": None, "seconds_left": None,
                    "last_refresh": None, "refresh_count": 0, "source": None,
                    "since": None}  # fmt: skip
        expires_at = float(record.get("expires_at") or 0)
        left = expires_at - self.clock()
        status = "expiring" if left <= self.leeway else "ok"
        out: dict[str, Any] = {
            "status": "dead" if record.get("status") == "dead" else status,
            "expires_at": expires_at,
            "seconds_left": round(left),
            "last_refresh": float(record["last_refresh"]) if record.get("last_refresh") else None,
            "refresh_count": int(record.get("refresh_count") or 0),
            "source": record.get("source"),
            "since": float(record["since"]) if record.get("since") else None,
        }
        if out["status"] == "dead":
            out.update(dead_at=float(record["dead_at"]), dead_code=int(record["dead_code"]))
        return out

    def store_pair(self, pair: TokenPair, source: str = "oauth") -> None:
        """Replace the chain (the OAuth callback); clears a dead status."""
        self._write(pair, source=source, refreshed=False)
        log.info("zalo tokens stored", extra={"source": source, "expires_at": pair.expires_at})

    # --- internals ----------------------------------------------------------------------------

    def _load(self) -> dict[str, str]:
        self._check_seed()
        record = self._read()
        if not record:
            self._seed()  # another process may win the seeding race: read what it stored
            record = self._read()
        if not record:
            raise TokenUnavailable(NO_TOKEN, "no Zalo token; set the seeds or authorise the OA")
        if record.get("status") == "dead":
            code = int(record.get("dead_code") or NO_TOKEN)
            raise TokenUnavailable(code, "refresh token is dead; an OA admin must authorise again")
        return record

    def _read(self) -> dict[str, str]:
        return cast(dict[str, str], self.r.hgetall(self.keys.token()))

    def _check_seed(self) -> None:
        if not self._seed_checked:
            self._seed()
            self._seed_checked = True

    def _seed(self) -> bool:
        if not (self.seed_access or self.seed_refresh):
            return False
        now = self.clock()
        expires_at = now + SEED_LIFETIME if self.seed_access else 0.0
        fields = {
            "access_token": self.seed_access,
            "refresh_token": self.seed_refresh,
            "expires_at": repr(expires_at),
            "status": "ok",
            "source": "env",
            "refresh_count": "0",
            "since": repr(now),
            "updated_at": repr(now),
        }
        digest = hashlib.sha256(f"{self.seed_access}\0{self.seed_refresh}".encode()).hexdigest()
        args = [digest, *(x for item in fields.items() for x in item)]
        done = int(self._seed_script(keys=[self.keys.token()], args=args))
        if done == 2:
            log.warning(
                "zalo token pair replaced by the one in the environment "
                "(ZALO_ACCESS_TOKEN/ZALO_REFRESH_TOKEN differ from the pair seeded before)",
                extra={"source": "env"},
            )
        return done > 0

    def _stale(self, record: dict[str, str]) -> bool:
        left = float(record.get("expires_at") or 0) - self.clock()
        return not record.get("access_token") or left <= self.leeway

    def _expired(self, record: dict[str, str]) -> bool:
        return (
            not record.get("access_token") or float(record.get("expires_at") or 0) <= self.clock()
        )

    def _refresh(self, needed: Callable[[dict[str, str]], bool], *, keep_valid: bool) -> str:
        """Refresh under the lock, or wait (bounded) for whoever holds it."""
        owner = uuid.uuid4().hex
        polls = max(1, int(self.wait_seconds / WAIT_STEP))
        for _ in range(polls):
            if self.r.set(self.keys.token_lock(), owner, nx=True, px=int(self.lock_ttl * 1000)):
                try:
                    return self._refresh_locked(needed, keep_valid=keep_valid)
                finally:
                    self._release_script(keys=[self.keys.token_lock()], args=[owner])
            record = self._load()
            if not needed(record):
                return record["access_token"]  # another worker refreshed meanwhile
            if keep_valid and not self._expired(record):
                return record["access_token"]  # still works; the lock holder will rotate it
            self.sleep(WAIT_STEP)
        raise ZaloRetryable(NO_TOKEN, "token refresh still running in another worker")

    def _refresh_locked(self, needed: Callable[[dict[str, str]], bool], *, keep_valid: bool) -> str:
        record = self._load()  # re-read: the previous holder may have just rotated the pair
        if not needed(record):
            return record["access_token"]
        if not record.get("refresh_token"):
            raise TokenUnavailable(NO_TOKEN, "no refresh token stored; authorise the OA")
        try:
            pair = self.refresher(record["refresh_token"])
        except RefreshTokenDead as exc:
            self._mark_dead(exc.code)
            raise TokenUnavailable(exc.code, "refresh token is dead; authorise again") from exc
        except OAuthError as exc:
            if keep_valid and not self._expired(record):
                log.warning("zalo token refresh failed; current token still valid",
                            extra={"code": exc.code})  # fmt: skip
                return record["access_token"]
            raise ZaloRetryable(exc.code, f"token refresh failed: {exc.message}") from exc
        self._write(pair, source=None, refreshed=True)  # persist before anyone uses it
        log.info("zalo access token refreshed", extra={"expires_at": pair.expires_at})
        return pair.access_token

    def _write(self, pair: TokenPair, *, source: str | None, refreshed: bool) -> None:
        key, now = self.keys.token(), self.clock()
        fields: dict[Any, Any] = {
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "expires_at": repr(pair.expires_at),
            "status": "ok",
            "updated_at": repr(now),
        }
        if source:
            fields["source"] = source
            fields["since"] = repr(now)  # a new chain starts; refreshes continue it
        if refreshed:
            fields["last_refresh"] = repr(now)
        with self.r.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)
            pipe.hdel(key, "dead_at", "dead_code")
            if refreshed:
                pipe.hincrby(key, "refresh_count", 1)
            pipe.execute()

    def _mark_dead(self, code: int) -> None:
        key = self.keys.token()
        was = self.r.hget(key, "status")
        self.r.hset(
            key, mapping={"status": "dead", "dead_at": repr(self.clock()), "dead_code": code}
        )
        if was != "dead":  # we hold the lock, so exactly one worker logs this
            log.error(
                "Zalo refresh token is dead (code %s): an OA admin must authorise the app again "
                "at /zalo/oauth/start",
                code,
            )
