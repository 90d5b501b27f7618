"""Approved content in Redis: the live snapshot, its revision, every approved version of every
document, and the proposed changes.

All keys share the {content} hash tag, so one script commits a new revision (snapshot, revision
number, history records, the change's new state, what the files held) or nothing at all. The
history lists grow by one record per approved change of a document and are never trimmed: they
are the medical record of what residents were told. They need Redis persistence (AOF), like
subscriptions and broadcasts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.store.client import Redis
from bot.store.keys import Keys

# KEYS[1] rev, KEYS[2] live, KEYS[3] filebase, KEYS[4] file-digests, KEYS[5] change,
# KEYS[6] the change index, KEYS[7..] one history list per changed document.
# ARGV[1] expected revision, ARGV[2] new live snapshot, ARGV[3] new filebase ("" = keep),
# ARGV[4] file digest to remember ("" = none), ARGV[5] change record ("" = none),
# ARGV[6] status the change must have now ("" = any), ARGV[7] the change's time in ms to index
# it ("" = already indexed), ARGV[8..] history records (KEYS[7..] order).
# Returns the new revision, -1 when the revision moved, -2 when the change's status did.
_COMMIT = """
local rev = tonumber(redis.call('GET', KEYS[1]) or '0')
if rev ~= tonumber(ARGV[1]) then return -1 end
if ARGV[6] ~= '' then
  local cur = redis.call('GET', KEYS[5])
  if (not cur) or cjson.decode(cur)['status'] ~= ARGV[6] then return -2 end
end
rev = rev + 1
redis.call('SET', KEYS[1], rev)
redis.call('SET', KEYS[2], ARGV[2])
if ARGV[3] ~= '' then redis.call('SET', KEYS[3], ARGV[3]) end
if ARGV[4] ~= '' then redis.call('SADD', KEYS[4], ARGV[4]) end
if ARGV[5] ~= '' then redis.call('SET', KEYS[5], ARGV[5]) end
if ARGV[7] ~= '' then redis.call('ZADD', KEYS[6], ARGV[7], cjson.decode(ARGV[5])['id']) end
for i = 8, #ARGV do redis.call('RPUSH', KEYS[i - 1], ARGV[i]) end
return rev
"""

# KEYS[1] rev, KEYS[2] filebase, KEYS[3] file-digests; ARGV[1] expected revision, ARGV[2] what
# the files hold, ARGV[3] their digest. 1 when remembered, 0 when the revision moved.
_REMEMBER_FILES = """
if tonumber(redis.call('GET', KEYS[1]) or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return 1
"""

# KEYS[1] change; ARGV[1] status it must have, ARGV[2] the new record. 1 when replaced.
_SET_IF = """
local cur = redis.call('GET', KEYS[1])
if (not cur) or cjson.decode(cur)['status'] ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class ContentVersions:
    def __init__(self, r: Redis, keys: Keys):
        self.r, self.keys = r, keys
        self._commit = r.register_script(_COMMIT)
        self._set_if = r.register_script(_SET_IF)
        self._remember = r.register_script(_REMEMBER_FILES)

    # the live snapshot ---------------------------------------------------------------------
    def revision(self) -> int:
        return int(self.r.get(self.keys.content("rev")) or 0)

    def live(self) -> tuple[int, str | None]:
        """The revision and its snapshot, read together."""
        with self.r.pipeline(transaction=True) as pipe:
            pipe.get(self.keys.content("rev"))
            pipe.get(self.keys.content("live"))
            rev, live = pipe.execute()
        return int(rev or 0), live

    def commit(
        self,
        expected_rev: int,
        live: str,
        history: Mapping[str, Mapping[str, Any]],
        *,
        change: Mapping[str, Any] | None = None,
        change_status: str = "",
        index_ms: int | None = None,
        filebase: Mapping[str, Any] | None = None,
        file_digest: str = "",
    ) -> int:
        """Commit a new revision; the new number, -1 if another commit came first, -2 if the
        change is no longer in `change_status`."""
        change_id = str(change["id"]) if change else "-"
        keys = [
            self.keys.content("rev"),
            self.keys.content("live"),
            self.keys.content("filebase"),
            self.keys.content("file-digests"),
            self.keys.content_change(change_id),
            self.keys.content("changes"),
            *(self.keys.content_history(doc) for doc in history),
        ]
        args = [
            expected_rev,
            live,
            _dumps(filebase) if filebase is not None else "",
            file_digest,
            _dumps(change) if change else "",
            change_status,
            "" if index_ms is None else index_ms,
            *(_dumps(record) for record in history.values()),
        ]
        return int(self._commit(keys=keys, args=args))

    # what the files held -------------------------------------------------------------------
    def filebase(self) -> dict[str, Any] | None:
        raw = self.r.get(self.keys.content("filebase"))
        return json.loads(raw) if raw else None

    def remember_files(self, expected_rev: int, filebase: Mapping[str, Any], digest: str) -> bool:
        """Record what the files hold (same content as revision `expected_rev`)."""
        keys = [self.keys.content(p) for p in ("rev", "filebase", "file-digests")]
        return bool(self._remember(keys=keys, args=[expected_rev, _dumps(filebase), digest]))

    def knows_files(self, digest: str) -> bool:
        return bool(self.r.sismember(self.keys.content("file-digests"), digest))

    # history -------------------------------------------------------------------------------
    def history(self, doc: str) -> list[dict[str, Any]]:
        """Every approved version of a document, oldest first, numbered from 1."""
        rows = self.r.lrange(self.keys.content_history(doc), 0, -1)
        return [{**json.loads(raw), "version": i} for i, raw in enumerate(rows, 1)]

    def version_count(self, doc: str) -> int:
        return int(self.r.llen(self.keys.content_history(doc)))

    def version(self, doc: str, number: int) -> dict[str, Any] | None:
        if number < 1:
            return None
        raw = self.r.lindex(self.keys.content_history(doc), number - 1)
        return {**json.loads(raw), "version": number} if raw else None

    # changes -------------------------------------------------------------------------------
    def new_change_id(self) -> str:
        return str(self.r.incr(self.keys.content("change-seq")))

    def add_change(self, change: Mapping[str, Any], created_ms: int) -> None:
        with self.r.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.content_change(str(change["id"])), _dumps(change))
            pipe.zadd(self.keys.content("changes"), {str(change["id"]): created_ms})
            pipe.execute()

    def change(self, change_id: str) -> dict[str, Any] | None:
        raw = self.r.get(self.keys.content_change(change_id))
        return json.loads(raw) if raw else None

    def set_change_if(self, change: Mapping[str, Any], status: str) -> bool:
        """Replace the change record if it is still in `status`."""
        key = self.keys.content_change(str(change["id"]))
        return bool(self._set_if(keys=[key], args=[status, _dumps(change)]))

    def recent_changes(self, limit: int = 200) -> list[dict[str, Any]]:
        ids = self.r.zrevrange(self.keys.content("changes"), 0, limit - 1)
        if not ids:
            return []
        with self.r.pipeline(transaction=False) as pipe:
            for change_id in ids:
                pipe.get(self.keys.content_change(str(change_id)))
            rows = pipe.execute()
        return [json.loads(raw) for raw in rows if raw]
