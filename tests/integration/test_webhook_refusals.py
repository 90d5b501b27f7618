"""Signed events the bot must not act on, and bodies that must not cost a 500 or a second.

Every correctly signed event gets 200 (Zalo retries anything else for an hour); what is refused
says why in the answer's outcome, which the webhook metric counts.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from bot.services import ingest
from bot.services.runtime import Runtime
from bot.store.inbound import DEDUPE_SECONDS
from bot.zalo.events import TEXT_LIMIT, parse_event
from bot.zalo.signature import HEADER, PREFIX, compute_mac
from tests.fakezalo.events import (
    APP_ID,
    OA_ID,
    OA_SECRET,
    chatnow_event,
    echo_event,
    follow_event,
    new_user_id,
    text_event,
)
from tests.fakezalo.server import FakeZalo
from tests.integration.conftest import post_event, run_worker

DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def app(bot_env: dict[str, str]) -> Flask:
    return create_app({**bot_env, "ZALO_OA_ID": OA_ID})


def ms_ago(ms: int) -> str:
    return str(int(time.time() * 1000) - ms)


def outcome(client: FlaskClient, body: dict[str, Any]) -> str:
    resp = post_event(client, body)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return str(resp.get_json()["outcome"])


def queued(rt: Runtime) -> int:
    return rt.inbound.depth()["length"]


def counted(rt: Runtime, name: str) -> float:
    rt.hot_metrics.flush()
    return float(rt.metrics.snapshot()["webhook_requests"].get((name,), 0))


def post_raw(client: FlaskClient, raw: bytes, app_id: str, timestamp: str) -> Any:
    mac = compute_mac(app_id, raw, timestamp, OA_SECRET)
    return client.post("/webhook/zalo", data=raw, headers={HEADER: PREFIX + mac})


# --- 3. replays and stale events ---------------------------------------------------------------


def test_a_three_day_old_signed_event_is_refused_with_200_and_counted(
    client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo
) -> None:
    user = new_user_id()
    assert outcome(client, text_event(user, "chào", timestamp=ms_ago(3 * DAY_MS))) == "stale"
    assert queued(rt) == 0
    assert rt.redis.get(rt.keys.last_seen(user)) is None  # the 7-day window is not reset
    assert counted(rt, "stale") == 1


def test_replayed_follow_and_admin_echo_from_a_year_ago_change_nothing(
    client: FlaskClient, rt: Runtime
) -> None:
    user = new_user_id()
    year_ago = ms_ago(365 * DAY_MS)
    assert outcome(client, follow_event(user, timestamp=year_ago)) == "stale"
    echo = echo_event(user, admin_id="7012345678901234567", timestamp=year_ago)
    assert outcome(client, echo) == "stale"
    assert rt.redis.get(rt.keys.paused(user)) is None
    assert queued(rt) == 0


def test_an_event_from_far_ahead_is_refused(client: FlaskClient, rt: Runtime) -> None:
    assert outcome(client, text_event(new_user_id(), "chào", timestamp=ms_ago(-DAY_MS))) == "future"
    assert queued(rt) == 0


def test_recent_and_implausible_timestamps_are_still_handled(
    client: FlaskClient, rt: Runtime
) -> None:
    assert outcome(client, text_event(new_user_id(), "a", timestamp=ms_ago(DAY_MS))) == "queued"
    for odd in ("1699003881", "12345", "0"):  # seconds, a copy error: receive time is used
        assert outcome(client, text_event(new_user_id(), "b", timestamp=odd)) == "queued"


def test_an_event_is_stale_before_its_dedupe_mark_expires() -> None:
    """Received at most MAX_AHEAD_MS before its own time, an event turns stale MAX_AGE_MS after
    it, while its dedupe mark lasts DEDUPE_SECONDS from receipt: a replay always meets one."""
    assert ingest.MAX_AHEAD_MS + ingest.MAX_AGE_MS < DEDUPE_SECONDS * 1000


# --- 5. another app or OA, user ids ------------------------------------------------------------


def test_events_for_another_app_or_oa_are_refused(client: FlaskClient, rt: Runtime) -> None:
    other_app = "9999999999999999999"
    body = text_event(new_user_id(), "chào", app_id=other_app)
    assert outcome(client, body) == "other_app"
    other_oa = "1111111111111111111"
    assert outcome(client, text_event(new_user_id(), "chào", oa_id=other_oa)) == "other_oa"
    assert outcome(client, follow_event(new_user_id(), oa_id=other_oa)) == "other_oa"
    assert outcome(client, chatnow_event(new_user_id(), oa_id=other_oa)) == "other_oa"
    assert queued(rt) == 0
    assert outcome(client, text_event(new_user_id(), "chào")) == "queued"


@pytest.mark.parametrize("user", ["abc", "12345678901234567890123456789", "-1", "1 2", ""])
def test_user_ids_must_be_bounded_decimal_ids(client: FlaskClient, rt: Runtime, user: str) -> None:
    body = text_event("1000000000000000001", "chào")
    body["sender"] = {"id": user}
    assert outcome(client, body) == "unparsed"
    assert queued(rt) == 0


# --- 6. any signed event gets 200 -------------------------------------------------------------


def test_chatnow_with_follower_id_is_greeted(
    client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo
) -> None:
    user = new_user_id()
    body = chatnow_event(user)
    del body["user_id"]
    body["follower"] = {"id": user}
    assert outcome(client, body) == "queued"
    run_worker(rt)
    assert len(fake_zalo.texts_to(user)) == 1


def test_consent_echo_without_sender_gets_200(client: FlaskClient) -> None:
    body = {"app_id": APP_ID, "event_name": "oa_send_consent", "recipient": {"id": new_user_id()},
            "timestamp": ms_ago(0)}  # fmt: skip
    assert outcome(client, body) == "echo"


def test_a_signed_shape_we_cannot_read_gets_200_recorded_without_its_text(
    client: FlaskClient, rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    body = text_event(new_user_id(), "số tôi 0912345678")
    body["message"] = ["số tôi 0912345678"]  # not an object
    with caplog.at_level(logging.WARNING):
        assert outcome(client, body) == "unparsed"
    (record,) = [r for r in caplog.records if r.getMessage() == "signed event not understood"]
    assert record.__dict__["kind"] == "user_send_text" and record.__dict__["bytes"] > 0
    assert "0912345678" not in json.dumps({k: str(v) for k, v in record.__dict__.items()})
    assert counted(rt, "unparsed") == 1
    assert queued(rt) == 0


def test_group_chat_messages_are_not_answered_one_to_one(
    client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo
) -> None:
    user = new_user_id()
    body = text_event(user, "xin chào")
    body["event_name"] = "user_send_group_text"
    assert outcome(client, body) == "ignored"
    run_worker(rt)
    assert fake_zalo.texts_to(user) == []


# --- 11, 12. bodies that cost a 500 or seconds --------------------------------------------------


def test_deeply_nested_json_is_a_400(client: FlaskClient, rt: Runtime) -> None:
    nested = b"[" * 200_000 + b"]" * 200_000
    resp = client.post("/webhook/zalo", data=nested, headers={HEADER: PREFIX + "0" * 64})
    assert resp.status_code == 400
    deep_object = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    assert client.post("/webhook/zalo", data=deep_object).status_code == 400


def test_a_utf16_body_is_a_400(client: FlaskClient, rt: Runtime) -> None:
    body = text_event(new_user_id(), "chào")
    raw = json.dumps(body).encode("utf-16")
    assert post_raw(client, raw, APP_ID, body["timestamp"]).status_code == 400
    assert queued(rt) == 0


def test_huge_text_is_cut_to_zalos_limit_at_parse(
    client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo
) -> None:
    user = new_user_id()
    body = text_event(user, "tiêm " * 60_000)  # 300,000 characters
    assert parse_event(body).text == ("tiêm " * 60_000)[:TEXT_LIMIT]  # type: ignore[attr-defined]
    assert outcome(client, body) == "queued"
    run_worker(rt)
    assert len(fake_zalo.texts_to(user)) == 1


def test_lone_surrogates_are_replaced_and_the_turn_still_answers(
    client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo
) -> None:
    user = new_user_id()
    body = text_event(user, "xin chào \ud800 tiêm ở đâu")
    raw = json.dumps(body).encode("ascii")  # the surrogate travels as the escape \ud800
    assert post_raw(client, raw, APP_ID, body["timestamp"]).status_code == 200
    assert parse_event(json.loads(raw)).text == "xin chào \ufffd tiêm ở đâu"  # type: ignore[attr-defined]
    run_worker(rt)
    assert len(fake_zalo.texts_to(user)) == 1
