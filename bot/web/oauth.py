"""/zalo/oauth/start and /callback: an admin authorises the OA (OAuth v4, PKCE); store the pair.

Only a logged-in console admin can start the flow (a form with the CSRF token), the `state` is
bound to that admin's session, the callback must name the configured OA, and the new token is
asked which OA it speaks for before the pair replaces the live one.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets

from flask import Blueprint, Response, abort, current_app, redirect, request, session, url_for
from markupsafe import escape

from bot.errors import ZaloError
from bot.services import accounts
from bot.services.accounts import Account
from bot.services.runtime import Runtime
from bot.web.admin import csrf
from bot.web.admin.access import session_account
from bot.zalo import oauth

log = logging.getLogger(__name__)
bp = Blueprint("oauth", __name__)
STATE_SECONDS = 600  # Zalo's authorisation code lives 10 minutes
SESSION_STATE = "oauth_state"
PERMISSION = "accounts"  # admin only: replacing the tokens can take the bot off the air


def _runtime() -> Runtime:
    rt: Runtime = current_app.extensions["bot"]
    s = rt.settings
    if not (s.zalo_app_id and s.zalo_app_secret and s.zalo_oauth_redirect_uri and s.zalo_oa_id):
        abort(
            404,
            "OAuth needs ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OAUTH_REDIRECT_URI and ZALO_OA_ID",
        )
    return rt


def _admin() -> Account | None:
    account = session_account()
    return account if account is not None and account.can(PERMISSION) else None


@bp.get("/zalo/oauth/start")
def start_page() -> Response | tuple[str, int]:
    _runtime()
    if session_account() is None:
        return redirect(url_for("admin.login", next="/zalo/oauth/start"))  # type: ignore[return-value]
    if _admin() is None:
        return _page("Chỉ quản trị viên được kết nối Official Account."), 403
    form = (
        f'<form method="post" action="{url_for("oauth.start")}">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf.token())}">'
        '<button type="submit">Kết nối Official Account với Zalo</button></form>'
    )
    return _page(
        "Bấm nút dưới đây để chuyển sang Zalo và cấp quyền cho ứng dụng. "
        "Cặp token mới sẽ thay cặp đang dùng.",
        form,
    ), 200


@bp.post("/zalo/oauth/start")
def start() -> Response | tuple[str, int]:
    rt = _runtime()
    admin = _admin()
    if admin is None:
        return _page("Chỉ quản trị viên đã đăng nhập được kết nối Official Account."), 403
    csrf.check()
    verifier, challenge = oauth.new_pkce()
    state = secrets.token_urlsafe(24)
    record = json.dumps({"verifier": verifier, "by": admin.name})
    rt.redis.set(rt.keys.oauth_state(state), record, ex=STATE_SECONDS)
    session[SESSION_STATE] = state
    s = rt.settings
    url = oauth.authorize_url(
        s.zalo_oauth_base, s.zalo_app_id, s.zalo_oauth_redirect_uri, challenge, state
    )
    accounts.audit(rt, admin.name, "oauth.start", s.zalo_oa_id)
    return redirect(url, code=302)  # type: ignore[return-value]


@bp.get("/zalo/oauth/callback")
def callback() -> tuple[str, int]:
    rt = _runtime()
    s = rt.settings
    state, code = request.args.get("state", ""), request.args.get("code", "")
    admin = _admin()
    expected = session.pop(SESSION_STATE, None)
    if admin is None:
        return _page("Cần đăng nhập bằng tài khoản quản trị rồi bắt đầu lại."), 403
    if not (isinstance(expected, str) and state and hmac.compare_digest(expected, state)):
        return _page("Liên kết không hợp lệ hoặc đã hết hạn. Hãy bắt đầu lại."), 400
    key = rt.keys.oauth_state(state)
    raw = rt.redis.get(key)
    rt.redis.delete(key)
    record = json.loads(str(raw)) if raw else {}
    if not record or record.get("by") != admin.name or not code:
        return _page("Liên kết không hợp lệ hoặc đã hết hạn. Hãy bắt đầu lại."), 400
    oa_id = request.args.get("oa_id", "")
    if oa_id != s.zalo_oa_id:
        accounts.audit(rt, admin.name, "oauth.callback", oa_id[:40], outcome="refused other OA")
        return _page("Official Account không khớp với ZALO_OA_ID đã cấu hình."), 400
    try:
        pair = oauth.exchange_code(
            s.zalo_oauth_base,
            s.zalo_app_id,
            s.zalo_app_secret,
            code,
            str(record.get("verifier", "")),
            timeout=s.zalo_timeout_seconds,
        )
        confirmed = oauth.oa_id_of(
            s.zalo_api_base, pair.access_token, timeout=s.zalo_timeout_seconds
        )
    except ZaloError as exc:
        log.error("oauth code exchange failed", extra={"code": exc.code})
        return _page(f"Zalo từ chối mã uỷ quyền (mã lỗi {exc.code})."), 502
    if confirmed != s.zalo_oa_id:
        accounts.audit(rt, admin.name, "oauth.callback", confirmed[:40], outcome="refused other OA")
        other = "Token mới thuộc một Official Account khác; cặp token cũ được giữ nguyên."
        return _page(other), 400
    rt.tokens.store_pair(pair, source="oauth")
    accounts.audit(rt, admin.name, "oauth.callback", s.zalo_oa_id)
    log.info("zalo tokens stored from oauth callback")
    return _page("Đã kết nối Official Account. Bot có thể gửi tin trả lời."), 200


def _page(message: str, extra: str = "") -> str:
    return (
        '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Zalo OAuth</title>'
        f"<p>{escape(message)}</p>{extra}</html>"
    )
