"""Console pages through the test client: each role's permissions, broadcasts, content, charts."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from bot.services import accounts
from bot.services.broadcasts import run_broadcasts_once
from bot.services.runtime import Runtime
from bot.store.stats import Stats
from bot.store.subscriptions import Subscriptions
from tests.admin_support import (
    ROLES,
    console_app,
    console_env,
    fast_hashing,  # noqa: F401  (autouse)
    login,
    make_users,
    post,
)

PAGES = {
    "/admin/dashboard": {"officer", "approver", "staff", "admin"},
    "/admin/broadcasts": {"officer", "approver", "admin"},
    "/admin/broadcasts/new": {"officer", "admin"},
    "/admin/content/test": {"staff", "admin"},
    "/admin/content": {"staff", "admin"},
    "/admin/content/unanswered": {"staff", "admin"},
    "/admin/content/feedback": {"staff", "admin"},
    "/admin/accounts": {"admin"},
    "/admin/audit": {"admin"},
}


@pytest.fixture
def app(redis_url: str, tmp_path: Path) -> Flask:
    return console_app(console_env(redis_url, tmp_path))


@pytest.fixture
def rt(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["bot"]
    make_users(runtime)
    accounts.add_user(runtime, "officer2", "officer", "mat-khau-du-dai", by="test")
    return runtime


def client_for(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.get_data(as_text=True))


# permissions -------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_only_its_pages(app: Flask, rt: Runtime, role: str) -> None:
    client = client_for(app, role)
    for path, allowed in PAGES.items():
        status = client.get(path).status_code
        assert status == (200 if role in allowed else 403), (role, path, status)


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_shows_only_what_the_role_may_open(app: Flask, rt: Runtime, role: str) -> None:
    page = text_of(client_for(app, role).get("/admin/dashboard"))
    assert ('href="/admin/accounts"' in page) == (role == "admin")
    assert ('href="/admin/broadcasts"' in page) == (role in {"officer", "approver", "admin"})
    assert ('href="/admin/content/test"' in page) == (role in {"staff", "admin"})


@pytest.mark.parametrize(
    ("role", "path", "form"),
    [
        ("staff", "/admin/broadcasts/new", {"topic": "tin-tuc", "text": "x"}),
        ("approver", "/admin/broadcasts/new", {"topic": "tin-tuc", "text": "x"}),
        ("officer", "/admin/accounts", {"name": "x1", "role": "admin", "password": "a" * 12}),
        ("staff", "/admin/accounts/officer/remove", {}),
        ("officer", "/admin/content/test", {"text": "tiêm ở đâu"}),
    ],
)
def test_forbidden_actions(app: Flask, rt: Runtime, role: str, path: str, form: dict) -> None:
    client = client_for(app, role)
    assert post(client, path, form).status_code == 403
    assert accounts.account(rt, "x1") is None and accounts.account(rt, "officer") is not None


def test_officer_may_not_approve(app: Flask, rt: Runtime) -> None:
    officer = client_for(app, "officer")
    made = post(officer, "/admin/broadcasts/new", {"topic": "tin-tuc", "text": "Tin thử."})
    broadcast_id = made.headers["Location"].rsplit("/", 1)[1]
    assert post(officer, f"/admin/broadcasts/{broadcast_id}/approve").status_code == 403


# broadcasts --------------------------------------------------------------------------------
def subscribe(rt: Runtime, rdb: redis.Redis, users: dict[str, bool], district: str) -> None:
    """Subscribe residents to lich-tiem in `district`; True = wrote to the OA this week."""
    now_ms = int(time.time() * 1000)
    for user_id, recent in users.items():
        Subscriptions(rt.redis, rt.keys).subscribe(user_id, "lich-tiem", district)
        seen = now_ms - (3600_000 if recent else 10 * 24 * 3600_000)
        rdb.set(rt.keys.last_seen(user_id), str(seen))


def test_compose_preview_approve_send_report(app: Flask, rt: Runtime, rdb: redis.Redis) -> None:
    subscribe(rt, rdb, {"1001": True, "1002": True, "1003": False}, "hai-hau")
    subscribe(rt, rdb, {"2001": True}, "y-yen")
    officer, approver = client_for(app, "officer"), client_for(app, "approver")
    made = post(
        officer,
        "/admin/broadcasts/new",
        {
            "topic": "lich-tiem",
            "districts": ["hai-hau"],
            "text": "Sáng mai tiêm mũi 3 tại trạm y tế xã.",
        },
    )
    assert made.status_code == 302
    detail_path = made.headers["Location"]
    broadcast_id = detail_path.rsplit("/", 1)[1]

    page = text_of(officer.get(detail_path))
    assert "Bản nháp" in page and "huyện Hải Hậu" in page
    assert "Nhắn &#34;#huy lich-tiem&#34;" in page  # the opt-out line is in the preview
    assert 'id="audience-total">3<' in page
    assert 'id="audience-reachable">2<' in page and 'id="audience-pending">1<' in page
    assert "Duyệt và lên lịch gửi" not in page  # officers do not approve

    approved = post(approver, f"/admin/broadcasts/{broadcast_id}/approve", follow_redirects=True)
    assert "Đã duyệt" in text_of(approved) and "Sắp gửi" in text_of(
        approved
    )  # due now: no longer "waiting for send time"

    for _ in range(20):  # bounded: a few rounds deliver three recipients
        run_broadcasts_once(rt)
        progress = officer.get(f"/admin/broadcasts/{broadcast_id}/progress").get_json()
        if progress["status"] == "done":
            break
    assert progress["status"] == "done"
    assert progress["counts"]["sent"] == 2 and progress["counts"]["pending"] == 1
    assert progress["handled"] == progress["total"] == 3

    report = text_of(officer.get(f"/admin/broadcasts/{broadcast_id}/report"))
    assert 'id="count-sent">2<' in report and 'id="count-pending">1<' in report
    assert "quá 7 ngày chưa tương tác" in report  # the reason, in words

    exported = officer.get(f"/admin/broadcasts/{broadcast_id}/recipients.csv")
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["user_id"]: r["state"] for r in rows} == {
        "1001": "sent",
        "1002": "sent",
        "1003": "pending",
    }
    listed = text_of(officer.get("/admin/broadcasts"))
    assert f"#{broadcast_id}" in listed and "Đã gửi xong" in listed and "<progress" in listed
    actions = [(e["who"], e["action"]) for e in accounts.audit_entries(rt)]
    for expected in [
        ("officer", "broadcast.create"),
        ("approver", "broadcast.approve"),
        ("officer", "broadcast.export"),
    ]:
        assert expected in actions


def test_four_eyes_refuses_self_approval(app: Flask, rt: Runtime) -> None:
    admin = client_for(app, "admin")
    made = post(admin, "/admin/broadcasts/new", {"topic": "tin-tuc", "text": "Tin thử."})
    broadcast_id = made.headers["Location"].rsplit("/", 1)[1]
    page = text_of(admin.get(made.headers["Location"]))
    assert "không thể tự duyệt" in page and "Duyệt và lên lịch gửi" not in page
    refused = post(admin, f"/admin/broadcasts/{broadcast_id}/approve", follow_redirects=True)
    assert "không thể tự duyệt" in text_of(refused)
    assert "Bản nháp" in text_of(refused)
    assert ("admin", "broadcast.approve", "refused") in [
        (e["who"], e["action"], e["outcome"]) for e in accounts.audit_entries(rt)
    ]


def test_cancel(app: Flask, rt: Runtime) -> None:
    officer = client_for(app, "officer")
    made = post(officer, "/admin/broadcasts/new", {"topic": "tin-tuc", "text": "Tin thử."})
    broadcast_id = made.headers["Location"].rsplit("/", 1)[1]
    cancelled = post(officer, f"/admin/broadcasts/{broadcast_id}/cancel", follow_redirects=True)
    assert "Đã huỷ thông báo" in text_of(cancelled)
    again = post(officer, f"/admin/broadcasts/{broadcast_id}/cancel", follow_redirects=True)
    assert "Không huỷ được" in text_of(again)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"topic": "lich-tiem", "text": ""}, "Nhập nội dung thông báo"),
        ({"topic": "lich-tiem", "text": "x" * 2000}, "Nội dung quá dài"),
        ({"topic": "tin-tuc", "text": "Tin.", "districts": ["hai-hau"]}, "gửi cho cả tỉnh"),
        ({"topic": "khong-co", "text": "Tin."}, "Chọn chủ đề"),
        ({"topic": "tin-tuc", "text": "Tin.", "send_at": "mai"}, "Thời gian không hợp lệ"),
        ({"topic": "tin-tuc", "text": "Tin.", "expires": "2020-01-01T07:00"}, "Hạn hiệu lực"),
    ],
)
def test_compose_explains_mistakes(app: Flask, rt: Runtime, form: dict, message: str) -> None:
    officer = client_for(app, "officer")
    page = post(officer, "/admin/broadcasts/new", form)
    assert page.status_code == 422
    assert message in text_of(page)
    assert text_of(officer.get("/admin/broadcasts")).count("<tr>") == 2  # header + "none yet"


def test_compose_page_has_the_counter_and_opt_out_lines(app: Flask, rt: Runtime) -> None:
    page = text_of(client_for(app, "officer").get("/admin/broadcasts/new"))
    assert 'id="char-count"' in page and 'data-limit="2000"' in page
    assert "data-optout=" in page and "huyện Hải Hậu" in page
    assert 'placeholder="dd/mm/yyyy HH:MM"' in page  # any browser language


def test_unknown_broadcast_is_404(app: Flask, rt: Runtime) -> None:
    assert client_for(app, "officer").get("/admin/broadcasts/999").status_code == 404


# content -----------------------------------------------------------------------------------
def test_content_tester_shows_the_decision(app: Flask, rt: Runtime) -> None:
    staff = client_for(app, "staff")
    staff.get("/admin/content/test")
    page = text_of(post(staff, "/admin/content/test", {"text": "tiêm vắc xin covid có an toàn ko"}))
    assert "an-toan-vac-xin" in page and "Trả lời ngay" in page
    assert 'id="reply-preview"' in page and "Nguồn:" in page
    emergency = text_of(post(staff, "/admin/content/test", {"text": "tiêm xong bị khó thở"}))
    assert "<code>emergency</code>" in emergency and "115" in emergency
    assert "Khẩn cấp: phản ứng nặng sau tiêm" in emergency  # the intent named in Vietnamese
    audit = [(e["who"], e["action"]) for e in accounts.audit_entries(rt)]
    assert ("staff", "content.test") in audit
    assert all("khó thở" not in str(e) for e in accounts.audit_entries(rt))  # no resident text


def test_content_status(app: Flask, rt: Runtime) -> None:
    page = text_of(client_for(app, "staff").get("/admin/content"))
    version = rt.content().version
    assert version in page and "Không có lỗi" in page


def test_unanswered_are_masked_ranked_and_come_with_yaml(app: Flask, rt: Runtime) -> None:
    stats = Stats(rt.redis, rt.keys)
    for _ in range(3):
        stats.log_unanswered("tiêm mũi 3 ở đâu gần nhà 0912 345 678")
    stats.log_unanswered("con chó nhà em bị ốm")
    page = text_of(client_for(app, "staff").get("/admin/content/unanswered"))
    assert "0912" not in page and "***" in page
    assert page.index("gần nhà") < page.index("con chó")  # most asked first
    assert "3 lần" in page
    assert "variants" in page and "- &#34;" in page  # a ready YAML line


def test_feedback_per_entry(app: Flask, rt: Runtime) -> None:
    stats = Stats(rt.redis, rt.keys)
    stats.feedback("an-toan-vac-xin", "down")
    stats.feedback("an-toan-vac-xin", "down")
    stats.feedback("hieu-qua-vac-xin", "up")
    page = text_of(client_for(app, "staff").get("/admin/content/feedback"))
    first_row = page.index("<tbody>")
    assert page.index("an-toan-vac-xin", first_row) < page.index("hieu-qua-vac-xin", first_row)
    assert "100%" in page and "0%" in page


# dashboard ---------------------------------------------------------------------------------
def test_dashboard_charts(app: Flask, rt: Runtime) -> None:
    stats = Stats(rt.redis, rt.keys)
    today = rt.now().strftime("%Y-%m-%d")
    for outcome, faq_id in [("answered", "an-toan-vac-xin")] * 5 + [("fallback", None)] * 2:
        stats.record_turn(today, "faq", outcome, faq_id)
    Subscriptions(rt.redis, rt.keys).subscribe("1001", "lich-tiem", "hai-hau")
    page = text_of(client_for(app, "staff").get("/admin/dashboard"))
    assert page.count('<svg class="chart"') >= 4
    assert "Trả lời được: 5 (71%)" in page and "Chưa trả lời được: 2 (29%)" in page
    assert "Vắc xin COVID-19 đang tiêm có an toàn không?: 5" in page  # top topics, by title
    assert "huyện Hải Hậu: 1" in page
    assert "Mã truy cập Zalo" in page and "chế độ thử" in page
    assert "Tiến trình xử lý (worker)" in page


# accounts ----------------------------------------------------------------------------------
def test_admin_manages_accounts(app: Flask, rt: Runtime) -> None:
    admin = client_for(app, "admin")
    admin.get("/admin/accounts")
    added = post(
        admin,
        "/admin/accounts",
        {"name": "lan", "role": "staff", "password": "mot-mat-khau-dai"},
        follow_redirects=True,
    )
    assert "Đã tạo tài khoản lan" in text_of(added)
    assert accounts.account(rt, "lan") is not None
    short = post(admin, "/admin/accounts/lan/password", {"password": "ngan"}, follow_redirects=True)
    assert "ít nhất 10 ký tự" in text_of(short)
    removed = post(admin, "/admin/accounts/lan/remove", follow_redirects=True)
    assert "Đã xoá tài khoản lan" in text_of(removed)
    assert accounts.account(rt, "lan") is None
    self_remove = post(admin, "/admin/accounts/admin/remove", follow_redirects=True)
    assert "Không thể tự xoá" in text_of(self_remove)
    audit_page = text_of(admin.get("/admin/audit"))
    assert "account.add" in audit_page and "account.remove" in audit_page
