"""Broadcast delivery on a real Redis against the fake Zalo over HTTP, including a killed worker."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest

from app import create_app
from bot.config import child_environment, settings_from
from bot.dialogue.wording_broadcasts import with_notices
from bot.model import Effect, Reply
from bot.services import broadcast_report as report
from bot.services import broadcasts as svc
from bot.services.broadcast_clock import ms
from bot.services.runtime import Runtime
from bot.services.subscriptions import apply_effect
from bot.store.broadcast_recipients import Recipients
from bot.zalo.client import ZaloClient
from tests.conftest import ROOT
from tests.fakezalo.events import new_user_id, text_event
from tests.fakezalo.server import FakeZalo
from tests.integration.conftest import post_event, run_worker, wait_until

DAY_MS = 24 * 3600 * 1000

LOOP = """
import time
from bot.config import load_settings
from bot.services import broadcast_delivery as delivery
from bot.services.runtime import Runtime

delivery.LEASE_MS = 1500  # a killed worker's broadcast is taken over quickly
delivery.HEARTBEAT_SECONDS = 0.3
rt = Runtime(load_settings())
deadline = time.monotonic() + 90
while time.monotonic() < deadline:
    if delivery.run_broadcasts_once(rt, max_recipients=40) == 0:
        time.sleep(0.05)
