"""The console in headless Chromium: log in, compose, preview, approve as a second person,
watch the broadcast reach "done" against the fake Zalo, use the content tester.

The real app is served by werkzeug on a free loopback port, with a real Redis, the fake Zalo
and a real worker thread delivering the broadcast. Every page is saved as a screenshot under
test-output/screenshots/; with UPDATE_SCREENSHOTS=1 the dashboard and broadcast ones also
go to docs/screenshots/ for the README.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from bot.dialogue.wording_broadcasts import broadcast_message
from bot.services import accounts
from bot.services.runtime import Runtime
from bot.services.subscriptions import topics_of
from bot.services.worker import Worker
from bot.store.stats import Stats
from bot.store.subscriptions import Subscriptions
from tests.admin_support import PASSWORD, console_env
from tests.conftest import ROOT
from tests.fakezalo.events import APP_ID
from tests.fakezalo.server import FakeZalo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = ROOT / "test-output" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
ACCESS, REFRESH = "e2e-access-token", "e2e-refresh-token"
IN_WINDOW = ["3001", "3002", "3003", "3004"]  # wrote to the OA this week
CLOSED_AT_ZALO = "3005"  # the bot saw them lately, but Zalo answers -230
OUT_OF_WINDOW = ["3006", "3007"]  # silent for ten days: pending notices
OTHER_DISTRICT = "4001"
STEP_TIMEOUT_MS = 30_000
expect.set_options(timeout=STEP_TIMEOUT_MS)


def build_app(env: dict[str, str]) -> Flask:
    """The composition root's app, with the console mounted if the root does not mount it yet."""
    from app import create_app
    from bot.web.admin import admin

    app = create_app(env)
    if "admin" not in app.blueprints:
        app.register_blueprint(admin)
    return app


@pytest.fixture
def fake_zalo() -> Iterator[FakeZalo]:
    fake = FakeZalo(app_id=APP_ID, access_token=ACCESS, refresh_token=REFRESH).start()
    fake.window_closed.add(CLOSED_AT_ZALO)
    yield fake
    fake.stop()


@pytest.fixture
def app(redis_url: str, tmp_path: Path, fake_zalo: FakeZalo) -> Flask:
    env = console_env(
        redis_url,
        tmp_path / "instance",
        ZALO_APP_ID=APP_ID,
        ZALO_APP_SECRET="fake-app-secret",
        ZALO_ACCESS_TOKEN=ACCESS,
        ZALO_REFRESH_TOKEN=REFRESH,
        ZALO_API_BASE=fake_zalo.url,
        ZALO_OAUTH_BASE=fake_zalo.url,
        ZALO_TIMEOUT_SECONDS="2",
        SECRET_KEY="e2e-secret",
        ZALO_SEND_RATE="200",
    )
    return build_app(env)


