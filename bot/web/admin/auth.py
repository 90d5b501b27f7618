"""Logging in and out of the console."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.services import accounts
from bot.web.admin.access import (
    audit,
    client_address,
    current,
    end_session,
    runtime,
    start_session,
)
from bot.web.admin.blueprint import admin

LOGIN_TARGETS = ("/admin", "/zalo/oauth/start")


def _safe_next(target: str | None) -> str:
    """Only local console paths, so the login page cannot be used to send people elsewhere.

    A path of ours arrives percent-encoded: anything but visible ASCII (control characters,
    spaces, backslashes) is not one, and must not reach the Location header.
    """
    if (
        target
        and target.startswith(LOGIN_TARGETS)
        and not target.startswith("//")
        and all("!" <= ch <= "~" and ch != "\\" for ch in target)
    ):
        return target
    return url_for("admin.dashboard")


@admin.get("/login")
def login() -> str | Response:
    if g.get("account") is not None and request.args.get("next") is None:
        return redirect(url_for("admin.dashboard"))
    return render_template("admin/login.html", next=request.args.get("next", ""))


@admin.post("/login")
def login_post() -> tuple[str, int] | Response:
    name = request.form.get("name", "")
    password = request.form.get("password", "")
    target = request.form.get("next", "")
    try:
        account = accounts.authenticate(runtime(), name, password, client_address())
    except accounts.LoginThrottled:
        error = (
            "Đăng nhập sai quá nhiều lần. Tài khoản hoặc máy này tạm bị khoá, "
            f"vui lòng thử lại sau {accounts.FAILURE_WINDOW_SECONDS // 60} phút."
        )
        return render_template("admin/login.html", error=error, name=name, next=target), 429
    if account is None:
        error = "Tên đăng nhập hoặc mật khẩu không đúng."
        return render_template("admin/login.html", error=error, name=name, next=target), 401
    start_session(account)
    return redirect(_safe_next(target))


@admin.post("/logout")
def logout() -> Response:
    audit("logout", current().name)
    end_session()
    return redirect(url_for("admin.login"))
