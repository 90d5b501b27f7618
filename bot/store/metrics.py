"""Counters and histograms kept in Redis, so every process on every machine adds to one series."""

from __future__ import annotations

import json
import logging
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import redis

from bot.store.client import Redis
from bot.store.keys import Keys

log = logging.getLogger(__name__)

# Seconds; the webhook must answer within 2 s and a worker turn usually takes well under 1 s.
BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
MAX_LABEL_CHARS = 64  # label values come from small fixed sets; this only guards against mistakes


@dataclass(frozen=True)
class Family:
    """One metric family: callers use `name`; /metrics exports it as `nd_<name>`."""

    name: str
    kind: Literal["counter", "histogram"]
    help: str
    labels: tuple[str, ...]


WEBHOOK_REQUESTS = "webhook_requests"
EVENT_SECONDS = "event_processing_seconds"
INTENTS = "intents"
ZALO_CALLS = "zalo_api_calls"
BROADCAST_SENDS = "broadcast_sends"
CONSOLE_REFUSALS = "console_refusals"

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(WEBHOOK_REQUESTS, "counter", "Webhook POSTs answered, by outcome.", ("outcome",)),
        Family(EVENT_SECONDS, "histogram", "Seconds a worker spent on one event.", ("event",)),
        Family(INTENTS, "counter", "Handled turns by intent and outcome.", ("intent", "outcome")),
        Family(
            ZALO_CALLS,
            "counter",
            "Zalo API calls by endpoint and error code (0 is success).",
            ("endpoint", "code"),
        ),
        Family(BROADCAST_SENDS, "counter", "Broadcast recipients handled, by result.", ("result",)),
        Family(
            CONSOLE_REFUSALS,
            "counter",
            "Console logins and API calls refused before anyone was identified, by reason.",
            ("reason",),
        ),
    )
}


@dataclass(frozen=True)
class Histogram:
    """A histogram's state: cumulative (upper bound, count) pairs ending at +Inf, sum, count."""

    buckets: tuple[tuple[float, int], ...]
    sum: float
    count: int


Series = dict[tuple[str, ...], float | Histogram]


class Metrics:
    def __init__(self, r: Redis, keys: Keys, families: Mapping[str, Family] = FAMILIES):
        self.r, self.keys, self.families = r, keys, families

    def inc(self, family: str, labels: Mapping[str, object] | None = None, value: int = 1) -> None:
        """Add `value` to a counter; a Redis failure loses the increment, never the request."""
        fam = self._family(family, "counter")
        if not isinstance(value, int) or value < 0:
            raise ValueError("a counter grows by a non-negative whole number")
        field = json.dumps(_values(fam, labels))
        self._write(lambda pipe: pipe.hincrby(self.keys.metric(fam.name), field, value))

    def observe(self, family: str, labels: Mapping[str, object] | None, seconds: float) -> None:
        """Record one duration: its bucket, the sum and the count, in one pipeline."""
        fam = self._family(family, "histogram")
        values = _values(fam, labels)
        key = self.keys.metric(fam.name)
        bucket = bisect_left(BUCKETS, seconds)  # first bound >= seconds; len(BUCKETS) is +Inf

        def write(pipe: redis.client.Pipeline) -> None:
            pipe.hincrby(key, json.dumps([f"b{bucket}", *values]), 1)
            pipe.hincrbyfloat(key, json.dumps(["sum", *values]), float(seconds))
            pipe.hincrby(key, json.dumps(["count", *values]), 1)

        self._write(write)

    @contextmanager
    def timed(self, family: str, labels: Mapping[str, object] | None = None) -> Iterator[None]:
        """Observe how long the body of a `with` block took."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.observe(family, labels, time.monotonic() - started)

    def snapshot(self) -> dict[str, Series]:
        """Every family's series, read in one round trip."""
        names = list(self.families)
        with self.r.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hgetall(self.keys.metric(name))
            raw = pipe.execute()
        out: dict[str, Series] = {}
        for name, fields in zip(names, raw, strict=True):
            fam = self.families[name]
            out[name] = _counters(fields) if fam.kind == "counter" else _histograms(fields)
        return out

    def _family(self, name: str, kind: str) -> Family:
        fam = self.families.get(name)
        if fam is None or fam.kind != kind:
            raise ValueError(f"no {kind} metric family named {name!r}")
        return fam

    def _write(self, commands: Callable[[redis.client.Pipeline], object]) -> None:
        try:
            with self.r.pipeline(transaction=False) as pipe:
                commands(pipe)
                pipe.execute()
        except redis.RedisError as exc:
            log.debug("metric not recorded", extra={"error": type(exc).__name__})


