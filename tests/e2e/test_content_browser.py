"""Content editing in headless Chromium: health staff edit an answer, try a question on the
draft and submit it; a reviewer approves it; the sandbox answers with the new text within 5 s;
the reviewer rolls it back and the old text returns.

The real app is served by werkzeug on a free loopback port, in local mode (replies go to the
sandbox), with a real Redis and a real worker thread answering. Screenshots of the list, the
editor, the review and the history go to test-output/screenshots/, and with UPDATE_SCREENSHOTS=1
to docs/screenshots/ for the README.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from app import create_app
from bot.services import accounts
from bot.services.runtime import Runtime
from bot.services.worker import Worker
from bot.store.stats import Stats
from tests.admin_support import PASSWORD, console_env
from tests.conftest import ROOT
from tests.e2e.test_console_browser import CHROMIUM, CHROMIUM_ARGS, STEP_TIMEOUT_MS

SHOTS = ROOT / "test-output" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
ENTRY, QUESTION = "sot-sau-tiem", "tiêm xong bị sốt phải làm sao"
ADDED = "Nếu sốt kéo dài quá 2 ngày, bạn liên hệ ngay Trạm Y tế xã/phường."
LIVE_WITHIN_MS = 5_000
APPROVE_JS = """(url) => fetch(url, {method: "POST", credentials: "same-origin", redirect: "manual",
  headers: {"X-CSRF-Token": document.querySelector("input[name=csrf_token]").value}})
  .then((r) => r.status)"""
expect.set_options(timeout=STEP_TIMEOUT_MS)


@pytest.fixture
def app(redis_url: str, tmp_path: Path) -> Flask:
    for name in ("faq.yaml", "hotlines.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    env = console_env(
        redis_url,
        tmp_path / "instance",
        FAQ_PATH=str(tmp_path / "faq.yaml"),
        HOTLINES_PATH=str(tmp_path / "hotlines.yaml"),
        SECRET_KEY="e2e-content-secret",
        REDIS_KEY_PREFIX="e2c:",
    )
    return create_app(env)


@pytest.fixture
def rt(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["bot"]
    assert runtime.settings.local_mode
    for name, role in (("mai", "staff"), ("hung", "reviewer")):
        accounts.add_user(runtime, name, role, PASSWORD, by="test")
    stats = Stats(runtime.redis, runtime.keys)
    today = runtime.now().date().isoformat()
    for _ in range(12):
        stats.record_turn(today, "faq", "answered", ENTRY)
    stats.feedback(ENTRY, "up")
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
    w = Worker(rt, name="e2e-content-worker")
    thread = threading.Thread(target=w.run)
    thread.start()
    yield w
    w.stopping.set()
    thread.join(15)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(browser: Browser, base_url: str, name: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base_url}/admin/login")
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text(f"{name} ·")).to_be_visible()
    return page


def ask_sandbox(page: Page, text: str) -> None:
    page.get_by_role("button", name="Người dùng mới").click()  # a fresh conversation
    page.get_by_label("Tin nhắn").fill(text)
    page.get_by_role("button", name="Gửi").click()


def test_edit_try_submit_approve_sandbox_rollback(
    browser: Browser, base_url: str, rt: Runtime, worker: Worker
) -> None:
    sandbox = browser.new_context(viewport={"width": 800, "height": 900}).new_page()
    sandbox.goto(f"{base_url}/sandbox")
    ask_sandbox(sandbox, QUESTION)
    expect(sandbox.locator("#log")).to_contain_text("Nguồn:")
    assert ADDED not in sandbox.locator("#log").inner_text()

    # Health staff find the entry (typed without diacritics) and edit its answer.
    staff = log_in(browser, base_url, "mai")
    staff.get_by_role("link", name="Mục hỏi đáp").click()
    staff.get_by_label("Tìm (có dấu hoặc không dấu)").fill("sot sau tiem")
    staff.get_by_role("button", name="Tìm").click()
    expect(staff.locator("#entries")).to_contain_text(ENTRY)
    shot(staff, "content-01-entries")
    staff.locator("#entries a").first.click()
    expect(staff.locator("#resident-view")).to_contain_text("Nguồn:")
    staff.get_by_role("link", name="Sửa", exact=True).click()
    answer = staff.get_by_label("Câu trả lời (bot tự thêm “Nguồn: …”)")
    old_first_line = answer.input_value().splitlines()[0]
    # the new text replaces the last line (an answer stays within its 600 characters)
    answer.fill("\n".join([*answer.input_value().rstrip().splitlines()[:-1], ADDED]))
    expect(staff.locator("#errors")).to_have_text("Không có lỗi.")  # checked live while typing
    staff.get_by_label("Câu hỏi của người dân").fill(QUESTION)
    staff.get_by_role("button", name="Thử câu hỏi").click()
    expect(staff.locator("#try-entry")).to_have_text(ENTRY)
    assert answer.input_value().endswith(ADDED)  # the draft is kept across the try
    shot(staff, "content-02-editor")
    staff.get_by_role("button", name="Gửi duyệt").click()
    expect(staff.locator("#change-status")).to_have_attribute("data-status", "pending")
    change_url = staff.url
    expect(staff.get_by_role("button", name="Duyệt và áp dụng")).to_have_count(0)

    # Nothing reaches residents before approval.
    ask_sandbox(sandbox, QUESTION)
    expect(sandbox.locator("#log")).to_contain_text("Nguồn:")
    assert ADDED not in sandbox.locator("#log").inner_text()

    # A reviewer, not the author, sees the field-by-field diff and approves it.
    reviewer = log_in(browser, base_url, "hung")
    reviewer.get_by_role("link", name="Chờ duyệt").click()
    reviewer.get_by_role("link", name=change_url.rsplit("/", 1)[1], exact=True).click()
    expect(reviewer.locator(".diff-lines .add")).to_contain_text(ADDED)
    shot(reviewer, "content-03-review")
    reviewer.get_by_role("button", name="Duyệt và áp dụng").click()
    expect(reviewer.get_by_role("status")).to_contain_text("Đã duyệt")
    approved = time.monotonic()

    # The sandbox answers with the new text within 5 seconds.
    ask_sandbox(sandbox, QUESTION)
    expect(sandbox.locator("#log")).to_contain_text(ADDED, timeout=LIVE_WITHIN_MS)
    assert time.monotonic() - approved <= LIVE_WITHIN_MS / 1000 + 0.5

    # The reviewer rolls the entry back to its first version in one step.
    reviewer.goto(f"{base_url}/admin/content/entries/{ENTRY}/history")
    expect(reviewer.locator("#v2")).to_contain_text("người duyệt: hung")
    shot(reviewer, "content-04-history")
    reviewer.on("dialog", lambda dialog: dialog.accept())
    reviewer.locator("#v1").get_by_role("button", name="Quay lại bản này").click()
    expect(reviewer.get_by_role("status")).to_contain_text("Đã quay lại bản 1")
    rolled_back = time.monotonic()
    ask_sandbox(sandbox, QUESTION)
    expect(sandbox.locator("#log")).to_contain_text(old_first_line[:40], timeout=LIVE_WITHIN_MS)
    expect(sandbox.locator("#log")).not_to_contain_text(ADDED)
    assert time.monotonic() - rolled_back <= LIVE_WITHIN_MS / 1000 + 0.5

    # The author cannot approve their own change: not with the button, not with a crafted POST.
    code = staff.evaluate(APPROVE_JS, change_url + "/approve")
    assert code == 403  # staff may not approve at all
    reviewer.goto(f"{base_url}/admin/content/entries/{ENTRY}/edit")
    reviewer.get_by_label("Nguồn (văn bản, cơ quan ban hành, ngày)").fill("Bộ Y tế, 2021")
    reviewer.get_by_role("button", name="Gửi duyệt").click()
    expect(reviewer.locator("#change-status")).to_have_attribute("data-status", "pending")
    expect(reviewer.get_by_text("không thể tự duyệt")).to_be_visible()
    expect(reviewer.get_by_role("button", name="Duyệt và áp dụng")).to_have_count(0)
    reviewer.evaluate(APPROVE_JS, reviewer.url + "/approve")
    reviewer.reload()
    expect(reviewer.locator("#change-status")).to_have_attribute("data-status", "pending")
    expect(reviewer.get_by_role("alert")).to_contain_text("không được tự duyệt")

    if os.environ.get("UPDATE_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        for name in ("entries", "editor", "review", "history"):
            found = next(SHOTS.glob(f"content-0?-{name}.png"))
            shutil.copyfile(found, DOCS / f"content-{name}.png")
