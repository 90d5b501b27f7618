"""GET /: a plain page that also carries Zalo's domain-verification meta tag."""

from __future__ import annotations

from flask import Blueprint, current_app
from markupsafe import escape

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    token = current_app.extensions["bot"].settings.zalo_site_verification
    meta = (
        f'<meta name="zalo-platform-site-verification" content="{escape(token)}" />'
        if token
        else ""
    )
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8">{meta}'
        "<title>Hỏi đáp tiêm vắc xin COVID-19 — Nam Định</title></head>"
        "<body><p>Kênh Zalo hỏi đáp về tiêm vắc xin phòng COVID-19 của ngành Y tế tỉnh Nam Định."
        "</p></body></html>"
    )
