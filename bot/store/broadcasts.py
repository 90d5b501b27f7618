"""Broadcasts: their record and audit trail, the due-time schedule, and the sending lease.

One broadcast's keys share the {b:<id>} hash tag; the list of broadcasts and the due-time sorted
set are global and written after the record, so a crash leaves at most a record that a repeated
command (create is never repeated; approve is idempotent) puts back on the schedule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import cast

from bot.store.client import Redis
from bot.store.keys import Keys

LOG_CAP = 500
LIST_CAP = 5000

# KEYS[1] broadcast record (hash), KEYS[2] its audit log (list), KEYS[3] its sending lease
# ARGV[1] lease owner that must hold the lease ("" = no check), ARGV[2] allowed current statuses
# as ",a,b,", ARGV[3] new status, ARGV[4] log entry (JSON), ARGV[5] log cap,
# ARGV[6..] field, value pairs to set with the status
# Returns {1, old status} when moved, {0, current status} when refused, false when missing.
_TRANSITION = """
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return false end
if ARGV[1] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[1] then return {0, current} end
if not string.find(ARGV[2], ',' .. current .. ',', 1, true) then return {0, current} end
redis.call('HSET', KEYS[1], 'status', ARGV[3])
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
return {1, current}
"""

# KEYS[1] lease key
# ARGV[1] owner token, ARGV[2] lease milliseconds
# Returns 1 when the caller holds the lease (renewed), 0 otherwise.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

# KEYS[1] lease key
# ARGV[1] owner token
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS[1] lease key, KEYS[2] broadcast record
# ARGV[1] owner token, ARGV[2..] field, value pairs
# Sets the fields only while the caller holds the lease; returns 1 or 0.
_SET_IF_LEASED = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
return 1
"""


@dataclass(frozen=True)
class Broadcast:
    """One announcement; times are epoch milliseconds (0 = not set)."""

    id: str
    status: str
    topic: str
    districts: tuple[str, ...]
    text: str
    message: str  # the text as sent: with the line on how to stop receiving
    send_at: int
    expires_at: int
    expires_explicit: bool
    created_by: str
    created_at: int
    approved_by: str = ""
    approved_at: int = 0
    cancelled_by: str = ""
    started_at: int = 0
    finished_at: int = 0
    frozen: bool = False
    total: int = 0
    cursor: int = 0
    sweep: int = 0
    closed: bool = False
    freeze_ms: float = 0.0

    @classmethod
    def from_record(cls, d: Mapping[str, str]) -> Broadcast:
        def i(name: str) -> int:
            return int(d.get(name) or 0)

        return cls(
            id=d["id"],
            status=d.get("status", ""),
            topic=d.get("topic", ""),
            districts=tuple(x for x in d.get("districts", "").split(",") if x),
            text=d.get("text", ""),
            message=d.get("message", ""),
            send_at=i("send_at"),
            expires_at=i("expires_at"),
            expires_explicit=d.get("expires_explicit") == "1",
            created_by=d.get("created_by", ""),
            created_at=i("created_at"),
            approved_by=d.get("approved_by", ""),
            approved_at=i("approved_at"),
            cancelled_by=d.get("cancelled_by", ""),
            started_at=i("started_at"),
            finished_at=i("finished_at"),
            frozen=d.get("frozen") == "1",
            total=i("total"),
            cursor=i("cursor"),
            sweep=i("sweep"),
            closed=d.get("closed") == "1",
            freeze_ms=float(d.get("freeze_ms") or 0),
        )


def log_entry(who: str, action: str, at_ms: int, detail: str = "") -> str:
    return json.dumps(
        {"at": at_ms, "by": who, "action": action, "detail": detail}, ensure_ascii=False
    )