"""


@pytest.fixture
def env(bot_env: dict[str, str]) -> dict[str, str]:
    return {
        **bot_env,
        "ZALO_SEND_RATE": "2000",
        "SUBSCRIPTIONS_PATH": str(ROOT / "subscriptions.yaml"),
        "BROADCAST_DAILY_CAP": "5",
    }


def runtime(env: dict[str, str]) -> Runtime:
    """The real runtime, with the Zalo client's in-call backoff shortened for the test's sake."""
    rt = Runtime(settings_from(env))
    s = rt.settings
    rt.__dict__["zalo"] = ZaloClient(
        s.zalo_api_base, rt.tokens, timeout=2.0, throttle=rt.throttle, backoff=0.01
    )
    rt.tokens.access_token()  # seeded, as by the first reply in any running deployment
    return rt


@pytest.fixture
def brt(env: dict[str, str]) -> Runtime:
    return runtime(env)


def subscribe(rt: Runtime, topic: str, district: str = "", *, seen_days_ago: float = 0.01) -> str:
    user = new_user_id()
    wanted = Effect("subscribe", {"topic": topic, "district": district})
    assert apply_effect(rt, user, wanted) is None
    if seen_days_ago < 8:
        seen = int(time.time() * 1000 - seen_days_ago * DAY_MS)
        rt.redis.set(rt.keys.last_seen(user), seen)
    return user


def approved(rt: Runtime, text: str, topic: str = "lich-tiem", **kwargs: object) -> str:
    b = svc.create(rt, topic=topic, text=text, by="Cán bộ A", **kwargs)  # type: ignore[arg-type]
    svc.approve(rt, b.id, by="Cán bộ B")
    return b.id


def drain(rt: Runtime, now: datetime | None = None, rounds: int = 200) -> None:
    """Run delivery rounds until nothing is due (bounded)."""
    idle = 0
    for _ in range(rounds):
        idle = idle + 1 if svc.run_broadcasts_once(rt, now) == 0 else 0
        if idle >= 3:
            return
    raise AssertionError("delivery did not settle")


def cs_calls_to(fake: FakeZalo, user: str) -> int:
    calls = [r for r in fake.requests if r["path"] == "/v3.0/oa/message/cs"]
    return sum(1 for r in calls if (r["json"] or {}).get("recipient", {}).get("user_id") == user)


def test_audience_by_topic_and_district(brt: Runtime, fake_zalo: FakeZalo) -> None:
    hai_hau = [subscribe(brt, "lich-tiem", "hai-hau") for _ in range(3)]
    province = subscribe(brt, "lich-tiem")
    giao_thuy = subscribe(brt, "lich-tiem", "giao-thuy")
    news = subscribe(brt, "tin-tuc")
    bid = approved(brt, "Lịch tiêm Hải Hậu thứ Bảy 14/8", districts=["hai-hau"])
    drain(brt)
    for user in [*hai_hau, province]:
        assert len(fake_zalo.texts_to(user)) == 1
        assert fake_zalo.texts_to(user)[0].startswith("Lịch tiêm Hải Hậu thứ Bảy 14/8\n— Nhắn")
    assert fake_zalo.texts_to(giao_thuy) == [] and fake_zalo.texts_to(news) == []
    assert svc.get(brt, bid).status == "done"
    news_id = approved(brt, "Khuyến cáo mới của Bộ Y tế", topic="tin-tuc")
    drain(brt)
    assert [t.split("\n")[0] for t in fake_zalo.texts_to(news)] == ["Khuyến cáo mới của Bộ Y tế"]
    assert report.report(brt, news_id)["counts"]["total"] == 1
    assert len(fake_zalo.sent) == 5


def test_unsubscribe_after_approval_and_after_freeze_is_honoured(
    brt: Runtime, fake_zalo: FakeZalo
) -> None:
    users = [subscribe(brt, "lich-tiem", "vu-ban") for _ in range(4)]
    first, before_freeze, after_freeze, stays = sorted(users)
    bid = approved(brt, "Lịch tiêm Vụ Bản", districts=["vu-ban"])
    apply_effect(brt, before_freeze, Effect("unsubscribe", {}))  # approved, not yet sending
    assert svc.run_broadcasts_once(brt, max_recipients=1) == 1  # freezes, reaches `first`
    apply_effect(brt, after_freeze, Effect("unsubscribe", {"topic": "lich-tiem"}))
    drain(brt)
    assert len(fake_zalo.texts_to(first)) == 1 and len(fake_zalo.texts_to(stays)) == 1
    assert fake_zalo.texts_to(before_freeze) == [] and fake_zalo.texts_to(after_freeze) == []
    counts = report.report(brt, bid)["counts"]
    assert counts["total"] == 3 and counts["sent"] == 2 and counts["skipped"] == 1
    assert Recipients(brt.redis, brt.keys, bid).state(after_freeze).detail == "unsubscribed"


def test_self_approval_is_refused(brt: Runtime) -> None:
    b = svc.create(brt, topic="tin-tuc", text="Tin mới", by="Nguyễn Văn An")
    with pytest.raises(svc.NotPermitted):
        svc.approve(brt, b.id, by=" nguyễn văn  an ")
    assert svc.get(brt, b.id).status == "draft"
    assert svc.approve(brt, b.id, by="Trần Thị Bình").status == "scheduled"


def test_rate_limited_send_is_retried_until_sent(brt: Runtime, fake_zalo: FakeZalo) -> None:
    user = subscribe(brt, "tin-tuc")
    bid = approved(brt, "Thông báo", topic="tin-tuc")
    fake_zalo.fail_next(-32, times=4)  # the client tries 3 times per call, then gives up
    svc.run_broadcasts_once(brt)
    state = Recipients(brt.redis, brt.keys, bid).state(user)
    assert (state.kind, state.detail, state.attempts) == ("retry", "-32", 1)
    assert fake_zalo.texts_to(user) == []
    drain(brt, now=brt.now() + timedelta(minutes=1))
    assert len(fake_zalo.texts_to(user)) == 1
    assert cs_calls_to(fake_zalo, user) == 5
    assert Recipients(brt.redis, brt.keys, bid).state(user).kind == "sent"
    assert svc.get(brt, bid).status == "done"


def test_window_closed_is_recorded_not_retried_and_delivered_once_as_notice(
    brt: Runtime, fake_zalo: FakeZalo
) -> None:
    user = subscribe(brt, "lich-tiem", "hai-hau")  # inside the window by the bot's own record
    fake_zalo.window_closed.add(user)  # but Zalo says -230
    bid = approved(brt, "Lịch tiêm mới ở Hải Hậu", districts=["hai-hau"])
    drain(brt, now=brt.now() + timedelta(minutes=30))
    assert cs_calls_to(fake_zalo, user) == 1
    state = Recipients(brt.redis, brt.keys, bid).state(user)
    assert (state.kind, state.detail) == ("pending", "-230")
    assert report.reasons(brt, svc.get(brt, bid))["pending"] == {"-230": 1}
    fake_zalo.window_closed.discard(user)  # the resident writes to the OA
    for turn in range(2):  # the resident's next two messages
        notices = svc.pending_notices(brt, user, brt.now())
        assert len(notices) == (1 if turn == 0 else 0)
        brt.sender.send(user, with_notices(Reply("Dạ không có gì ạ!"), notices))
        svc.notices_delivered(brt, user, notices)
    texts = fake_zalo.texts_to(user)
    assert len(texts) == 2 and "Bạn có 1 thông báo mới:\nLịch tiêm mới ở Hải Hậu" in texts[0]
    assert sum("Lịch tiêm mới ở Hải Hậu" in t for t in texts) == 1
    counts = report.report(brt, bid)["counts"]
    assert counts["sent"] == 1 and counts["pending"] == 0


def test_expiry_stops_pending_notices(brt: Runtime, fake_zalo: FakeZalo) -> None:
    away = subscribe(brt, "tin-tuc", seen_days_ago=9)  # outside the window
    near = subscribe(brt, "tin-tuc")
    expires = brt.now() + timedelta(hours=2)
    bid = approved(brt, "Khuyến cáo", topic="tin-tuc", expires=expires)
    drain(brt)
    assert len(fake_zalo.texts_to(near)) == 1 and fake_zalo.texts_to(away) == []
    assert [i for i, _ in svc.pending_notices(brt, away, brt.now())] == [bid]
    later = expires + timedelta(minutes=1)
    assert svc.pending_notices(brt, away, later) == []
    drain(brt, now=later)
    b = svc.get(brt, bid)
    assert b.status == "done" and b.closed
    counts = report.report(brt, bid)["counts"]
    assert (counts["sent"], counts["pending"], counts["expired"]) == (1, 0, 1)
    assert svc.pending_notices(brt, away, brt.now()) == []  # the stale notice is gone


def test_quiet_hours_pause_and_resume(env: dict[str, str], fake_zalo: FakeZalo) -> None:
    rt = runtime({**env, "BROADCAST_QUIET_HOURS": "21:00-07:00"})
    user = subscribe(rt, "tin-tuc")
    bid = approved(rt, "Tin buổi tối", topic="tin-tuc")
    tomorrow = rt.now() + timedelta(days=1)
    night = tomorrow.replace(hour=22, minute=0, second=0, microsecond=0)
    assert svc.run_broadcasts_once(rt, night) == 0
    assert fake_zalo.texts_to(user) == [] and svc.get(rt, bid).status == "scheduled"
    morning = night.replace(hour=7, minute=0) + timedelta(days=1)
    due = rt.redis.zscore(rt.keys.broadcasts_due(), bid)
    # Looked at again within a minute (a changed BROADCAST_QUIET_HOURS applies), never later
    # than the morning.
    assert due == ms(night + timedelta(minutes=1)) < ms(morning)
    drain(rt, now=morning - timedelta(minutes=1))  # still quiet: nothing sent yet
    assert fake_zalo.texts_to(user) == []
    paused = [h for h in report.show(rt, bid)["history"] if h["action"] == "paused"]
    assert len(paused) == 1  # said once, not at every look
    drain(rt, now=morning + timedelta(minutes=1))
    assert len(fake_zalo.texts_to(user)) == 1 and svc.get(rt, bid).status == "done"


def test_report_accounts_for_every_recipient(brt: Runtime, fake_zalo: FakeZalo) -> None:
    reached = [subscribe(brt, "lich-tiem", "y-yen") for _ in range(3)]
    away = [subscribe(brt, "lich-tiem", "y-yen", seen_days_ago=10) for _ in range(2)]
    blocked = subscribe(brt, "lich-tiem", "y-yen")
    leaving = subscribe(brt, "lich-tiem", "y-yen")
    bid = approved(brt, "Lịch tiêm Ý Yên", districts=["y-yen"])
    svc.run_broadcasts_once(brt, max_recipients=0)  # freeze only
    apply_effect(brt, leaving, Effect("unsubscribe", {}))
    for user in Recipients(brt.redis, brt.keys, bid).slice(0, 100):  # one recipient a round
        if user == blocked:
            fake_zalo.fail_next(-217)  # the resident blocked the OA
        assert svc.run_broadcasts_once(brt, max_recipients=1) == 1
    drain(brt)
    rows = list(report.recipient_rows(brt, bid))
    counts = report.report(brt, bid)["counts"]
    assert len(rows) == counts["total"] == 7
    assert sum(counts[k] for k in ("sent", "pending", "failed", "skipped", "expired")) == 7
    assert counts["pending"] == 2 and counts["skipped"] == 1
    by_user = {r["user_id"]: r for r in rows}
    assert {by_user[u]["state"] for u in away} == {"pending"}
    assert by_user[leaving]["state"] == "skipped"
    assert {by_user[u]["state"] for u in reached} == {"sent"}
    assert (by_user[blocked]["state"], by_user[blocked]["detail"]) == ("failed", "-217")
    csv_text = report.recipients_csv(brt, bid)
    assert csv_text.count("\n") == 8 and csv_text.startswith("user_id,state,detail,at,attempts")


def test_failure_codes_are_recorded_without_retry(brt: Runtime, fake_zalo: FakeZalo) -> None:
    user = subscribe(brt, "tin-tuc")
    bid = approved(brt, "Tin", topic="tin-tuc")
    fake_zalo.fail_next(-217, times=1)  # blocked the OA: never retried
    drain(brt, now=brt.now() + timedelta(hours=1))
    assert cs_calls_to(fake_zalo, user) == 1
    assert report.reasons(brt, svc.get(brt, bid))["failed"] == {"-217": 1}
    assert report.report(brt, bid)["counts"]["failed"] == 1


def test_retries_are_bounded(brt: Runtime, fake_zalo: FakeZalo) -> None:
    user = subscribe(brt, "tin-tuc")
    bid = approved(brt, "Tin", topic="tin-tuc")
    fake_zalo.fail_next(-32, times=100)  # Zalo stays over its limit
    now = brt.now()
    for _ in range(8):  # well past every retry's due time, round after round
        now += timedelta(hours=1)
        drain(brt, now=now)
    state = Recipients(brt.redis, brt.keys, bid).state(user)
    assert (state.kind, state.detail, state.attempts) == ("failed", "-32", 5)
    assert cs_calls_to(fake_zalo, user) == 5 * 3  # five rounds, three tries each in the client
    assert svc.get(brt, bid).status == "done"


def test_template_channel_reaches_residents_outside_the_window(
    env: dict[str, str], fake_zalo: FakeZalo
) -> None:
    rt = runtime(
        {**env, "BROADCAST_TEMPLATE_ID": "tpl-123",
         "BROADCAST_TEMPLATE_PARAMS": "noi_dung=text,chu_de=topic_name,khu_vuc=districts"}
    )  # fmt: skip
    away = subscribe(rt, "lich-tiem", "hai-hau", seen_days_ago=9)
    closed = subscribe(rt, "lich-tiem", "hai-hau")
    fake_zalo.window_closed.add(closed)
    bid = approved(rt, "Lịch tiêm Hải Hậu", districts=["hai-hau"])
    drain(rt)
    sent = {t["user_id"]: t["body"] for t in fake_zalo.templates_sent}
    assert set(sent) == {away, closed} and fake_zalo.texts_to(away) == []
    assert sent[away]["template_id"] == "tpl-123"
    assert sent[away]["template_data"] == {
        "noi_dung": "Lịch tiêm Hải Hậu", "chu_de": "lịch tiêm", "khu_vuc": "huyện Hải Hậu",
    }  # fmt: skip
    assert report.reasons(rt, svc.get(rt, bid))["sent"] == {"template": 2}


def start_loop(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", LOOP],
        cwd=ROOT,
        env=child_environment(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_worker_killed_mid_broadcast_sends_exactly_one_copy(
    env: dict[str, str], brt: Runtime, fake_zalo: FakeZalo
) -> None:
    inside = [subscribe(brt, "lich-tiem", "nam-truc") for _ in range(240)]
    outside = [subscribe(brt, "lich-tiem", "nam-truc", seen_days_ago=9) for _ in range(10)]
    bid = approved(brt, "Lịch tiêm Nam Trực", districts=["nam-truc"])
    fake_zalo.latency = 0.01  # every call takes a while, so the kill lands mid-broadcast
    first = start_loop(env)
    try:
        assert wait_until(lambda: len(fake_zalo.sent) >= 60, 30), "the worker never sent"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert svc.get(brt, bid).status == "sending"
    assert len(fake_zalo.sent) < len(inside)
    second = start_loop(env)
    try:
        assert wait_until(lambda: svc.get(brt, bid).status == "done", 60), "never finished"
        time.sleep(0.5)  # anything extra would show up now
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait(10)
    for user in inside:
        assert len(fake_zalo.texts_to(user)) == 1, user
    assert all(fake_zalo.texts_to(user) == [] for user in outside)
    counts = report.report(brt, bid)["counts"]
    assert (counts["total"], counts["sent"], counts["pending"]) == (250, 240, 10)


def test_the_workers_reply_carries_a_pending_notice_once_unless_that_message_unsubscribes(
    env: dict[str, str], fake_zalo: FakeZalo
) -> None:
    app = create_app(env)
    rt: Runtime = app.extensions["bot"]
    stays = subscribe(rt, "tin-tuc", seen_days_ago=9)  # outside the window: notices wait
    leaves = subscribe(rt, "tin-tuc", seen_days_ago=9)
    bid = approved(rt, "Khuyến cáo mới", topic="tin-tuc")
    drain(rt)
    client = app.test_client()
    for text in ("xin chào", "cảm ơn"):
        assert post_event(client, text_event(stays, text)).status_code == 200
        run_worker(rt)
    assert post_event(client, text_event(leaves, "#huy tin-tuc")).status_code == 200
    run_worker(rt)
    first, second = fake_zalo.texts_to(stays)
    assert "Khuyến cáo mới" in first and "Khuyến cáo mới" not in second
    (left,) = fake_zalo.texts_to(leaves)
    assert "Khuyến cáo mới" not in left
    recipients = Recipients(rt.redis, rt.keys, bid)
    assert recipients.state(stays).kind == "sent"
    assert (recipients.state(leaves).kind, recipients.state(leaves).detail) == (
        "skipped",
        "unsubscribed",
    )
