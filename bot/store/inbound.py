"""The inbound event queue: dedupe, partitioned Redis streams, consumer groups, replied marks.

Each resident's events go to one partition (a stream with its own consumer group), and a
partition is processed by one worker at a time under a lease, so a resident's messages are
handled in order while different residents are spread over workers.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import redis
from redis.cluster import RedisCluster

from bot.errors import StoreUnavailable
from bot.store.client import Redis
from bot.store.keys import INBOUND_GROUP, Keys

DEDUPE_SECONDS = 2 * 24 * 3600  # Zalo retries for about an hour; keep ids well beyond that
# Entries are deleted once handled; one still queued after this long is trimmed (a replay that
# old is refused at the webhook anyway), so no resident's message stays in Redis for long.
MAX_AGE_MS = DEDUPE_SECONDS * 1000
REPLIED_SECONDS = 2 * 24 * 3600
LAST_SEEN_SECONDS = 8 * 24 * 3600  # the consultation window is 7 days


# KEYS[1] dedupe key, KEYS[2] partition stream, KEYS[3] (optional) the resident's last-seen key;
# ARGV: dedupe ttl, stream maxlen, event id, user id, kind, body, received ms, oldest id kept
# [, seen ms, seen ttl]. Records the interaction when KEYS[3] is given, then queues the event
# unless its id was seen, trimming entries older than the oldest id kept; 1 if queued. KEYS[3]
# has another hash tag, so it is passed only to a single server.
_ACCEPT = """
if KEYS[3] then redis.call('SET', KEYS[3], ARGV[9], 'EX', ARGV[10]) end
if not redis.call('SET', KEYS[1], ARGV[7], 'NX', 'EX', ARGV[1]) then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*',
  'e', ARGV[3], 'u', ARGV[4], 'k', ARGV[5], 'b', ARGV[6], 't', ARGV[7])
