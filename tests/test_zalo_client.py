"""The OA client against the fake Zalo over real HTTP, tokens and throttle in a real Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis

from bot.errors import (
    ZaloAuthError,
    ZaloPermanent,
    ZaloRetryable,
    ZaloWindowClosed,
)
from bot.model import Button, Reply
from bot.store.keys import Keys
from bot.store.throttle import Throttle
from bot.store.tokens import TokenStore
from bot.zalo import oauth
from bot.zalo.client import THROTTLED, ZaloClient
from tests.fakezalo.server import FakeZalo, new_user_id

CS = "/v3.0/oa/message/cs"
BUTTONS = (
    Button("Lịch tiêm", "query", "#lich_tiem"),
    Button("Điểm tiêm gần tôi", "query", "Điểm tiêm gần tôi"),
    Button("Gọi tổng đài", "phone", "1900 9095"),
    Button("Tra cứu chứng nhận", "url", "https://tiemchungcovid19.gov.vn"),
)


class RecordingThrottle(Throttle):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.pauses: list[float] = []
        self.acquired: list[str] = []

    def acquire(self, priority: str = "reply") -> None:
        self.acquired.append(priority)
        super().acquire(priority)

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        super().pause(seconds)


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    with FakeZalo() as server:
        yield server


@pytest.fixture
def tokens(fake: FakeZalo, rdb: redis.Redis) -> TokenStore:
    def refresher(refresh_token: str) -> oauth.TokenPair:
        return oauth.refresh_tokens(
            fake.url, fake.app_id, fake.app_secret, refresh_token, timeout=2.0
        )

    return TokenStore(
        rdb, Keys("t:"), refresher, seed_access=fake.access_token, seed_refresh=fake.refresh_token
    )


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(fake: FakeZalo, tokens: TokenStore, sleeps: list[float]) -> ZaloClient:
    return ZaloClient(fake.url, tokens, timeout=2.0, backoff=0.01, sleep=sleeps.append)


def cs_calls(fake: FakeZalo) -> int:
    return sum(1 for r in fake.requests if r["path"] == CS)


def test_text_send_arrives_with_the_bare_access_token_header(
    fake: FakeZalo, client: ZaloClient
) -> None:
    user = new_user_id()
    result = client.send(user, Reply("Lịch tiêm tuần này: thứ Hai đến thứ Sáu."))
    assert fake.texts_to(user) == ["Lịch tiêm tuần này: thứ Hai đến thứ Sáu."]
    assert result.message_id == fake.sent[0]["message_id"] and len(result.message_id) == 20
    assert result.user_id == user and not result.fell_back_to_text
    headers = fake.requests[-1]["headers"]
    assert headers["access_token"] == fake.access_token
    assert "authorization" not in headers
    assert headers["content-type"] == "application/json"
    assert fake.requests[-1]["json"] == {"recipient": {"user_id": user},
                                         "message": {"text": fake.sent[0]["text"]}}  # fmt: skip


def test_calls_share_one_kept_alive_connection_until_the_fake_stops(
    fake: FakeZalo, client: ZaloClient
) -> None:
    users = [new_user_id() for _ in range(5)]
    for user in users:
        client.send(user, Reply("Dạ, bạn hỏi gì ạ?"))
    assert all(fake.texts_to(u) for u in users)
    assert fake._server is not None and fake._server.connections == 1
    fake.stop()  # connections kept open are closed too: the next call fails fast, not hangs
    started = time.monotonic()
    with pytest.raises(ZaloRetryable):
        client.send(users[0], Reply("lần nữa"))
    assert time.monotonic() - started < 2.0


def test_fake_refuses_authorization_header_and_unknown_tokens(fake: FakeZalo) -> None:
    import requests

    body = {"recipient": {"user_id": "1"}, "message": {"text": "x"}}
    bearer = {"Authorization": f"Bearer {fake.access_token}"}
    for headers in (bearer, {}, {"access_token": "old-token"}):
        answer = requests.post(fake.url + CS, json=body, headers=headers, timeout=2).json()
        assert answer == {"error": -216, "message": "Access token is invalid"}
    assert fake.sent == []


def test_quote_is_sent_as_quote_message_id(fake: FakeZalo, client: ZaloClient) -> None:
    client.send("2468458835296197922", Reply("Trả lời"), quote_msg_id="cb31dff1c39642cc1b83")
    assert fake.sent[0]["quote_message_id"] == "cb31dff1c39642cc1b83"


def test_buttons_shape(fake: FakeZalo, client: ZaloClient) -> None:
    long_title = Button("Một tiêu đề rất dài vượt quá ba mươi lăm ký tự", "query", "#dai")
    reply = Reply("Bạn muốn hỏi về nội dung nào?", (*BUTTONS, long_title, long_title))
    result = client.send("2468458835296197922", reply)
    assert not result.fell_back_to_text
    sent = fake.sent[0]
    assert sent["text"] == "Bạn muốn hỏi về nội dung nào?"
    assert sent["attachment"]["type"] == "template"
    assert set(sent["attachment"]["payload"]) == {"buttons"}
    buttons = sent["buttons"]
    assert buttons[:4] == [
        {"title": "Lịch tiêm", "type": "oa.query.hide", "payload": "#lich_tiem"},
        {"title": "Điểm tiêm gần tôi", "type": "oa.query.hide", "payload": "Điểm tiêm gần tôi"},
        {"title": "Gọi tổng đài", "type": "oa.open.phone", "payload": {"phone_code": "19009095"}},
        {"title": "Tra cứu chứng nhận", "type": "oa.open.url",
         "payload": {"url": "https://tiemchungcovid19.gov.vn"}},
    ]  # fmt: skip
    assert len(buttons) == 5
    assert (
        len(buttons[4]["title"]) <= 35 and buttons[4]["title"] == "Một tiêu đề rất dài vượt quá ba…"
    )


def test_rejected_template_falls_back_to_numbered_text(fake: FakeZalo, client: ZaloClient) -> None:
    fake.reject_buttons = True
    result = client.send("2468458835296197922", Reply("Bạn muốn hỏi gì?", BUTTONS))
    assert result.fell_back_to_text
    assert cs_calls(fake) == 2 and len(fake.sent) == 1
    assert fake.sent[0]["attachment"] is None
    assert fake.sent[0]["text"] == (
        "Bạn muốn hỏi gì?\n\n1. Lịch tiêm\n2. Điểm tiêm gần tôi\n"
        "Gọi tổng đài: 1900 9095\nTra cứu chứng nhận: https://tiemchungcovid19.gov.vn"
    )


def test_buttons_off_always_sends_text(fake: FakeZalo, tokens: TokenStore) -> None:
    client = ZaloClient(fake.url, tokens, buttons=False)
    result = client.send("2468458835296197922", Reply("Chọn:", BUTTONS[:2]))
    assert cs_calls(fake) == 1 and result.fell_back_to_text
    assert fake.sent[0]["text"] == "Chọn:\n\n1. Lịch tiêm\n2. Điểm tiêm gần tôi"


def test_too_long_text_is_cut_on_a_word_within_the_limit(
    fake: FakeZalo, client: ZaloClient
) -> None:
    text = "Tiêm mũi nhắc lại. " * 200  # 3,800 characters
    client.send("2468458835296197922", Reply(text, BUTTONS[:1]), priority="reply")
    sent = fake.texts_to("2468458835296197922")[0]
    assert len(sent) <= 2000 and sent.endswith("…")
    assert "lại…" in sent or ".…" in sent  # cut after a whole word
    fake.reset()
    client = ZaloClient(fake.url, client.tokens, buttons=False)
    client.send("2468458835296197922", Reply(text, BUTTONS[:1]))
    sent = fake.texts_to("2468458835296197922")[0]
    assert len(sent) <= 2000 and sent.endswith("\n\n1. Lịch tiêm")


def test_fake_rejects_text_over_2000_characters(fake: FakeZalo) -> None:
    import requests

    body = {"recipient": {"user_id": "1"}, "message": {"text": "a" * 2001}}
    headers = {"access_token": fake.access_token}
    answer = requests.post(fake.url + CS, json=body, headers=headers, timeout=2).json()
    assert answer == {"error": -201, "message": "text is invalid!"}


def test_window_closed_raises_and_is_not_retried(fake: FakeZalo, client: ZaloClient) -> None:
    fake.window_closed.add("2468458835296197922")
    with pytest.raises(ZaloWindowClosed) as caught:
        client.send("2468458835296197922", Reply("Nhắc lịch tiêm"))
    assert caught.value.code == -230
    assert caught.value.message == "User has not interacted with the OA in the past 7 days"
    assert cs_calls(fake) == 1 and fake.sent == []


def test_rate_limit_twice_then_success_pauses_the_throttle(
    fake: FakeZalo, tokens: TokenStore, rdb: redis.Redis, sleeps: list[float]
) -> None:
    throttle = RecordingThrottle(rdb, Keys("t:"), 100.0)
    client = ZaloClient(fake.url, tokens, throttle=throttle, backoff=0.01, sleep=sleeps.append)
    fake.fail_next(-32, times=2)
    result = client.send("2468458835296197922", Reply("Xin chào"), priority="bulk")
    assert cs_calls(fake) == 3 and len(fake.sent) == 1
    assert result.message_id == fake.sent[0]["message_id"]
    assert throttle.pauses == [0.01, 0.02] and sleeps == [0.01, 0.02]
    assert throttle.acquired == ["bulk"] * 3


def test_server_errors_are_retried(fake: FakeZalo, client: ZaloClient, sleeps: list[float]) -> None:
    fake.http_error_next(503, times=2)
    client.send("2468458835296197922", Reply("Xin chào"))
    assert len(fake.sent) == 1 and sleeps == [0.01, 0.02]


def test_retries_stop_at_max_attempts(fake: FakeZalo, client: ZaloClient) -> None:
    fake.http_error_next(502, times=5)
    with pytest.raises(ZaloRetryable) as caught:
        client.send("2468458835296197922", Reply("Xin chào"))
    assert caught.value.code == 502
    assert cs_calls(fake) == 3 and fake.sent == []


def test_send_failed_is_retried_once_only(fake: FakeZalo, client: ZaloClient) -> None:
    fake.fail_next(-200, times=3)
    with pytest.raises(ZaloRetryable):
        client.send("2468458835296197922", Reply("Xin chào"))
    assert cs_calls(fake) == 2


def test_permanent_errors_are_not_retried(fake: FakeZalo, client: ZaloClient) -> None:
    fake.fail_next(-248, message="Violates our platform standards")
    with pytest.raises(ZaloPermanent) as caught:
        client.send("2468458835296197922", Reply("Xin chào"))
    assert caught.value.code == -248 and cs_calls(fake) == 1


def test_a_hanging_call_times_out_and_is_retried(fake: FakeZalo, tokens: TokenStore) -> None:
    fake.drop_seconds = 3.0
    client = ZaloClient(fake.url, tokens, timeout=0.3, backoff=0.0)
    fake.drop_next(1)
    started = time.monotonic()
    client.send("2468458835296197922", Reply("Xin chào"))
    assert time.monotonic() - started < 1.5
    assert len(fake.sent) == 1 and cs_calls(fake) == 2


def test_hanging_every_time_gives_up_within_bounds(fake: FakeZalo, tokens: TokenStore) -> None:
    fake.drop_seconds = 3.0
    client = ZaloClient(fake.url, tokens, timeout=0.2, max_attempts=2, backoff=0.0)
    fake.drop_next(2)
    started = time.monotonic()
    with pytest.raises(ZaloRetryable):
        client.send("2468458835296197922", Reply("Xin chào"))
    assert time.monotonic() - started < 1.5


def test_expired_token_is_refreshed_once_and_the_send_retried(
    fake: FakeZalo, client: ZaloClient, tokens: TokenStore
) -> None:
    old = fake.access_token
    fake.expire_access_token()
    client.send("2468458835296197922", Reply("Xin chào"))
    assert fake.refresh_calls == 1 and cs_calls(fake) == 2 and len(fake.sent) == 1
    assert tokens.access_token() == fake.access_token != old
    assert [r["headers"]["access_token"] for r in fake.requests if r["path"] == CS] == [
        old, fake.access_token,
    ]  # fmt: skip


def test_second_auth_failure_raises(fake: FakeZalo, client: ZaloClient) -> None:
    fake.fail_next(-216, times=2)
    with pytest.raises(ZaloAuthError):
        client.send("2468458835296197922", Reply("Xin chào"))
    assert fake.refresh_calls == 1 and cs_calls(fake) == 2


def test_profile_and_its_fallback(fake: FakeZalo, client: ZaloClient) -> None:
    fake.profiles["2468458835296197922"] = {"display_name": "Nguyễn Văn A"}
    assert client.profile("2468458835296197922")["display_name"] == "Nguyễn Văn A"
    request = fake.requests[-1]
    assert request["method"] == "GET" and request["args"] == {
        "data": '{"user_id": "2468458835296197922"}'
    }
    fake.non_followers.add("5555555555555551234")
    assert client.profile("5555555555555551234") == {"display_name": "Zalo User 1234"}
    fake.http_error_next(500, times=10)
    assert client.profile("2468458835296197922") == {"display_name": "Zalo User 7922"}


def test_tag_quota_and_template(fake: FakeZalo, client: ZaloClient) -> None:
    client.tag_user("2468458835296197922", "Cần tư vấn viên")
    assert fake.tags == [("2468458835296197922", "Cần tư vấn viên")]
    client.send("2468458835296197922", Reply("Xin chào"))
    quota = client.quota("2468458835296197922")
    assert quota["cs_reply"] == {"remain": 7, "total": 8} and quota["last_interaction"].isdigit()
    result = client.send_template(
        "2468458835296197922", "7895417a7d3f9461cd2e", {"ten": "Nguyễn Văn A"}
    )
    assert fake.templates_sent[0]["body"] == {
        "user_id": "2468458835296197922",
        "template_id": "7895417a7d3f9461cd2e",
        "template_data": {"ten": "Nguyễn Văn A"},
    }
    assert result.message_id == fake.templates_sent[0]["message_id"]


def test_no_throttle_slot_fails_without_calling_zalo(
    fake: FakeZalo, tokens: TokenStore, rdb: redis.Redis, sleeps: list[float]
) -> None:
    throttle = RecordingThrottle(rdb, Keys("t:"), 10.0, max_wait=1.0)
    throttle.pause(60)
    client = ZaloClient(fake.url, tokens, throttle=throttle, backoff=0.01, sleep=sleeps.append)
    with pytest.raises(ZaloRetryable) as caught:
        client.send("2468458835296197922", Reply("Xin chào"))
    assert caught.value.code == THROTTLED
    assert cs_calls(fake) == 0 and throttle.acquired == ["reply"] and sleeps == []


def test_sent_since_reads_the_conversation(fake: FakeZalo, client: ZaloClient) -> None:
    user = new_user_id()
    before = int(time.time() * 1000) - 1
    assert client.sent_since(user, before) is False
    client.send(user, Reply("Xin chào"))
    assert client.sent_since(user, before) is True
    assert client.sent_since(user, int(fake.sent[0]["sent_time"]) + 1) is False
    assert client.sent_since(new_user_id(), before) is False
    query = fake.requests[-1]
    assert query["path"] == "/v2.0/oa/conversation" and query["method"] == "GET"


def test_sent_attempts_include_refused_calls(fake: FakeZalo, client: ZaloClient) -> None:
    fake.window_closed.add("2468458835296197922")
    with pytest.raises(ZaloWindowClosed):
        client.send("2468458835296197922", Reply("Nhắc lịch"))
    client.send("1111111111111111111", Reply("Xin chào"))
    assert fake.sent_attempts() == [
        {"user_id": "2468458835296197922", "text": "Nhắc lịch", "error": -230},
        {"user_id": "1111111111111111111", "text": "Xin chào", "error": 0},
    ]


def test_the_session_uses_only_the_configured_proxy() -> None:
    from bot.zalo.client import _session

    assert _session("").trust_env is False and not _session("").proxies
    assert _session("http://proxy.local:3128").proxies == {
        "http": "http://proxy.local:3128",
        "https": "http://proxy.local:3128",
    }