@pytest.fixture
def rt(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["bot"]
    for name, role in (("lan", "officer"), ("hung", "approver"), ("mai", "staff")):
        accounts.add_user(runtime, name, role, PASSWORD, by="test")
    seed_residents(runtime)
    seed_statistics(runtime)
    return runtime


@pytest.fixture
def base_url(app: Flask, rt: Runtime) -> Iterator[str]:
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def worker(rt: Runtime) -> Iterator[Worker]:
    """A real worker loop (inbound queue and broadcasts) in a thread."""
    w = Worker(rt, name="e2e-worker")
    thread = threading.Thread(target=w.run)
    thread.start()
    yield w
    w.stopping.set()
    thread.join(15)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        # launch() starts from a new, empty profile directory of its own every time.
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def seed_residents(rt: Runtime) -> None:
    subs = Subscriptions(rt.redis, rt.keys)
    now_ms = int(time.time() * 1000)
    recent = [*IN_WINDOW, CLOSED_AT_ZALO]
    for user_id in [*recent, *OUT_OF_WINDOW]:
        subs.subscribe(user_id, "lich-tiem", "hai-hau")
        age = 3600_000 if user_id in recent else 10 * 24 * 3600_000
        rt.redis.set(rt.keys.last_seen(user_id), str(now_ms - age))
    subs.subscribe(OTHER_DISTRICT, "lich-tiem", "y-yen")
    rt.redis.set(rt.keys.last_seen(OTHER_DISTRICT), str(now_ms))
    for i, district in enumerate(["tp-nam-dinh", "tp-nam-dinh", "y-yen", "giao-thuy", "nam-truc"]):
        subs.subscribe(f"50{i}", "lich-tiem", district)
    for i in range(6):
        subs.subscribe(f"60{i}", "tin-tuc")


def seed_statistics(rt: Runtime) -> None:
    """Two weeks of plausible counters, so the dashboard's charts have something to show."""
    stats = Stats(rt.redis, rt.keys)
    today = rt.now().date()
    faq_ids = list(rt.content().entries)[:6]
    for back in range(14):
        day = (today - timedelta(days=back)).isoformat()
        for i in range(20 + (back * 7) % 23):
            outcome = ("answered", "answered", "answered", "clarified", "fallback")[i % 5]
            stats.record_turn(day, "faq", outcome, faq_ids[i % len(faq_ids)])
        stats.record_turn(day, "emergency", "emergency", None)
    stats.log_unanswered("tiêm mũi 4 được chưa, sđt em ***")
    stats.feedback(faq_ids[0], "up")
    stats.feedback(faq_ids[1], "down")


def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(browser: Browser, base_url: str, name: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base_url}/admin/")
    expect(page).to_have_url(f"{base_url}/admin/login?next=/admin/")
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text(f"{name} ·")).to_be_visible()
    return context, page