class BroadcastStore:
    def __init__(self, r: Redis, keys: Keys):
        self.r, self.keys = r, keys
        self._transition = r.register_script(_TRANSITION)
        self._renew = r.register_script(_RENEW)
        self._release = r.register_script(_RELEASE)
        self._set_if_leased = r.register_script(_SET_IF_LEASED)

    # records ------------------------------------------------------------------------------
    def create(self, fields: Mapping[str, str], who: str, now_ms: int) -> str:
        broadcast_id = str(self.r.incr(self.keys.broadcast_seq()))
        record = {**fields, "id": broadcast_id, "status": "draft", "created_by": who}
        record["created_at"] = str(now_ms)
        with self.r.pipeline(transaction=True) as pipe:
            pipe.hset(self.keys.broadcast(broadcast_id), mapping=dict(record))  # type: ignore[arg-type]
            pipe.rpush(self._log(broadcast_id), log_entry(who, "created", now_ms))
            pipe.execute()
        self.r.zadd(self.keys.broadcasts(), {broadcast_id: int(broadcast_id)})
        self.r.zremrangebyrank(self.keys.broadcasts(), 0, -LIST_CAP - 1)
        return broadcast_id

    def get(self, broadcast_id: str) -> Broadcast | None:
        record = cast(dict[str, str], self.r.hgetall(self.keys.broadcast(broadcast_id)))
        return Broadcast.from_record(record) if record else None

    def ids(self, limit: int = 50) -> list[str]:
        """Newest first."""
        return [str(i) for i in self.r.zrevrange(self.keys.broadcasts(), 0, max(0, limit - 1))]

    def all_ids(self) -> list[str]:
        return [str(i) for i in self.r.zrange(self.keys.broadcasts(), 0, -1)]

    def transition(
        self,
        broadcast_id: str,
        allowed: Iterable[str],
        status: str,
        *,
        who: str,
        action: str,
        now_ms: int,
        detail: str = "",
        fields: Mapping[str, str] | None = None,
        lease_owner: str = "",
    ) -> tuple[bool, str | None]:
        """Change the status if it is one of `allowed` (and the lease is held, when given).

        Returns (moved, the status found).
        """
        flat: list[str] = []
        for k, v in (fields or {}).items():
            flat += [k, v]
        b = broadcast_id
        keys = [self.keys.broadcast(b), self._log(b), self.keys.broadcast_lease(b)]
        entry = log_entry(who, action, now_ms, detail)
        args: list[str | int] = [lease_owner, ",".join(["", *allowed, ""]), status, entry, LOG_CAP]
        args += flat
        reply = self._transition(keys=keys, args=args)
        if not reply:
            return False, None
        return bool(int(reply[0])), str(reply[1])

    def log(self, broadcast_id: str, who: str, action: str, now_ms: int, detail: str = "") -> None:
        key = self._log(broadcast_id)
        with self.r.pipeline(transaction=True) as pipe:
            pipe.rpush(key, log_entry(who, action, now_ms, detail))
            pipe.ltrim(key, -LOG_CAP, -1)
            pipe.execute()

    def last_action(self, broadcast_id: str) -> str | None:
        last = self.r.lindex(self._log(broadcast_id), -1)
        return str(json.loads(last)["action"]) if last else None

    def history(self, broadcast_id: str) -> list[dict[str, object]]:
        return [json.loads(x) for x in self.r.lrange(self._log(broadcast_id), 0, -1)]

    def _log(self, broadcast_id: str) -> str:
        return self.keys.broadcast_part(broadcast_id, "log")

    # schedule -----------------------------------------------------------------------------
    def schedule(self, broadcast_id: str, due_ms: int) -> None:
        self.r.zadd(self.keys.broadcasts_due(), {broadcast_id: due_ms})

    def unschedule(self, broadcast_id: str) -> None:
        self.r.zrem(self.keys.broadcasts_due(), broadcast_id)

    def due(self, now_ms: int, limit: int = 10) -> list[str]:
        """Broadcasts whose next step is due, the longest waiting first."""
        found = self.r.zrangebyscore(self.keys.broadcasts_due(), "-inf", now_ms, start=0, num=limit)
        return [str(i) for i in found]

    def due_at(self, broadcast_id: str) -> int | None:
        score = self.r.zscore(self.keys.broadcasts_due(), broadcast_id)
        return None if score is None else int(score)

    # the sending lease --------------------------------------------------------------------
    def take_lease(self, broadcast_id: str, owner: str, lease_ms: int) -> bool:
        key = self.keys.broadcast_lease(broadcast_id)
        return bool(self.r.set(key, owner, nx=True, px=lease_ms))

    def renew_lease(self, broadcast_id: str, owner: str, lease_ms: int) -> bool:
        key = self.keys.broadcast_lease(broadcast_id)
        return bool(int(self._renew(keys=[key], args=[owner, lease_ms])))

    def release_lease(self, broadcast_id: str, owner: str) -> None:
        self._release(keys=[self.keys.broadcast_lease(broadcast_id)], args=[owner])

    def set_if_leased(self, broadcast_id: str, owner: str, fields: Mapping[str, str]) -> bool:
        """Write progress fields only while still holding the lease (a stalled worker cannot)."""
        flat: list[str] = []
        for k, v in fields.items():
            flat += [k, v]
        keys = [self.keys.broadcast_lease(broadcast_id), self.keys.broadcast(broadcast_id)]
        return bool(int(self._set_if_leased(keys=keys, args=[owner, *flat])))
