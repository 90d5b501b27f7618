"""Webhook bodies shaped like Zalo's (§1.5), signed like Zalo signs them, for tests and benches."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

import requests

from bot.zalo.signature import HEADER, PREFIX, compute_mac

APP_ID = "4143520836452916543"
OA_ID = "1980476331409447193"
OA_SECRET = "fake-oa-secret-key-for-tests"


def new_user_id() -> str:
    """A 19-digit decimal id, like Zalo's (beyond 2**53, so always a string)."""
    return str(secrets.randbelow(9 * 10**18) + 10**18)


def new_msg_id() -> str:
    return secrets.token_hex(10)


def now_ms() -> str:
    return str(int(time.time() * 1000))


def encode(body: Mapping[str, Any]) -> bytes:
    """Compact JSON with raw UTF-8, the serialisation of the fact sheet's test vector."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign_event(body: Mapping[str, Any], oa_secret: str) -> tuple[bytes, dict[str, str]]:
    """(raw bytes, headers) of a webhook POST carrying `X-ZEvent-Signature: mac=<hex>`."""
    raw = encode(body)
    mac = compute_mac(str(body["app_id"]), raw, str(body["timestamp"]), oa_secret)
    return raw, {HEADER: PREFIX + mac, "Content-Type": "application/json"}


def deliver(
    webhook_url: str,
    body: Mapping[str, Any],
    oa_secret: str,
    *,
    num_retry: int | None = None,
    timeout: float = 2.0,
) -> requests.Response:
    """POST a signed event the way Zalo does (with `num_retry` on redeliveries)."""
    raw, headers = sign_event(body, oa_secret)
    if num_retry:
        headers["num_retry"] = str(num_retry)
    return requests.post(webhook_url, data=raw, headers=headers, timeout=timeout)


def _envelope(kind: str, sender: str, recipient: str, resident: str, app_id: str) -> dict:
    return {
        "app_id": app_id,
        "sender": {"id": sender},
        "user_id_by_app": _by_app(resident),
        "recipient": {"id": recipient},
        "event_name": kind,
    }


def _by_app(user_id: str) -> str:
    # A stable app-scoped id that differs from the OA-scoped one, as in Zalo.
    return str(10**18 + (int(user_id) * 7919) % (9 * 10**18)) if user_id.isdigit() else user_id


def text_event(
    user_id: str,
    text: str,
    msg_id: str | None = None,
    *,
    app_id: str = APP_ID,
    oa_id: str = OA_ID,
    timestamp: str | None = None,
    quote_msg_id: str | None = None,
) -> dict[str, Any]:
    """user_send_text (also what a tapped query button produces)."""
    body = _envelope("user_send_text", user_id, oa_id, user_id, app_id)
    message: dict[str, Any] = {"text": text, "msg_id": msg_id or new_msg_id()}
    if quote_msg_id:
        message["quote_msg_id"] = quote_msg_id
    body["message"] = message
    body["timestamp"] = timestamp or now_ms()
    return body


def image_event(
    user_id: str, caption: str = "", msg_id: str | None = None, *, app_id: str = APP_ID,
    oa_id: str = OA_ID, timestamp: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    body = _envelope("user_send_image", user_id, oa_id, user_id, app_id)
    payload = {
        "thumbnail": "https://t.f6.photo.talk.zdn.vn/fake/thumb.jpg",
        "url": "https://f6.photo.talk.zdn.vn/fake/full.jpg",
    }
    body["message"] = {
        "text": caption,
        "msg_id": msg_id or new_msg_id(),
        "attachments": [{"type": "image", "payload": payload}],
    }
    body["timestamp"] = timestamp or now_ms()
    return body


def echo_event(
    user_id: str,
    text: str = "Dạ, bạn có thể tiêm tại trạm y tế phường.",
    admin_id: str | None = None,
    msg_id: str | None = None,
    *,
    app_id: str = APP_ID,
    oa_id: str = OA_ID,
    timestamp: str | None = None,
) -> dict[str, Any]:
    """oa_send_text; `admin_id` means a person typed it in the OA console."""
    body = _envelope("oa_send_text", oa_id, user_id, user_id, app_id)
    if admin_id:
        body["sender"]["admin_id"] = admin_id
    body["message"] = {"text": text, "msg_id": msg_id or new_msg_id()}
    body["timestamp"] = timestamp or now_ms()
    return body


def follow_event(
    user_id: str,
    *,
    follow: bool = True,
    source: str = "oa_profile",
    app_id: str = APP_ID,
    oa_id: str = OA_ID,
    timestamp: str | None = None,
) -> dict[str, Any]:
    """follow / unfollow: `follower` and `oa_id`, no sender or recipient."""
    return {
        "oa_id": oa_id,
        "follower": {"id": user_id},
        "user_id_by_app": _by_app(user_id),
        "event_name": "follow" if follow else "unfollow",
        "source": source,
        "app_id": app_id,
        "timestamp": timestamp or now_ms(),
    }


def chatnow_event(
    user_id: str, *, app_id: str = APP_ID, oa_id: str = OA_ID, timestamp: str | None = None
) -> dict[str, Any]:
    return {
        "oa_id": oa_id,
        "user_id": user_id,
        "user_id_by_app": _by_app(user_id),
        "event_name": "user_click_chatnow",
        "app_id": app_id,
        "timestamp": timestamp or now_ms(),
    }


def submit_info_event(
    user_id: str,
    info: Mapping[str, Any] | None = None,
    *,
    app_id: str = APP_ID,
    oa_id: str = OA_ID,
    timestamp: str | None = None,
) -> dict[str, Any]:
    """user_submit_info in the documented current layout unless `info` is given."""
    body = _envelope("user_submit_info", user_id, oa_id, user_id, app_id)
    body["timestamp"] = timestamp or now_ms()
    body["info"] = dict(info) if info is not None else {
        "name": "Nguyễn Văn A", "phone": "84912345678", "user_dob": "30/10/1999", "gender": "Nam",
        "full_address": {"user_city": "Tỉnh Nam Định", "user_ward": "Phường Vị Xuyên",
                         "user_address": "Số 1 Đường Trần Hưng Đạo"},
    }  # fmt: skip
    return body


def received_event(
    user_id: str, msg_id: str, *, app_id: str = APP_ID, oa_id: str = OA_ID,
    timestamp: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """user_received_message: the OA is the sender, the resident the recipient."""
    body = _envelope("user_received_message", oa_id, user_id, user_id, app_id)
    body["message"] = {"msg_id": msg_id}
    body["timestamp"] = timestamp or now_ms()
    return body


def seen_event(
    user_id: str, msg_ids: list[str], *, app_id: str = APP_ID, oa_id: str = OA_ID,
    timestamp: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    body = _envelope("user_seen_message", oa_id, user_id, user_id, app_id)
    body["message"] = {"msg_ids": list(msg_ids)}
    body["timestamp"] = timestamp or now_ms()
    return body