def test_console_end_to_end(
    browser: Browser, base_url: str, rt: Runtime, fake_zalo: FakeZalo, worker: Worker
) -> None:
    # A wrong password first: the page says so, in Vietnamese.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base_url}/admin/login")
    page.get_by_label("Tên đăng nhập").fill("lan")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau-roi")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_contain_text("không đúng")
    shot(page, "01-login-error")
    context.close()

    # The officer logs in, looks at the dashboard, composes a broadcast.
    officer_ctx, officer = log_in(browser, base_url, "lan")
    expect(officer).to_have_url(f"{base_url}/admin/dashboard")
    expect(officer.locator("svg.chart")).to_have_count(4)
    officer.keyboard.press("Tab")
    expect(officer.locator(".skip")).to_be_focused()  # keyboard users can skip the menu
    officer.keyboard.press("Enter")
    expect(officer.locator("#main")).to_be_focused()
    shot(officer, "02-dashboard")
    officer.get_by_role("link", name="Thông báo").click()
    officer.get_by_role("link", name="+ Soạn thông báo").click()
    officer.get_by_label("Chủ đề").select_option("lich-tiem")
    officer.get_by_label("huyện Hải Hậu").check()
    text = "Sáng thứ Bảy 14/8, trạm y tế các xã huyện Hải Hậu tiêm mũi nhắc lại. Mang theo CCCD."
    officer.get_by_label("Nội dung").fill(text)
    opt_out = topics_of(rt).topic("lich-tiem").opt_out_line  # type: ignore[union-attr]
    total = len(broadcast_message(text, opt_out))
    expect(officer.locator("#char-count")).to_contain_text(f"{total} / 2000")
    expect(officer.locator("#live-preview")).to_contain_text(opt_out)
    shot(officer, "03-compose")
    officer.get_by_role("button", name="Lưu bản nháp và xem trước").click()

    # The draft's preview: the message as residents will see it, and the audience.
    expect(officer.locator("[data-status]")).to_have_attribute("data-status", "draft")
    expect(officer.locator(".preview")).to_contain_text(opt_out)
    audience = len(IN_WINDOW) + 1 + len(OUT_OF_WINDOW)
    expect(officer.locator("#audience-total")).to_have_text(str(audience))
    expect(officer.locator("#audience-reachable")).to_have_text(str(len(IN_WINDOW) + 1))
    expect(officer.locator("#audience-pending")).to_have_text(str(len(OUT_OF_WINDOW)))
    expect(officer.get_by_role("button", name="Duyệt và lên lịch gửi")).to_have_count(0)
    shot(officer, "04-broadcast-preview")
    detail_url = officer.url

    # A second person, the approver, approves it. Zalo answers slowly, so sending takes a while.
    fake_zalo.latency = 0.8
    approver_ctx, approver = log_in(browser, base_url, "hung")
    approver.goto(detail_url)
    approver.get_by_role("button", name="Duyệt và lên lịch gửi").click()
    expect(approver.get_by_role("status")).to_contain_text("Đã duyệt")

    # The officer's page follows the progress live until the broadcast is done.
    officer.reload()
    expect(officer.locator("[data-status]")).to_have_attribute("data-status", "sending")
    expect(officer.locator("progress")).not_to_have_attribute("value", "0")  # polled live
    shot(officer, "05-broadcast-sending")
    expect(officer.locator("[data-status]")).to_have_attribute("data-status", "done")
    expect(officer.locator("progress")).to_have_attribute("value", str(audience))
    expect(officer.locator("[data-progress-label]")).to_contain_text(f"{audience}/{audience}")
    shot(officer, "06-broadcast-done")

    # Everything accounted for: each in-window resident got exactly one copy at Zalo.
    assert sorted(m["user_id"] for m in fake_zalo.sent) == sorted(IN_WINDOW)
    assert all(fake_zalo.texts_to(u) == [broadcast_message(text, opt_out)] for u in IN_WINDOW)
    officer.get_by_role("link", name="Xem báo cáo chi tiết").click()
    expect(officer.locator("#count-total")).to_have_text(str(audience))
    expect(officer.locator("#count-sent")).to_have_text(str(len(IN_WINDOW)))
    expect(officer.locator("#count-pending")).to_have_text(str(len(OUT_OF_WINDOW) + 1))
    expect(officer.get_by_text("mã -230")).to_be_visible()
    with officer.expect_download() as download:
        officer.get_by_role("link", name="Tải danh sách người nhận (CSV)").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.startswith("user_id,state,detail,at,attempts")
    assert len(csv_text.strip().splitlines()) == audience + 1
    shot(officer, "07-broadcast-report")
    officer.get_by_role("link", name="Thông báo").first.click()
    expect(officer.get_by_text("Đã gửi xong")).to_be_visible()
    shot(officer, "08-broadcast-list")
    approver_ctx.close()
    officer_ctx.close()

    # Health staff try a resident's question, on a phone-sized screen.
    staff_ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    staff_ctx.set_default_timeout(STEP_TIMEOUT_MS)
    staff = staff_ctx.new_page()
    staff.goto(f"{base_url}/admin/login")
    staff.get_by_label("Tên đăng nhập").fill("mai")
    staff.get_by_label("Mật khẩu").fill(PASSWORD)
    staff.get_by_role("button", name="Đăng nhập").click()
    shot(staff, "09-dashboard-phone")
    staff.get_by_role("link", name="Thử câu hỏi").click()
    staff.get_by_label("Câu hỏi của người dân").fill("tiem vac xin covid co an toan ko ad")
    staff.get_by_role("button", name="Xem bot trả lời").click()
    expect(staff.locator("#result")).to_contain_text("an-toan-vac-xin")
    expect(staff.locator("#reply-preview")).to_contain_text("Nguồn:")
    shot(staff, "10-content-tester")
    staff.get_by_role("link", name="Câu chưa trả lời").click()
    expect(staff.locator("pre.snippet").first).to_contain_text("- ")
    shot(staff, "11-unanswered")
    staff.get_by_role("link", name="Nội dung", exact=True).click()
    expect(staff.get_by_text("Không có lỗi")).to_be_visible()
    shot(staff, "12-content-status")
    staff_ctx.close()

    if os.environ.get("UPDATE_SCREENSHOTS"):  # `make screenshots`: refresh the README's images
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHOTS / "02-dashboard.png", DOCS / "dashboard.png")
        shutil.copyfile(SHOTS / "06-broadcast-done.png", DOCS / "broadcast.png")
