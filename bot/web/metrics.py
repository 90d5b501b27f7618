"""GET /metrics: the shared Redis counters plus live gauges, in Prometheus text format."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from bot.services.runtime import Runtime
from bot.store.client import RedisError
from bot.store.metrics import FAMILIES, Family, Histogram, Metrics, Series

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)
PREFIX = "nd_"
WORKER_STALE_SECONDS = 30.0  # the same threshold /healthz uses
RECENT_BROADCASTS = 20  # only these can still be sending; keeps a scrape cheap


class BotCollector:
    """Reads everything at scrape time, so any web process answers for the whole deployment."""

    def __init__(self, rt: Runtime):
        self.rt = rt

    def collect(self) -> Iterator[Metric]:
        try:
            snapshot = Metrics(self.rt.redis, self.rt.keys).snapshot()
        except RedisError:
            yield _gauge("redis_up", "Whether this web process can reach Redis.", 0)
            return
        yield _gauge("redis_up", "Whether this web process can reach Redis.", 1)
        yield _gauge(
            "webhook_verifying",
            "1 once ZALO_OA_SECRET_KEY is set and events are processed.",
            int(self.rt.settings.webhook_verifying),
        )
        for fam in FAMILIES.values():
            yield _family(fam, snapshot.get(fam.name, {}))
        for part in (_queue, _workers, _token, _broadcasts):
            yield from _guarded(part, self.rt)


def _guarded(part: Callable[[Runtime], Iterator[Metric]], rt: Runtime) -> Iterator[Metric]:
    """One part failing (say, a module not deployed yet) must not blank the whole scrape."""
    try:
        yield from list(part(rt))
    except Exception as exc:
        log.warning("metrics part failed", extra={"part": part.__name__, "error": repr(exc)[:200]})


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(PREFIX + name, doc, value=value)


def _family(fam: Family, series: Series) -> Metric:
    name = PREFIX + fam.name
    labels = list(fam.labels)
    if fam.kind == "counter":
        counter = CounterMetricFamily(name, fam.help, labels=labels)
        for values, value in sorted(series.items()):
            counter.add_metric(list(values), float(value))  # type: ignore[arg-type]
        return counter
    hist = HistogramMetricFamily(name, fam.help, labels=labels)
    for values, h in sorted(series.items()):
        assert isinstance(h, Histogram)
        buckets = [(_bound(le), float(n)) for le, n in h.buckets]
        hist.add_metric(list(values), buckets, h.sum)
    return hist


def _bound(le: float) -> str:
    return "+Inf" if le == float("inf") else repr(le)


def _queue(rt: Runtime) -> Iterator[Metric]:
    depth = rt.inbound.depth()
    yield _gauge("inbound_queue_length", "Events held in the inbound streams.", depth["length"])
    yield _gauge(
        "inbound_unprocessed", "Inbound events not yet handled by a worker.", depth["unprocessed"]
    )


def _workers(rt: Runtime) -> Iterator[Metric]:
    ages = rt.workers.ages(time.time())
    live = [age for age in ages.values() if age < WORKER_STALE_SECONDS]
    yield _gauge("workers_live", "Workers with a recent heartbeat.", len(live))
    if ages:
        yield _gauge(
            "worker_heartbeat_age_seconds",
            "Seconds since the most recent worker heartbeat.",
            min(ages.values()),
        )


def _token(rt: Runtime) -> Iterator[Metric]:
    if rt.settings.local_mode:
        return
    state = rt.tokens.state()
    status = str(state.get("status") or "unknown")
    info = GaugeMetricFamily(
        PREFIX + "zalo_token_status", "The access token's state (1 for the current one).",
        labels=["status"],
    )  # fmt: skip
    info.add_metric([status], 1)
    yield info
    left = state.get("seconds_left")
    if left is not None:
        yield _gauge(
            "zalo_token_seconds_left", "Seconds until the Zalo access token expires.", float(left)
        )


def _broadcasts(rt: Runtime) -> Iterator[Metric]:
    """Recipients of each broadcast being sent, by delivery state (total = frozen audience)."""
    from bot.store.broadcast_recipients import KINDS, Recipients
    from bot.store.broadcasts import BroadcastStore

    gauge = GaugeMetricFamily(
        PREFIX + "broadcast_recipients",
        "Recipients of broadcasts being sent, by delivery state.",
        labels=["broadcast", "state"],
    )
    store = BroadcastStore(rt.redis, rt.keys)
    for broadcast_id in store.ids(limit=RECENT_BROADCASTS):
        b = store.get(broadcast_id)
        if b is None or b.status != "sending":
            continue
        counts = Recipients(rt.redis, rt.keys, broadcast_id).counts()
        gauge.add_metric([broadcast_id, "total"], float(b.total))
        for state in KINDS:
            gauge.add_metric([broadcast_id, state], float(counts.get(state, 0)))
    yield gauge


@bp.get("/metrics")
def metrics() -> Response:
    current_app.extensions["bot"].hot_metrics.flush()  # this process's recent webhook counts
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BotCollector(current_app.extensions["bot"]))  # type: ignore[arg-type]
    return Response(generate_latest(registry), mimetype=None, content_type=CONTENT_TYPE_LATEST)
