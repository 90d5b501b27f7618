"""Console authentication: passwords, sessions and cookies, CSRF, login rate limiting, audit."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from bot.services import accounts
from bot.services.runtime import Runtime
from tests.admin_support import (
    PASSWORD,
    console_app,
    console_env,
    csrf_of,
    fast_hashing,  # noqa: F401  (autouse)
    login,
    make_users,
    post,
)


@pytest.fixture
def app(redis_url: str, tmp_path: Path) -> Flask:
    return console_app(console_env(redis_url, tmp_path))


@pytest.fixture
def rt(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["bot"]
    make_users(runtime, "officer", "admin")
    return runtime


@pytest.fixture
def client(app: Flask, rt: Runtime) -> FlaskClient:
    return app.test_client()


def audit_actions(rt: Runtime) -> list[tuple[str, str, str]]:
    return [(e["who"], e["action"], e["outcome"]) for e in accounts.audit_entries(rt)]


# passwords ---------------------------------------------------------------------------------
def test_passwords_are_salted_scrypt_hashes(rt: Runtime, rdb: redis.Redis) -> None:
    accounts.add_user(rt, "officer2", "officer", PASSWORD, by="test")
    stored = [rdb.hget(rt.keys.admin_user(n), "hash") for n in ("officer", "officer2")]
    assert all(s and s.startswith("scrypt$") and PASSWORD not in s for s in stored)
    assert stored[0] != stored[1]  # same password, different salt
    assert accounts.verify_password(PASSWORD, str(stored[0]))
    assert not accounts.verify_password(PASSWORD + "x", str(stored[0]))
    assert not accounts.verify_password(PASSWORD, "garbage")


def test_short_passwords_and_bad_names_are_refused(rt: Runtime) -> None:
    with pytest.raises(accounts.AccountError, match="10"):
        accounts.add_user(rt, "newbie", "staff", "short", by="test")
    with pytest.raises(accounts.AccountError):
        accounts.add_user(rt, "Bad Name!", "staff", PASSWORD, by="test")
    with pytest.raises(accounts.AccountError):
        accounts.add_user(rt, "officer", "staff", PASSWORD, by="test")  # taken
    with pytest.raises(accounts.AccountError):
        accounts.add_user(rt, "someone", "root", PASSWORD, by="test")


# logging in and out ------------------------------------------------------------------------
def test_pages_need_a_login(client: FlaskClient) -> None:
    page = client.get("/admin/dashboard")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/admin/login?next=/admin/dashboard")
    assert client.get("/admin/dashboard", headers={"Accept": "application/json"}).status_code == 401
    assert client.get("/admin/static/admin.css").status_code == 200  # no login for the stylesheet


def test_login_then_logout(client: FlaskClient, rt: Runtime) -> None:
    response = login(client, "officer")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/dashboard"
    page = client.get("/admin/dashboard")
    assert page.status_code == 200
    assert "officer" in page.get_data(as_text=True)
    assert post(client, "/admin/logout").status_code == 302
    assert client.get("/admin/dashboard").status_code == 302
    assert ("officer", "login", "ok") in audit_actions(rt)
    assert ("officer", "logout", "ok") in audit_actions(rt)


def test_login_goes_back_to_the_asked_page_but_never_elsewhere(client: FlaskClient) -> None:
    token = csrf_of(client)
    form = {"name": "officer", "password": PASSWORD, "csrf_token": token}
    back = client.post("/admin/login", data={**form, "next": "/admin/broadcasts"})
    assert back.headers["Location"] == "/admin/broadcasts"
    post(client, "/admin/logout")
    token = csrf_of(client)
    away = client.post(
        "/admin/login", data={**form, "csrf_token": token, "next": "https://evil.example/"}
    )
    assert away.headers["Location"] == "/admin/dashboard"


def test_wrong_password_and_unknown_name_look_the_same(client: FlaskClient, rt: Runtime) -> None:
    wrong = login(client, "officer", "not-the-password")
    unknown = login(client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    message = "Tên đăng nhập hoặc mật khẩu không đúng"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert client.get("/admin/dashboard").status_code == 302
    assert rt.metrics.snapshot()["console_refusals"] == {("login_failed",): 2}
    assert not [a for a in audit_actions(rt) if a[1] == "login"]  # anonymous: counted only


def test_session_cookie_flags(client: FlaskClient) -> None:
    response = login(client, "officer")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # ADMIN_COOKIE_SECURE=false in tests


def test_session_cookie_is_secure_by_default_with_a_real_account(
    redis_url: str, tmp_path: Path
) -> None:
    env = console_env(
        redis_url, tmp_path, ZALO_APP_ID="1", ZALO_APP_SECRET="s", ZALO_ACCESS_TOKEN="t"
    )
    env.pop("ADMIN_COOKIE_SECURE")
    app = console_app(env)
    make_users(app.extensions["bot"], "officer")
    response = login(app.test_client(), "officer", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_changing_the_password_ends_open_sessions(client: FlaskClient, rt: Runtime) -> None:
    login(client, "officer")
    assert client.get("/admin/dashboard").status_code == 200
    accounts.set_password(rt, "officer", PASSWORD + "-2", by="admin")
    assert client.get("/admin/dashboard").status_code == 302
    assert login(client, "officer").status_code == 401
    assert login(client, "officer", PASSWORD + "-2").status_code == 302


def test_removed_account_is_logged_out(client: FlaskClient, rt: Runtime) -> None:
    login(client, "officer")
    accounts.remove_user(rt, "officer", by="admin")
    assert client.get("/admin/dashboard").status_code == 302


def test_security_headers(client: FlaskClient) -> None:
    page = client.get("/admin/login")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"


# CSRF --------------------------------------------------------------------------------------
def test_login_without_or_with_a_wrong_csrf_token_is_refused(client: FlaskClient) -> None:
    form = {"name": "officer", "password": PASSWORD}
    assert client.post("/admin/login", data=form).status_code == 400
    csrf_of(client)  # the session now has a token; a different one is still refused
    refused = client.post("/admin/login", data={**form, "csrf_token": "forged"})
    assert refused.status_code == 400
    assert "Biểu mẫu đã hết hạn" in refused.get_data(as_text=True)
    assert client.get("/admin/dashboard").status_code == 302


def test_forms_of_a_logged_in_person_need_the_token(client: FlaskClient, rt: Runtime) -> None:
    login(client, "admin")
    forged = client.post(
        "/admin/accounts", data={"name": "intruder", "role": "admin", "password": PASSWORD}
    )
    assert forged.status_code == 400
    assert accounts.account(rt, "intruder") is None
    assert client.post("/admin/logout").status_code == 400  # still logged in
    assert client.get("/admin/dashboard").status_code == 200
    header = client.post(
        "/admin/logout", headers={"X-CSRF-Token": csrf_of(client, "/admin/dashboard")}
    )
    assert header.status_code == 302


def test_the_token_changes_at_login(client: FlaskClient) -> None:
    before = csrf_of(client)
    login(client, "officer")
    with client.session_transaction() as sess:
        assert sess.get("csrf") != before


# rate limiting -----------------------------------------------------------------------------
def test_failures_from_many_addresses_lock_the_account_for_minutes_only(
    app: Flask, client: FlaskClient, rt: Runtime, rdb: redis.Redis
) -> None:
    for i in range(accounts.ACCOUNT_MAX_FAILURES):
        other_ip = {"REMOTE_ADDR": f"10.0.0.{i + 1}"}  # spread over addresses: the account counts
        assert login(client, "officer", "wrong-password", environ_base=other_ip).status_code == 401
    blocked = login(client, "officer", environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert blocked.status_code == 429
    assert "thử lại sau" in blocked.get_data(as_text=True)
    assert client.get("/admin/dashboard").status_code == 302
    ttl = rdb.ttl(rt.keys.login_attempts("user:officer"))
    assert 0 < ttl <= accounts.ACCOUNT_WINDOW_SECONDS <= 5 * 60
    refused = rt.metrics.snapshot()["console_refusals"]
    assert refused[("login_failed",)] == accounts.ACCOUNT_MAX_FAILURES
    assert refused[("login_throttled",)] == 1
    assert not [a for a in audit_actions(rt) if a[1] == "login"]  # anonymous: not audited
    rdb.delete(rt.keys.login_attempts("user:officer"))  # the window passes
    assert login(client, "officer", environ_base={"REMOTE_ADDR": "10.0.0.99"}).status_code == 302


def test_one_address_cannot_lock_someone_else_out(client: FlaskClient) -> None:
    attacker = {"REMOTE_ADDR": "203.0.113.66"}
    for _ in range(accounts.MAX_FAILURES * 3):
        assert login(client, "officer", "wrong-password", environ_base=attacker).status_code in {
            401,
            429,
        }
    assert login(client, "officer", environ_base=attacker).status_code == 429
    owner = login(client, "officer", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert owner.status_code == 302


def test_concurrent_wrong_logins_check_no_more_passwords_than_the_limit(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = []
    real = accounts.verify_password

    def slow_verify(password: str, stored: str) -> bool:
        checked.append(1)
        time.sleep(0.05)  # as long as a real scrypt check: the window the race needs
        return real(password, stored)

    monkeypatch.setattr(accounts, "verify_password", slow_verify)

    def attempt(address: str) -> str:
        try:
            accounts.authenticate(rt, "officer", "wrong-password", address)
            return "failed"
        except accounts.LoginThrottled:
            return "throttled"

    with ThreadPoolExecutor(max_workers=32) as pool:
        one_client = list(pool.map(attempt, ["10.5.5.5"] * 64))
    assert len(checked) == accounts.MAX_FAILURES
    assert one_client.count("failed") == accounts.MAX_FAILURES
    checked.clear()
    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(attempt, [f"10.6.{i // 250}.{i % 250}" for i in range(64)]))
    assert len(checked) <= accounts.ACCOUNT_MAX_FAILURES


def test_five_failures_from_one_address_block_that_address(client: FlaskClient) -> None:
    for name in ("a1", "a2", "a3", "a4", "a5"):
        assert login(client, name, "wrong-password").status_code == 401
    assert login(client, "officer").status_code == 429  # right password, blocked address
    other = login(client, "officer", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 302


def test_a_success_resets_the_account_counter(client: FlaskClient, rt: Runtime) -> None:
    for _ in range(accounts.MAX_FAILURES - 1):
        login(client, "officer", "wrong-password", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert login(client, "officer", environ_base={"REMOTE_ADDR": "10.1.1.2"}).status_code == 302
    post(client, "/admin/logout")
    assert login(client, "officer", "wrong-password").status_code == 401  # not yet blocked


def test_behind_the_proxy_each_person_counts_by_their_own_address(client: FlaskClient) -> None:
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}  # the local proxy is trusted by default
    for _ in range(accounts.MAX_FAILURES):
        headers = {"X-Forwarded-For": "203.0.113.9"}
        login(client, "x", "wrong-password", environ_base=via_proxy, headers=headers)
    blocked = login(client, "officer", headers={"X-Forwarded-For": "203.0.113.9"})
    assert blocked.status_code == 429
    other = login(client, "officer", headers={"X-Forwarded-For": "198.51.100.4"})
    assert other.status_code == 302  # another person behind the same proxy is not locked out


def test_an_untrusted_peer_cannot_choose_its_address(client: FlaskClient) -> None:
    stranger = {"REMOTE_ADDR": "192.0.2.50"}
    for i in range(accounts.MAX_FAILURES):
        spoofed = {"X-Forwarded-For": f"198.51.100.{i}"}
        login(client, f"u{i}", "wrong-password", environ_base=stranger, headers=spoofed)
    again = login(client, "officer", environ_base=stranger, headers={"X-Forwarded-For": "1.2.3.4"})
    assert again.status_code == 429