def _values(fam: Family, labels: Mapping[str, object] | None) -> list[str]:
    given = dict(labels or {})
    if set(given) != set(fam.labels):
        raise ValueError(f"{fam.name} takes labels {fam.labels}, got {tuple(given)}")
    return [str(given[name])[:MAX_LABEL_CHARS] for name in fam.labels]


def _counters(fields: Mapping[str, str]) -> Series:
    return {tuple(json.loads(field)): float(value) for field, value in fields.items()}


def _histograms(fields: Mapping[str, str]) -> Series:
    parts: dict[tuple[str, ...], dict[str, float]] = {}
    for field, value in fields.items():
        part, *values = json.loads(field)
        parts.setdefault(tuple(values), {})[part] = float(value)
    out: Series = {}
    for values, got in parts.items():
        running, cumulative = 0, []
        for i, bound in enumerate((*BUCKETS, float("inf"))):
            running += int(got.get(f"b{i}", 0))
            cumulative.append((bound, running))
        out[values] = Histogram(tuple(cumulative), got.get("sum", 0.0), int(got.get("count", 0)))
    return out


class BufferedMetrics:
    """Counter increments and histogram observations kept in memory and added to Redis at most
    once per `interval`.

    For hot paths such as the webhook and the worker's turns: the request pays no extra round
    trip; a process that dies loses at most `interval` seconds of figures.
    """

    def __init__(
        self,
        metrics: Metrics,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.metrics, self.interval, self.clock = metrics, interval, clock
        self._ints: dict[tuple[str, str], int] = {}
        self._floats: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._flushed = float("-inf")

    def inc(self, family: str, labels: Mapping[str, object] | None = None, value: int = 1) -> None:
        fam = self.metrics._family(family, "counter")
        if not isinstance(value, int) or value < 0:
            raise ValueError("a counter grows by a non-negative whole number")
        key = self.metrics.keys.metric(fam.name)
        self._add([((key, json.dumps(_values(fam, labels))), value)], [])

    def observe(self, family: str, labels: Mapping[str, object] | None, seconds: float) -> None:
        """One duration, as `Metrics.observe` records it, added to Redis with the next flush."""
        fam = self.metrics._family(family, "histogram")
        values = _values(fam, labels)
        key = self.metrics.keys.metric(fam.name)
        bucket = bisect_left(BUCKETS, seconds)
        ints = [
            ((key, json.dumps([f"b{bucket}", *values])), 1),
            ((key, json.dumps(["count", *values])), 1),
        ]
        self._add(ints, [((key, json.dumps(["sum", *values])), float(seconds))])

    def _add(
        self, ints: list[tuple[tuple[str, str], int]], floats: list[tuple[tuple[str, str], float]]
    ) -> None:
        with self._lock:
            for k, n in ints:
                self._ints[k] = self._ints.get(k, 0) + n
            for k, x in floats:
                self._floats[k] = self._floats.get(k, 0.0) + x
            due = self.clock() - self._flushed >= self.interval
        if due:
            self.flush()

    def flush_if_due(self) -> None:
        """Flush what is held once the interval has passed (for an idle loop)."""
        with self._lock:
            due = (self._ints or self._floats) and self.clock() - self._flushed >= self.interval
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            ints, floats, self._ints, self._floats = self._ints, self._floats, {}, {}
            self._flushed = self.clock()
        if ints or floats:
            self.metrics._write(lambda pipe: _queue_increments(pipe, ints, floats))


def _queue_increments(
    pipe: redis.client.Pipeline,
    ints: Mapping[tuple[str, str], int],
    floats: Mapping[tuple[str, str], float],
) -> None:
    for (key, field), n in ints.items():
        pipe.hincrby(key, field, n)
    for (key, field), x in floats.items():
        pipe.hincrbyfloat(key, field, x)
