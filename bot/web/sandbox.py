"""/sandbox: chat with the bot as a resident in local mode; replies come from the outbox."""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from bot.errors import StoreUnavailable
from bot.services.ingest import ingest, local_text_event
from bot.services.runtime import Runtime
from bot.store.outbox import SandboxOutbox
from bot.web.jsonbody import json_object
from bot.zalo.events import parse_event

bp = Blueprint("sandbox", __name__, template_folder="templates")
MAX_TEXT = 2000


def _runtime() -> Runtime:
    rt: Runtime = current_app.extensions["bot"]
    if not rt.settings.local_mode:
        abort(404)  # with a real OA, replies go to Zalo, not to this page
    return rt


def _user_id(value: object) -> str:
    text = str(value or "")
    if not text.isdigit() or not 5 <= len(text) <= 20:
        abort(400, "user must be a numeric id")
    return text


@bp.get("/sandbox")
def page() -> str:
    _runtime()
    return render_template("sandbox.html")


@bp.post("/sandbox/send")
def send() -> tuple[Response, int]:
    rt = _runtime()
    data = json_object() or {}
    user_id = _user_id(data.get("user"))
    text = str(data.get("text") or "").strip()[:MAX_TEXT]
    if not text:
        abort(400, "empty message")
    now_ms = int(time.time() * 1000)
    s = rt.settings
    body = local_text_event(s.zalo_app_id, user_id, text, now_ms, oa_id=s.zalo_oa_id)
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    try:
        outcome = ingest(rt, parse_event(body), raw, now_ms)
    except StoreUnavailable:
        return jsonify({"ok": False, "outcome": "store_unavailable"}), 503
    return jsonify({"ok": True, "outcome": outcome}), 200


@bp.get("/sandbox/messages")
def messages() -> Response:
    rt = _runtime()
    user_id = _user_id(request.args.get("user"))
    since = max(0, request.args.get("since", 0, type=int))
    items = SandboxOutbox(rt.redis, rt.keys).since(user_id, since)
    return jsonify({"messages": items, "next": since + len(items)})