redis.call('XTRIM', KEYS[2], 'MINID', ARGV[8])
return 1
"""


@dataclass(frozen=True)
class Entry:
    partition: int
    entry_id: str
    event_id: str
    user_id: str
    kind: str
    body: str
    received_ms: int
    deliveries: int = 1


def partition_of(user_id: str, partitions: int) -> int:
    return zlib.crc32(user_id.encode()) % partitions


class Inbound:
    def __init__(self, r: Redis, keys: Keys, *, partitions: int = 8, maxlen: int = 100_000):
        self.r, self.keys, self.partitions = r, keys, partitions
        self.maxlen_each = max(100, maxlen // partitions)
        self._accept = r.register_script(_ACCEPT)
        self.cluster = isinstance(r, RedisCluster)

    # producer side (webhook) ------------------------------------------------------------
    def accept(
        self, event_id: str, user_id: str, kind: str, body: str, now_ms: int, *, seen_ms: int | None
    ) -> bool:
        """Queue an event once; False when it was already accepted (a Zalo retry).

        One round trip: on a single server one script records the interaction, checks the id and
        queues; on a cluster the script (dedupe key and stream share the partition's hash tag)
        is pipelined with the consultation-window record, which lives under the resident's tag.
        """
        partition = partition_of(user_id, self.partitions)
        keys = [self.keys.dedupe(partition, event_id), self.keys.inbound(partition)]
        oldest = max(0, now_ms - MAX_AGE_MS)
        args = [DEDUPE_SECONDS, self.maxlen_each, event_id, user_id, kind, body, now_ms, oldest]
        try:
            if not self.cluster:
                if seen_ms is not None:
                    keys.append(self.keys.last_seen(user_id))
                    args += [seen_ms, LAST_SEEN_SECONDS]
                return bool(self._accept(keys=keys, args=args))  # loads the script if missing
            with self.r.pipeline(transaction=False) as pipe:
                self._accept(keys=keys, args=args, client=pipe)  # sent whole (EVAL) on a cluster
                if seen_ms is not None:
                    pipe.set(self.keys.last_seen(user_id), seen_ms, ex=LAST_SEEN_SECONDS)
                return bool(pipe.execute()[0])
        except redis.RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc

    def record_interaction(self, user_id: str, now_ms: int) -> None:
        """The resident's last interaction: Zalo's 7-day consultation window."""
        try:
            self.r.set(self.keys.last_seen(user_id), now_ms, ex=LAST_SEEN_SECONDS)
        except redis.RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc

    # consumer side (worker) -------------------------------------------------------------
    def ensure_groups(self) -> None:
        for p in range(self.partitions):
            try:
                self.r.xgroup_create(self.keys.inbound(p), INBOUND_GROUP, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    def reclaim(self, partition: int, consumer: str) -> None:
        """Take over every pending entry of a partition this consumer now leases."""
        stream, start = self.keys.inbound(partition), "0-0"
        for _ in range(1000):  # bounded: each round moves up to 100 entries
            reply = self.r.xautoclaim(stream, INBOUND_GROUP, consumer, 0, start, count=100)
            start = reply[0]
            if start == "0-0":
                return

    def read(self, partition: int, consumer: str, *, pending: bool, count: int = 20) -> list[Entry]:
        """Own pending entries first (after a reclaim), then new ones, oldest first."""
        stream = self.keys.inbound(partition)
        reply = self.r.xreadgroup(
            INBOUND_GROUP, consumer, {stream: "0" if pending else ">"}, count=count
        )
        entries: list[Entry] = []
        for _name, items in reply or []:
            for entry_id, fields in items:
                if not fields:  # trimmed away while pending
                    self.r.xack(stream, INBOUND_GROUP, entry_id)
                    continue
                entries.append(_entry(partition, entry_id, fields))
        return entries

    def wait_new(
        self, partitions: list[int], consumer: str, *, block_ms: int, count: int = 20
    ) -> dict[int, list[Entry]]:
        """New entries of any of `partitions`, waiting up to `block_ms` for the first to arrive.

        One blocking read over every stream, so an idle worker answers as soon as an event is
        queued instead of on its next poll. The streams carry different hash tags, so this is
        for a single server only; on a cluster the caller polls each partition.
        """
        if not partitions:
            return {}
        of_stream = {self.keys.inbound(p): p for p in partitions}
        reply = self.r.xreadgroup(
            INBOUND_GROUP, consumer, dict.fromkeys(of_stream, ">"), count=count, block=block_ms
        )
        found: dict[int, list[Entry]] = {}
        for name, items in reply or []:
            partition = of_stream[name]
            found[partition] = [_entry(partition, i, f) for i, f in items if f]
        return found

    def ack(self, entry: Entry) -> None:
        """Done with an entry: acknowledged and deleted, so the resident's message (their id,
        maybe a phone number) does not stay in Redis after it was handled."""
        stream = self.keys.inbound(entry.partition)
        with self.r.pipeline(transaction=False) as pipe:
            pipe.xack(stream, INBOUND_GROUP, entry.entry_id)
            pipe.xdel(stream, entry.entry_id)
            pipe.execute()

    def forget(self, user_id: str) -> int:
        """Delete every queued entry of a resident (a deletion request); how many went."""
        stream, start, removed = self.keys.inbound(partition_of(user_id, self.partitions)), "-", 0
        for _ in range(10_000):  # bounded: each round reads up to 500 entries
            items = self.r.xrange(stream, min=start, max="+", count=500)
            theirs = [i for i, f in items if f and f.get("u") == user_id]
            if theirs:
                removed += int(self.r.xdel(stream, *theirs))
            if len(items) < 500:
                break
            start = "(" + str(items[-1][0])
        return removed

    # exactly-once replies ---------------------------------------------------------------
    def begin_send(self, mark: str, now_ms: int) -> tuple[bool, int | None]:
        """One round trip before a send: (already replied, when an earlier attempt began).

        Marks the send as begun at `now_ms` unless an earlier attempt's mark is there: that one
        is kept and returned, so the caller can ask Zalo whether the interrupted send arrived.
        """
        with self.r.pipeline(transaction=False) as pipe:
            pipe.exists(self.keys.replied(mark))
            pipe.get(self.keys.sending(mark))
            pipe.set(self.keys.sending(mark), now_ms, nx=True, ex=REPLIED_SECONDS)
            replied, since, _ = pipe.execute()
        return bool(replied), int(str(since)) if since else None

    def mark_sending(self, event_id: str, now_ms: int) -> None:
        self.r.set(self.keys.sending(event_id), now_ms, ex=REPLIED_SECONDS)

    def mark_replied(self, event_id: str) -> None:
        self.r.set(self.keys.replied(event_id), 1, ex=REPLIED_SECONDS)

    # health ------------------------------------------------------------------------------
    def depth(self) -> dict[str, int]:
        """Queued (length) and not yet processed (lag + pending) across partitions."""
        length = waiting = 0
        for p in range(self.partitions):
            stream = self.keys.inbound(p)
            length += int(self.r.xlen(stream))
            waiting += _unprocessed(self.r, stream)
        return {"length": length, "unprocessed": waiting}


def _unprocessed(r: Redis, stream: str) -> int:
    try:
        groups = r.xinfo_groups(stream)
    except redis.ResponseError:
        return 0
    for g in groups:
        if g.get("name") == INBOUND_GROUP:
            lag = g.get("lag")
            return int(g.get("pending") or 0) + (int(lag) if lag is not None else 0)
    return 0


def _entry(partition: int, entry_id: str, f: dict[str, str]) -> Entry:
    return Entry(
        partition=partition,
        entry_id=entry_id,
        event_id=f.get("e", entry_id),
        user_id=f.get("u", ""),
        kind=f.get("k", ""),
        body=f.get("b", "{}"),
        received_ms=int(f.get("t", "0")),
    )
