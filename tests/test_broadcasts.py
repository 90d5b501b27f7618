"""Broadcast lifecycle and delivery rules on a real Redis, in local mode (the sandbox outbox)."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta

import pytest
import redis

from bot.config import settings_from
from bot.model import Effect, Reply
from bot.services import broadcast_clock as clock
from bot.services import broadcast_report as report
from bot.services import broadcasts as svc
from bot.services.broadcast_delivery import RETAIN_SECONDS
from bot.services.runtime import Runtime
from bot.services.subscriptions import apply_effect
from bot.store.broadcast_recipients import Recipients, RecipientState
from bot.store.notices import NOTICE_CAP, Notices
from tests.conftest import ROOT

TZ = "Asia/Ho_Chi_Minh"


def make_rt(redis_url: str, **extra: str) -> Runtime:
    env = {
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": "bc:",
        "SUBSCRIPTIONS_PATH": str(ROOT / "subscriptions.yaml"),
        "BROADCAST_QUIET_HOURS": "",
        **extra,
    }
    return Runtime(settings_from(env))


@pytest.fixture
def rt(redis_url: str) -> Runtime:
    return make_rt(redis_url)


def resident(rt: Runtime, user: str, topic: str = "tin-tuc", district: str = "", seen=True) -> str:  # type: ignore[no-untyped-def]
    apply_effect(rt, user, Effect("subscribe", {"topic": topic, "district": district}))
    if seen:
        rt.redis.set(rt.keys.last_seen(user), int(time.time() * 1000))
    return user


def outbox(rt: Runtime, user: str) -> list[dict[str, object]]:
    return [json.loads(x) for x in rt.redis.lrange(rt.keys.outbox(user), 0, -1)]


def approved(rt: Runtime, text: str = "Tin mới", topic: str = "tin-tuc", **kw: object) -> str:
    b = svc.create(rt, topic=topic, text=text, by="An", **kw)  # type: ignore[arg-type]
    svc.approve(rt, b.id, by="Bình")
    return b.id


def drain(rt: Runtime, now: datetime | None = None) -> None:
    for _ in range(100):
        if svc.run_broadcasts_once(rt, now) == 0 and svc.run_broadcasts_once(rt, now) == 0:
            return
    raise AssertionError("delivery did not settle")


# --- creating -----------------------------------------------------------------------------------


def test_a_draft_gets_the_opt_out_line_and_an_audit_entry(rt: Runtime) -> None:
    b = svc.create(rt, topic="lich tiêm", districts=["Hải Hậu", "hai-hau"], text=" Lịch ", by="An")
    assert (b.id, b.status, b.topic, b.districts) == ("1", "draft", "lich-tiem", ("hai-hau",))
    assert b.message == (
        'Lịch\n— Nhắn "#huy lich-tiem" để ngừng nhận lịch tiêm, "#huy" để ngừng nhận mọi tin.'
    )
    history = report.show(rt, b.id)["history"]
    assert [(h["by"], h["action"]) for h in history] == [("An", "created")]
    assert svc.create(rt, topic="tin-tuc", text="x", by="An").id == "2"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"topic": "xo-so"}, "không có chủ đề"),
        ({"topic": "tin-tuc", "districts": ["hai-hau"]}, "gửi cho cả tỉnh"),
        ({"topic": "lich-tiem", "districts": ["ha-noi"]}, "không có huyện"),
        ({"text": "   "}, "trống"),
        ({"by": "  "}, "tên cán bộ"),
        ({"at": "ngày mai"}, "dạng 14/08/2021 07:30"),
        ({"at": "2031-01-02T08:00", "expires": "2031-01-02T07:00"}, "hạn hiệu lực"),
    ],
)
def test_invalid_drafts_are_refused(rt: Runtime, kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"topic": "tin-tuc", "text": "Tin", "by": "An", **kwargs}
    with pytest.raises(svc.BroadcastError, match=message):
        svc.create(rt, **args)  # type: ignore[arg-type]
    assert svc.list_broadcasts(rt) == []


def test_the_text_limit_counts_the_opt_out_line(rt: Runtime) -> None:
    line = len(
        '\n— Nhắn "#huy tin-tuc" để ngừng nhận tin tức, khuyến cáo, "#huy" để ngừng nhận mọi tin.'
    )
    room = 2000 - line
    assert len(svc.create(rt, topic="tin-tuc", text="a" * room, by="An").message) == 2000
    with pytest.raises(svc.BroadcastError, match=f"tối đa {room} ký tự"):
        svc.create(rt, topic="tin-tuc", text="a" * (room + 1), by="An")


def test_local_times_are_read_in_the_bot_time_zone(rt: Runtime) -> None:
    b = svc.create(rt, topic="tin-tuc", text="x", by="An", at="2031-08-14T07:30")
    assert clock.iso(b.send_at, rt.settings.timezone) == "2031-08-14T07:30+07:00"
    b = svc.create(rt, topic="tin-tuc", text="x", by="An", at="2031-08-14T00:30+00:00")
    assert clock.iso(b.send_at, rt.settings.timezone) == "2031-08-14T07:30+07:00"


# --- approving and cancelling ---------------------------------------------------------------------


def test_four_eyes(rt: Runtime, redis_url: str) -> None:
    b = svc.create(rt, topic="tin-tuc", text="x", by="Nguyễn An")
    with pytest.raises(svc.FourEyes):
        svc.approve(rt, b.id, by="nguyễn  AN")
    small_office = make_rt(redis_url, BROADCAST_FOUR_EYES="false")
    assert svc.approve(small_office, b.id, by="Nguyễn An").status == "scheduled"


def test_approve_is_idempotent_for_its_approver_only(rt: Runtime) -> None:
    bid = approved(rt)
    assert svc.approve(rt, bid, by="Bình").status == "scheduled"  # puts it back on the schedule
    with pytest.raises(svc.NotPermitted, match="chỉ duyệt được bản nháp"):
        svc.approve(rt, bid, by="Chi")
    actions = [h["action"] for h in report.show(rt, bid)["history"]]
    assert actions[:3] == ["created", "approved", "scheduled"]


def test_nothing_is_sent_before_the_send_time(rt: Runtime) -> None:
    resident(rt, "u1")
    at = rt.now() + timedelta(hours=3)
    bid = approved(rt, at=at)
    drain(rt)
    assert outbox(rt, "u1") == [] and svc.get(rt, bid).status == "scheduled"
    drain(rt, now=at + timedelta(seconds=1))
    assert len(outbox(rt, "u1")) == 1 and outbox(rt, "u1")[0]["priority"] == "bulk"


def test_cancel_a_draft_and_refuse_to_cancel_a_finished_one(rt: Runtime) -> None:
    b = svc.create(rt, topic="tin-tuc", text="x", by="An")
    cancelled = svc.cancel(rt, b.id, by="Bình")
    assert cancelled.status == "cancelled" and cancelled.closed
    bid = approved(rt)
    drain(rt)
    with pytest.raises(svc.NotPermitted, match="không huỷ được nữa"):
        svc.cancel(rt, bid, by="Bình")
    with pytest.raises(svc.BroadcastNotFound):
        svc.cancel(rt, "99", by="Bình")


def test_cancel_while_sending_skips_the_rest_and_drops_notices(rt: Runtime) -> None:
    users = [resident(rt, f"u{i}") for i in range(5)]
    resident(rt, "z-away", seen=False)  # last in the audience: pending once reached
    bid = approved(rt)
    svc.run_broadcasts_once(rt, max_recipients=2)
    svc.cancel(rt, bid, by="Chi")
    drain(rt)
    counts = report.report(rt, bid)["counts"]
    sent = sum(len(outbox(rt, u)) for u in users)
    assert counts["sent"] == sent == 2 and counts["skipped"] == 4 and counts["in_progress"] == 0
    assert svc.pending_notices(rt, "z-away", rt.now()) == []
    assert svc.get(rt, bid).closed


def test_a_broadcast_whose_expiry_passes_before_it_starts_is_never_sent(rt: Runtime) -> None:
    resident(rt, "u1")
    at = rt.now() + timedelta(hours=1)
    bid = approved(rt, at=at, expires=at + timedelta(minutes=5))
    drain(rt, now=at + timedelta(minutes=10))
    b = svc.get(rt, bid)
    assert b.status == "expired" and b.closed and outbox(rt, "u1") == []


# --- delivery rules -----------------------------------------------------------------------------


def test_preview_counts_reachable_and_pending(rt: Runtime) -> None:
    resident(rt, "a", "lich-tiem", "hai-hau")
    resident(rt, "b", "lich-tiem")
    resident(rt, "c", "lich-tiem", "hai-hau", seen=False)
    resident(rt, "d", "lich-tiem", "my-loc")
    b = svc.create(rt, topic="lich-tiem", districts=["hai-hau"], text="x", by="An")
    preview = svc.preview(rt, b.id)
    assert (preview["audience"], preview["reachable_now"], preview["pending_notice"]) == (3, 2, 1)


def test_daily_cap_per_resident(redis_url: str) -> None:
    rt = make_rt(redis_url, BROADCAST_DAILY_CAP="1")
    resident(rt, "u1")
    first, second = approved(rt, "Tin 1"), approved(rt, "Tin 2")
    drain(rt)
    assert [m["text"].split("\n")[0] for m in outbox(rt, "u1")] == ["Tin 1"]
    state = Recipients(rt.redis, rt.keys, second).state("u1")
    assert (state.kind, state.detail) == ("skipped", "daily-cap")
    assert report.reasons(rt, svc.get(rt, second))["skipped"] == {"daily-cap": 1}
    assert rt.redis.ttl(rt.keys.daily_broadcasts("u1", clock.day_of(rt.now()))) > 0
    assert report.report(rt, first)["counts"]["sent"] == 1


def test_pending_notice_is_counted_once_however_often_delivered(rt: Runtime) -> None:
    resident(rt, "away", seen=False)
    bid = approved(rt)
    drain(rt)
    notices = svc.pending_notices(rt, "away", rt.now())
    assert notices == [(bid, svc.get(rt, bid).message)]
    svc.notices_delivered(rt, "away", notices)  # the (id, message) pairs are accepted
    svc.notices_delivered(rt, "away", [bid])
    assert svc.pending_notices(rt, "away", rt.now()) == []
    counts = report.report(rt, bid)["counts"]
    assert (counts["sent"], counts["pending"]) == (1, 0)
    assert Recipients(rt.redis, rt.keys, bid).state("away").detail == "notice"


def test_notices_per_resident_are_capped_and_expire(rt: Runtime, rdb: redis.Redis) -> None:
    notices = Notices(rt.redis, rt.keys)
    now_ms = int(time.time() * 1000)
    for i in range(NOTICE_CAP + 5):
        notices.add("u1", str(i), now_ms + 60_000 + i)
    kept = notices.of("u1")
    assert len(kept) == NOTICE_CAP and min(int(k) for k in kept) == 5
    assert 0 < rdb.pttl(rt.keys.notices("u1")) <= 60_000 + NOTICE_CAP + 5


def test_two_workers_at_once_send_each_recipient_one_copy(rt: Runtime) -> None:
    users = [resident(rt, f"u{i:03d}") for i in range(120)]
    bid = approved(rt)
    errors: list[BaseException] = []

    def work() -> None:
        # bounded by time, not by a count of calls: a worker that finds the broadcast leased by
        # another returns at once, and on a busy machine four of them spun through any count
        # before the holder had sent everything
        deadline = time.monotonic() + 50
        try:
            while time.monotonic() < deadline:
                if svc.get(rt, bid).status == "done":
                    return
                if not svc.run_broadcasts_once(rt, max_recipients=7):
                    time.sleep(0.005)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert [len(outbox(rt, u)) for u in users] == [1] * len(users)
    assert report.report(rt, bid)["counts"]["sent"] == 120


def test_an_interrupted_send_is_resolved_by_what_arrived(rt: Runtime) -> None:
    arrived, lost = resident(rt, "arrived"), resident(rt, "lost")
    bid = approved(rt)
    svc.run_broadcasts_once(rt, max_recipients=0)  # freeze only
    recipients = Recipients(rt.redis, rt.keys, bid)
    mark = RecipientState("sending", "cs", int(time.time() * 1000) - 1000)
    for user in (arrived, lost):  # as a worker killed mid-call leaves them
        assert recipients.move([user], mark, ["queued"]) == 1
    rt.sender.send(arrived, Reply("tin đã tới"), priority="bulk")  # the call did go through
    drain(rt)
    assert [len(outbox(rt, u)) for u in (arrived, lost)] == [1, 1]
    assert recipients.state(arrived).kind == recipients.state(lost).kind == "sent"
    assert recipients.in_flight(10) == []


def test_closing_keeps_per_recipient_data_only_for_a_while(rt: Runtime, rdb: redis.Redis) -> None:
    resident(rt, "u1")
    bid = approved(rt)
    drain(rt)
    b = svc.get(rt, bid)
    assert b.status == "done" and b.closed
    states = rt.keys.broadcast_part(bid, "states")
    assert 0 < rdb.ttl(states) <= RETAIN_SECONDS
    assert rdb.ttl(rt.keys.broadcast(bid)) == -1  # the record and counts stay
    assert rdb.zscore(rt.keys.broadcasts_due(), bid) is None


def test_show_json_has_the_contract_fields(rt: Runtime) -> None:
    resident(rt, "u1")
    bid = approved(rt)
    drain(rt)
    data = report.show(rt, bid)
    assert data["id"] == bid and data["status"] == "done"
    assert set(data["counts"]) >= {"total", "sent", "pending", "failed", "skipped", "expired"}
    assert data["counts"]["total"] == data["counts"]["sent"] == 1
    assert data["freeze_ms"] >= 0 and data["approved_by"] == "Bình"
    json.dumps(data)


def test_a_pending_notice_is_dropped_when_the_resident_unsubscribes(rt: Runtime) -> None:
    resident(rt, "away", seen=False)
    bid = approved(rt)
    drain(rt)
    apply_effect(rt, "away", Effect("unsubscribe", {}))  # "#huy": its reply must not carry it
    assert svc.pending_notices(rt, "away", rt.now()) == []
    state = Recipients(rt.redis, rt.keys, bid).state("away")
    assert (state.kind, state.detail) == ("skipped", "unsubscribed")
    assert Notices(rt.redis, rt.keys).of("away") == {}
