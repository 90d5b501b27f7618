"""/zalo/oauth/start and /callback: authorise the OA (OAuth v4 with PKCE) and store the pair."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, Response, abort, current_app, redirect, request

from bot.errors import ZaloError
from bot.services.runtime import Runtime
from bot.zalo import oauth

log = logging.getLogger(__name__)
bp = Blueprint("oauth", __name__)
STATE_SECONDS = 600  # Zalo's authorisation code lives 10 minutes


def _runtime() -> Runtime:
    rt: Runtime = current_app.extensions["bot"]
    s = rt.settings
    if not (s.zalo_app_id and s.zalo_app_secret and s.zalo_oauth_redirect_uri):
        abort(404, "OAuth needs ZALO_APP_ID, ZALO_APP_SECRET and ZALO_OAUTH_REDIRECT_URI")
    return rt


@bp.get("/zalo/oauth/start")
def start() -> Response:
    rt = _runtime()
    verifier, challenge = oauth.new_pkce()
    state = secrets.token_urlsafe(24)
    rt.redis.set(rt.keys.oauth_state(state), verifier, ex=STATE_SECONDS)
    s = rt.settings
    url = oauth.authorize_url(
        s.zalo_oauth_base, s.zalo_app_id, s.zalo_oauth_redirect_uri, challenge, state
    )
    return redirect(url, code=302)  # type: ignore[return-value]


@bp.get("/zalo/oauth/callback")
def callback() -> tuple[str, int]:
    rt = _runtime()
    s = rt.settings
    state, code = request.args.get("state", ""), request.args.get("code", "")
    key = rt.keys.oauth_state(state)
    verifier = rt.redis.get(key) if state else None
    rt.redis.delete(key)
    if not verifier or not code:
        return _page("Liên kết không hợp lệ hoặc đã hết hạn. Hãy bắt đầu lại."), 400
    oa_id = request.args.get("oa_id", "")
    if s.zalo_oa_id and oa_id and oa_id != s.zalo_oa_id:
        return _page("Official Account không khớp với ZALO_OA_ID đã cấu hình."), 400
    try:
        pair = oauth.exchange_code(
            s.zalo_oauth_base,
            s.zalo_app_id,
            s.zalo_app_secret,
            code,
            str(verifier),
            timeout=s.zalo_timeout_seconds,
        )
    except ZaloError as exc:
        log.error("oauth code exchange failed", extra={"code": exc.code})
        return _page(f"Zalo từ chối mã uỷ quyền (mã lỗi {exc.code})."), 502
    rt.tokens.store_pair(pair, source="oauth")
    log.info("zalo tokens stored from oauth callback")
    return _page("Đã kết nối Official Account. Bot có thể gửi tin trả lời."), 200


def _page(message: str) -> str:
    return (
        '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Zalo OAuth</title>'
        f"<p>{message}</p></html>"
    )
