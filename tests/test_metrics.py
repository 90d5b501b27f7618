"""Metrics kept in Redis and scraped from GET /metrics, as Prometheus would see them."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from bot.store.broadcast_recipients import Recipients, RecipientState
from bot.store.broadcasts import BroadcastStore
from bot.store.keys import Keys
from bot.store.metrics import Histogram, Metrics
from tests.fakezalo.events import APP_ID, OA_SECRET, sign_event, text_event
from tests.redis_server import client_for


@pytest.fixture
def app(redis_url: str, tmp_path: Path) -> Flask:
    return create_app(
        {
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": "mt:",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "ZALO_APP_ID": APP_ID,
            "ZALO_APP_SECRET": "app-secret",
            "ZALO_REFRESH_TOKEN": "seed-refresh",
            "ZALO_OA_SECRET_KEY": OA_SECRET,
            "SECRET_KEY": "test",
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def metrics(rdb: redis.Redis) -> Metrics:
    return Metrics(rdb, Keys("mt:"))


def scrape(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics keyed by (sample name, sorted labels)."""
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.content_type.startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(resp.get_data(as_text=True)):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def test_counter_increments_show_up_in_the_scrape(client: FlaskClient, metrics: Metrics) -> None:
    key = ("nd_intents_total", (("intent", "faq"), ("outcome", "answer")))
    assert key not in scrape(client)
    metrics.inc("intents", {"intent": "faq", "outcome": "answer"})
    metrics.inc("intents", {"intent": "faq", "outcome": "answer"}, 2)
    metrics.inc("zalo_api_calls", {"endpoint": "message/cs", "code": -230})
    samples = scrape(client)
    assert samples[key] == 3
    assert samples[("nd_zalo_api_calls_total", (("code", "-230"), ("endpoint", "message/cs")))] == 1


def test_histogram_buckets_are_cumulative(client: FlaskClient, metrics: Metrics) -> None:
    for seconds in (0.003, 0.2, 0.2, 7.0, 99.0):
        metrics.observe("event_processing_seconds", {"event": "user_send_text"}, seconds)
    samples = scrape(client)
    lab = (("event", "user_send_text"),)

    def bucket(le: str) -> float:
        return samples[("nd_event_processing_seconds_bucket", (*lab, ("le", le)))]

    assert bucket("0.005") == 1
    assert bucket("0.25") == 3
    assert bucket("10.0") == 4
    assert bucket("+Inf") == 5
    assert samples[("nd_event_processing_seconds_count", lab)] == 5
    assert samples[("nd_event_processing_seconds_sum", lab)] == pytest.approx(106.403)


def test_two_processes_share_one_series(redis_url: str) -> None:
    """Separate clients (as separate gunicorn workers or machines would be) add to one total."""
    first = Metrics(client_for(redis_url), Keys("mt:"))
    second = Metrics(client_for(redis_url), Keys("mt:"))
    first.inc("broadcast_sends", {"result": "sent"})
    second.inc("broadcast_sends", {"result": "sent"}, 4)
    assert first.snapshot()["broadcast_sends"] == {("sent",): 5.0}


def test_wrong_family_or_labels_are_programming_errors(metrics: Metrics) -> None:
    with pytest.raises(ValueError):
        metrics.inc("no_such_family", {})
    with pytest.raises(ValueError):
        metrics.inc("intents", {"intent": "faq"})
    with pytest.raises(ValueError):
        metrics.observe("intents", {"intent": "faq", "outcome": "answer"}, 0.1)
    with pytest.raises(ValueError):
        metrics.inc("webhook_requests", {"outcome": "queued"}, -1)


def test_redis_down_loses_the_metric_not_the_caller() -> None:
    dead = redis.Redis(port=1, socket_connect_timeout=0.2)
    Metrics(dead, Keys("mt:")).inc("webhook_requests", {"outcome": "queued"})  # must not raise


def test_live_gauges_and_redis_up(client: FlaskClient) -> None:
    samples = scrape(client)
    assert samples[("nd_redis_up", ())] == 1
    assert samples[("nd_inbound_queue_length", ())] == 0
    assert samples[("nd_workers_live", ())] == 0
    assert samples[("nd_webhook_verifying", ())] == 1


def test_token_gauges_outside_local_mode(redis_url: str, tmp_path: Path) -> None:
    app = create_app(
        {
            "REDIS_URL": redis_url,
            "INSTANCE_PATH": str(tmp_path),
            "ZALO_APP_ID": APP_ID,
            "ZALO_APP_SECRET": "app-secret",
            "ZALO_ACCESS_TOKEN": "seed-access",
            "ZALO_REFRESH_TOKEN": "seed-refresh",
            "SECRET_KEY": "t",
        }
    )
    samples = scrape(app.test_client())
    state = app.extensions["bot"].tokens.state()
    assert samples[("nd_zalo_token_status", (("status", state["status"]),))] == 1
    left = samples[("nd_zalo_token_seconds_left", ())]
    assert left == pytest.approx(state["seconds_left"], abs=5)


