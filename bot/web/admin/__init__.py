"""The officers' and staff's web console under /admin: Vietnamese, server-rendered."""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from bot.web.admin import csrf, formatting
from bot.web.admin.access import load_account
from bot.web.admin.blueprint import admin
from bot.web.admin.navigation import nav_items

# Importing the page modules registers their routes on `admin`.
from bot.web.admin import (  # noqa: F401  isort: skip
    accounts_pages,
    auth,
    broadcasts,
    content,
    content_entries,
    dashboard,
)

__all__ = ["admin"]

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
ERRORS = {
    400: "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang rồi thử lại.",
    401: "Bạn cần đăng nhập.",
    403: "Tài khoản của bạn không có quyền dùng chức năng này.",
    404: "Không tìm thấy trang hoặc mục này.",
    409: "Thao tác không thực hiện được ở trạng thái hiện tại.",
}


@admin.record_once
def _configure_cookies(state: BlueprintSetupState) -> None:
    rt = state.app.extensions.get("bot")
    secure = rt.settings.console_cookie_secure if rt is not None else True
    state.app.config.update(
        SESSION_COOKIE_SECURE=secure, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax"
    )


@admin.before_request
def _guard() -> Response | None:
    redirect = load_account()
    if redirect is not None:
        return redirect
    csrf.check()
    return None


@admin.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if response.mimetype in {"text/html", "application/json", "text/csv"}:
        response.headers["Cache-Control"] = "no-store"
    return response


@admin.context_processor
def _template_globals() -> dict[str, Any]:
    account = g.get("account")
    return {
        "csrf_token": csrf.token,
        "account": account,
        "nav": nav_items(account, request.endpoint),
    }


@admin.errorhandler(HTTPException)
def _error(exc: HTTPException) -> tuple[str, int]:
    code = exc.code or 500
    message = ERRORS.get(code) or exc.description or "Đã có lỗi."
    if code == 409 and exc.description:
        message = exc.description
    return render_template("admin/error.html", code=code, message=message), code


formatting.register(admin)
