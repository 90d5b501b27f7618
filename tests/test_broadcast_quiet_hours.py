"""Quiet hours as officers see them: when an approved broadcast will go, a status true to the
clock, and a changed BROADCAST_QUIET_HOURS applied to broadcasts not yet sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.services import broadcast_report as report
from bot.services import broadcasts as svc
from bot.services.runtime import Runtime
from tests.test_broadcasts import approved, drain, make_rt, outbox, resident

QUIET = "21:00-07:00"


def tomorrow_at(rt: Runtime, hour: int, minute: int = 0) -> datetime:
    day = rt.now() + timedelta(days=1)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def test_approved_inside_quiet_hours_says_when_it_will_be_sent(redis_url: str) -> None:
    rt = make_rt(redis_url, BROADCAST_QUIET_HOURS=QUIET)
    at = tomorrow_at(rt, 22, 15)
    b = svc.get(rt, approved(rt, at=at))
    morning = (at + timedelta(days=1)).replace(hour=7, minute=0)
    note = report.schedule_note(rt, b, now=at - timedelta(minutes=5))
    assert note == (f"Sẽ gửi lúc 07:00 ngày {morning:%d/%m/%Y} (sau giờ yên tĩnh 21:00–07:00).")
    assert report.status_label(rt, b, now=at) == "Chờ đến giờ gửi"
    # Once 07:00 has passed it no longer says it waits for its send time.
    later = morning + timedelta(minutes=1)
    assert report.status_label(rt, b, now=later) != "Chờ đến giờ gửi"
    assert "Sẽ gửi lúc" not in report.schedule_note(rt, b, now=later)
    # Outside quiet hours the note is the send time itself.
    day = svc.get(rt, approved(rt, at=tomorrow_at(rt, 10, 30)))
    assert report.schedule_note(rt, day, now=rt.now()).startswith("Sẽ gửi lúc 10:30 ngày ")


def test_the_console_page_shows_it(redis_url: str) -> None:
    rt = make_rt(redis_url, BROADCAST_QUIET_HOURS=QUIET)
    at = tomorrow_at(rt, 23, 0)
    b = svc.get(rt, approved(rt, at=at))
    # The page reads the current time; a broadcast due now inside quiet hours shows the morning.
    note = report.schedule_note(rt, b, now=at)
    assert note.startswith("Sẽ gửi lúc 07:00 ngày ")


def test_a_changed_quiet_hours_setting_applies_to_a_paused_broadcast(redis_url: str) -> None:
    rt = make_rt(redis_url, BROADCAST_QUIET_HOURS=QUIET)
    resident(rt, "u1")
    at = tomorrow_at(rt, 22, 0)
    bid = approved(rt, at=at)
    drain(rt, now=at + timedelta(minutes=1))
    drain(rt, now=at + timedelta(minutes=3))  # looked at again: still quiet, logged once
    assert outbox(rt, "u1") == []
    history = report.show(rt, bid)["history"]
    paused = [h for h in history if h["action"] == "paused"]
    assert len(paused) == 1 and "gửi lúc 07:00 ngày" in str(paused[0]["detail"])
    # The office turns quiet hours off and restarts the workers: it goes out within a minute,
    # not at the 07:00 computed under the old setting.
    no_quiet = make_rt(redis_url, BROADCAST_QUIET_HOURS="")
    drain(no_quiet, now=at + timedelta(minutes=4))
    assert len(outbox(rt, "u1")) == 1
    assert svc.get(rt, bid).status == "done"


def test_history_and_errors_read_in_vietnamese(redis_url: str) -> None:
    rt = make_rt(redis_url)
    resident(rt, "u1")
    bid = approved(rt)
    drain(rt)
    details = " ".join(str(h["detail"]) for h in report.show(rt, bid)["history"])
    assert "chốt danh sách: 1 người nhận" in details
    assert "đã nhận 1" in details
    assert "gửi lúc " in details and "T" not in details.split("gửi lúc ")[1][:16]
    for english in ("audience", "recipients", "accounted", "for 20"):
        assert english not in details


def test_the_console_shows_the_morning_and_takes_dates_as_ddmmyyyy(
    redis_url: str, tmp_path: Path
) -> None:
    from tests.admin_support import console_app, console_env, login, make_users, post

    hour = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).hour
    end = (hour + 2) % 24
    app = console_app(
        console_env(redis_url, tmp_path, BROADCAST_QUIET_HOURS=f"{hour:02d}:00-{end:02d}:00")
    )
    make_users(app.extensions["bot"])
    officer, approver = app.test_client(), app.test_client()
    assert login(officer, "officer").status_code == 302
    assert login(approver, "approver").status_code == 302
    page = officer.get("/admin/broadcasts/new").get_data(as_text=True)
    assert 'type="datetime-local"' not in page and 'placeholder="dd/mm/yyyy HH:MM"' in page
    wrong = post(
        officer, "/admin/broadcasts/new", {"topic": "tin-tuc", "text": "x", "expires": "2031-13-01"}
    )
    assert "ví dụ 14/08/2021 07:30" in wrong.get_data(as_text=True)
    made = post(
        officer,
        "/admin/broadcasts/new",
        {"topic": "tin-tuc", "text": "Tin thử.", "expires": "17/08/2031 07:30"},
    )
    assert made.status_code == 302, made.get_data(as_text=True)
    path = made.headers["Location"]
    assert "17/08/2031 07:30" in officer.get(path).get_data(as_text=True)
    assert post(approver, path + "/approve").status_code == 302
    shown = approver.get(path).get_data(as_text=True)
    assert f"Sẽ gửi lúc {end:02d}:00 ngày " in shown
    assert "Chờ đến giờ gửi" in shown
