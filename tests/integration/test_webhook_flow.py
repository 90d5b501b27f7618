"""A signed event in, exactly one reply out at the fake Zalo; bad requests queue nothing."""

from __future__ import annotations

import json
import time

from flask.testing import FlaskClient

from app import create_app
from bot.services.runtime import Runtime
from tests.fakezalo.events import echo_event, follow_event, image_event, new_user_id, text_event
from tests.fakezalo.server import FakeZalo
from tests.integration.conftest import post_event, run_worker


def queued(rt: Runtime) -> int:
    return rt.inbound.depth()["length"]


def test_signed_text_gets_exactly_one_reply(
    client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo
) -> None:
    user = new_user_id()
    resp = post_event(client, text_event(user, "tiem xong bi sot phai lam sao"))
    assert resp.status_code == 200
    run_worker(rt)
    texts = fake_zalo.texts_to(user)
    assert len(texts) == 1
    assert "sốt" in texts[0].lower()


def test_the_same_event_three_times_gets_one_reply(
    client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo
) -> None:
    user = new_user_id()
    body = text_event(user, "xin chào")
    for _ in range(3):
        assert post_event(client, body).status_code == 200
    run_worker(rt)
    assert len(fake_zalo.texts_to(user)) == 1


def test_bad_requests_are_4xx_and_queue_nothing(client: FlaskClient, rt: Runtime, app) -> None:
    body = text_event(new_user_id(), "chào")
    raw = json.dumps(body).encode()
    assert client.post("/webhook/zalo", data=raw).status_code == 401  # unsigned
    forged = {"X-ZEvent-Signature": "mac=" + "0" * 64}
    assert client.post("/webhook/zalo", data=raw, headers=forged).status_code == 401
    wrong_secret = post_event(client, body, secret="not-the-secret")
    assert wrong_secret.status_code == 401
    assert client.post("/webhook/zalo", data=b"{not json", headers=forged).status_code == 400
    assert client.post("/webhook/zalo", data=b"[1,2]", headers=forged).status_code == 400
    big = b"{" + b" " * (rt.settings.webhook_max_bytes + 10) + b"}"
    assert client.post("/webhook/zalo", data=big).status_code == 413
    assert queued(rt) == 0


def test_echoes_get_no_reply_and_an_admin_echo_pauses_the_bot(
    client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo
) -> None:
    user = new_user_id()
    assert post_event(client, echo_event(user)).status_code == 200
    run_worker(rt)
    assert fake_zalo.texts_to(user) == []
    assert post_event(client, echo_event(user, admin_id="7012345678901234567")).status_code == 200
    assert post_event(client, text_event(user, "cảm ơn")).status_code == 200
    run_worker(rt)
    assert fake_zalo.texts_to(user) == []  # a person is handling this resident


def test_a_paused_resident_still_gets_an_emergency_answer(
    client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo
) -> None:
    user = new_user_id()
    post_event(client, echo_event(user, admin_id="7012345678901234567"))
    post_event(client, text_event(user, "me toi vua tiem xong bi kho tho tim moi"))
    run_worker(rt)
    texts = fake_zalo.texts_to(user)
    assert len(texts) == 1 and "115" in texts[0]


def test_window_error_is_not_retried(client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo) -> None:
    user = new_user_id()
    fake_zalo.window_closed.add(user)
    post_event(client, text_event(user, "xin chào"))
    run_worker(rt)
    attempts = [r for r in fake_zalo.sent_attempts() if r["user_id"] == user]
    assert len(attempts) == 1
    assert queued(rt) == 0 and rt.inbound.depth()["unprocessed"] == 0  # handled: deleted


def test_follow_is_greeted_and_media_answered(
    client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo
) -> None:
    user = new_user_id()
    post_event(client, follow_event(user))
    post_event(client, image_event(user))
    run_worker(rt)
    texts = fake_zalo.texts_to(user)
    assert len(texts) == 3  # the greeting, the subscription offer, the "text only" answer
    assert "Nam Định" in texts[0]
    assert "nhận lịch tiêm" in texts[1]


def test_flood_is_told_once_and_the_rest_ignored(bot_env, fake_zalo: FakeZalo) -> None:
    app = create_app({**bot_env, "FLOOD_LIMIT_PER_MINUTE": "3"})
    client, rt = app.test_client(), app.extensions["bot"]
    user = new_user_id()
    for i in range(6):
        assert post_event(client, text_event(user, f"xin chào {i}")).status_code == 200
    run_worker(rt)
    assert len(fake_zalo.texts_to(user)) == 4  # three answers and one "too fast" notice


def test_unverified_webhook_answers_200_and_processes_nothing(bot_env, fake_zalo: FakeZalo) -> None:
    app = create_app({**bot_env, "ZALO_OA_SECRET_KEY": ""})
    client, rt = app.test_client(), app.extensions["bot"]
    resp = client.post("/webhook/zalo", data=b'{"event_name":"test"}')
    assert resp.status_code == 200
    assert client.post("/webhook/zalo", data=b"not json at all").status_code == 200
    assert queued(rt) == 0


def test_store_down_gives_503(bot_env, fake_zalo: FakeZalo) -> None:
    from tests.redis_server import free_port

    app = create_app({**bot_env, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    resp = post_event(app.test_client(), text_event(new_user_id(), "chào"))
    assert resp.status_code == 503


def test_the_window_records_when_the_resident_wrote(client: FlaskClient, rt: Runtime) -> None:
    user = new_user_id()
    an_hour_ago = str(int(time.time() * 1000) - 3600 * 1000)
    body = text_event(user, "chào", timestamp=an_hour_ago)
    assert post_event(client, body).status_code == 200
    assert post_event(client, body).status_code == 200  # Zalo's retry an hour later
    assert rt.redis.get(rt.keys.last_seen(user)) == an_hour_ago
    future = text_event(user, "chào", timestamp=str(int(time.time() * 1000) + 86_400_000))
    post_event(client, future)
    assert int(rt.redis.get(rt.keys.last_seen(user))) <= int(time.time() * 1000)