def test_broadcast_progress_while_sending(
    app: Flask, client: FlaskClient, rdb: redis.Redis
) -> None:
    keys = Keys("mt:")
    store = BroadcastStore(rdb, keys)
    done = store.create({"topic": "lich-tiem", "text": "Lịch tiêm"}, "officer", 1)
    sending = store.create({"topic": "lich-tiem", "text": "Lịch tiêm"}, "officer", 2)
    rdb.hset(keys.broadcast(done), mapping={"status": "done", "total": "9"})
    rdb.hset(keys.broadcast(sending), mapping={"status": "sending", "total": "3"})
    recipients = Recipients(rdb, keys, sending)
    recipients.append(["1001", "1002", "1003"])
    recipients.move(["1001", "1002"], RecipientState("sent", at_ms=5), ["queued"])
    samples = scrape(client)

    def gauge(b: str, state: str) -> float | None:
        return samples.get(("nd_broadcast_recipients", (("broadcast", b), ("state", state))))

    assert gauge(sending, "total") == 3
    assert gauge(sending, "sent") == 2
    assert gauge(sending, "failed") == 0
    assert gauge(done, "total") is None  # finished broadcasts have their report instead


def test_scrape_without_redis_says_so(tmp_path: Path) -> None:
    app = create_app(
        {"REDIS_URL": "redis://127.0.0.1:1/0", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t"}
    )
    samples = scrape(app.test_client())
    assert samples[("nd_redis_up", ())] == 0


def test_webhook_outcomes_are_counted(client: FlaskClient) -> None:
    """Needs the webhook to call Metrics.inc('webhook_requests', {'outcome': ...})."""
    raw, headers = sign_event(text_event("1234567890123456789", "xin chào"), OA_SECRET)
    assert client.post("/webhook/zalo", data=raw, headers=headers).status_code == 200
    assert client.post("/webhook/zalo", data=raw, headers=headers).status_code == 200
    samples = scrape(client)
    assert samples.get(("nd_webhook_requests_total", (("outcome", "queued"),))) == 1
    assert samples.get(("nd_webhook_requests_total", (("outcome", "duplicate"),))) == 1


def test_buffered_counters_reach_redis_once_per_interval(metrics: Metrics) -> None:
    from bot.store.metrics import WEBHOOK_REQUESTS, BufferedMetrics

    now = [100.0]
    counters = BufferedMetrics(metrics, interval=1.0, clock=lambda: now[0])

    def stored() -> float:
        series = metrics.snapshot()[WEBHOOK_REQUESTS]
        return float(series.get(("queued",), 0))  # type: ignore[arg-type]

    counters.inc(WEBHOOK_REQUESTS, {"outcome": "queued"})  # the first one goes at once
    assert stored() == 1
    for _ in range(5):
        counters.inc(WEBHOOK_REQUESTS, {"outcome": "queued"})
    assert stored() == 1  # held in memory within the interval
    now[0] += 1.5
    counters.inc(WEBHOOK_REQUESTS, {"outcome": "queued"})
    assert stored() == 7
    counters.inc(WEBHOOK_REQUESTS, {"outcome": "queued"})
    counters.flush()
    assert stored() == 8


def test_buffered_durations_match_direct_ones(metrics: Metrics) -> None:
    from bot.store.metrics import EVENT_SECONDS, BufferedMetrics

    now = [100.0]
    buffered = BufferedMetrics(metrics, interval=1.0, clock=lambda: now[0])
    labels = {"event": "user_send_text"}
    buffered.observe(EVENT_SECONDS, labels, 0.003)  # the first one goes at once
    for seconds in (0.02, 0.2, 7.0):
        buffered.observe(EVENT_SECONDS, labels, seconds)
    held = metrics.snapshot()[EVENT_SECONDS][("user_send_text",)]
    assert isinstance(held, Histogram) and held.count == 1
    buffered.flush_if_due()  # within the interval: still held
    assert metrics.snapshot()[EVENT_SECONDS][("user_send_text",)] == held
    now[0] += 1.5
    buffered.flush_if_due()
    got = metrics.snapshot()[EVENT_SECONDS][("user_send_text",)]
    for seconds in (0.003, 0.02, 0.2, 7.0):  # the same figures written directly
        metrics.observe(EVENT_SECONDS, {"event": "direct"}, seconds)
    direct = metrics.snapshot()[EVENT_SECONDS][("direct",)]
    assert isinstance(got, Histogram) and isinstance(direct, Histogram)
    assert got.buckets == direct.buckets and got.count == 4
    assert abs(got.sum - direct.sum) < 1e-9
