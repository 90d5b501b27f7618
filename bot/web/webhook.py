"""POST /webhook/zalo: read once, verify, parse, queue, answer 200 in milliseconds."""

from __future__ import annotations

import json
import logging
import threading
import time
from functools import lru_cache

from flask import Blueprint, Response, current_app, request

from bot.errors import StoreUnavailable
from bot.services.ingest import ingest
from bot.services.runtime import Runtime
from bot.store.metrics import WEBHOOK_REQUESTS
from bot.zalo.events import EventError, parse_event, signed_fields
from bot.zalo.signature import verify

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)
SIGNATURE_HEADER = "X-ZEvent-Signature"

_unverified_logged = threading.Event()


@lru_cache(maxsize=64)
def _body(ok: bool, outcome: str) -> bytes:
    """The few answer bodies there are, encoded once (this is the hot path)."""
    return json.dumps({"ok": ok, "outcome": outcome}).encode()


def _reply(status: int, outcome: str) -> Response:
    # The access log has every request; the worker logs each event it handles.
    log.debug("webhook", extra={"status": status, "outcome": outcome})
    if status != 503:  # with Redis down there is nowhere to count
        current_app.extensions["bot"].hot_metrics.inc(WEBHOOK_REQUESTS, {"outcome": outcome})
    return Response(_body(status == 200, outcome), status, mimetype="application/json")


def _read_body(limit: int) -> bytes | None:
    """The raw body, or None when it is larger than `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    raw = request.stream.read(limit + 1)
    return None if len(raw) > limit else raw


@bp.post("/webhook/zalo")
def zalo_webhook() -> Response:
    rt: Runtime = current_app.extensions["bot"]
    settings = rt.settings
    raw = _read_body(settings.webhook_max_bytes)
    if raw is None:
        return _reply(413, "too_large")
    if not settings.webhook_verifying:
        # Zalo shows the OA Secret Key only after the URL is saved, and saving sends a test POST.
        if not _unverified_logged.is_set():
            _unverified_logged.set()
            log.warning(
                "ZALO_OA_SECRET_KEY is not set: webhook answers 200 and processes nothing. "
                "Copy the OA Secret Key from the app's Webhook page into ZALO_OA_SECRET_KEY "
                "and restart to start processing events."
            )
        return _reply(200, "not_configured")
    try:
        text = raw.decode("utf-8")  # Zalo sends UTF-8; anything else (UTF-16, Latin-1) is refused
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        app_id, timestamp = signed_fields(data)
    except (ValueError, EventError, RecursionError):  # RecursionError: absurdly nested JSON
        return _reply(400, "malformed")
    header = request.headers.get(SIGNATURE_HEADER)
    if not verify(header, raw, app_id, timestamp, settings.zalo_oa_secret_key):
        return _reply(401, "bad_signature")
    # Signed by Zalo from here on: always 200, or Zalo retries the same body for an hour.
    try:
        event = parse_event(data)
    except EventError as exc:
        log.warning(
            "signed event not understood",
            extra={"kind": _kind(data), "bytes": len(raw), "problem": str(exc)[:120]},
        )
        return _reply(200, "unparsed")
    try:
        outcome = ingest(rt, event, text, int(time.time() * 1000))
    except StoreUnavailable:
        return _reply(503, "store_unavailable")  # Zalo retries later; nothing was acknowledged
    return _reply(200, outcome)


def _kind(data: dict[str, object]) -> str:
    """The event's name for the log: a short identifier, never a text of the resident's."""
    kind = data.get("event_name")
    if isinstance(kind, str) and kind.isascii() and kind.replace("_", "").isalnum():
        return kind[:48]
    return "?"
