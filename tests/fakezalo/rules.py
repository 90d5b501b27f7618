"""What the fake Zalo accepts and answers, as plain data: error texts, body checks, payloads."""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

# Texts verbatim from the error table (§5), typos included.
MESSAGES = {
    -32: "Your application reached limit call api",
    -100: "attachment_id was expired",
    -200: "Send message failed",
    -213: "User has not followed OA",
    -216: "Access token is invalid",
    -220: "access_token is expired or removed",
    -230: "User has not interacted with the OA in the past 7 days",
    -232: "User has not interacted with the OA, or the last interaction has expired",
    -233: "message type is invalid or not support",
}
FREE_REPLIES = 8
PAGE_LIMIT = 10  # conversation history: at most 10 items per call
TEXT_LIMIT = 2000
BUTTON_TYPES = {"oa.query.show", "oa.query.hide", "oa.open.url", "oa.open.phone", "oa.open.sms"}

Problem = tuple[int, str]


def invalid(field: str) -> Problem:
    return -201, f"{field} is invalid!"


def data_query(raw: str | None) -> dict[str, Any] | None:
    """The JSON object GET endpoints take in their `data` parameter."""
    try:
        value = json.loads(raw or "")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def cs_problem(body: Any, reject_buttons: bool) -> Problem | None:
    """Why a consultation message is refused (-201/-233), or None when it is acceptable."""
    if not isinstance(body, dict):
        return invalid("body")
    recipient, message = body.get("recipient"), body.get("message")
    if not isinstance(recipient, dict) or not isinstance(recipient.get("user_id"), str):
        return invalid("recipient")
    if not recipient["user_id"]:
        return invalid("user_id")
    if not isinstance(message, dict) or not ("text" in message or "attachment" in message):
        return invalid("message")
    text = message.get("text", "")
    if not isinstance(text, str) or len(unicodedata.normalize("NFC", text)) > TEXT_LIMIT:
        return invalid("text")
    if "attachment" in message:
        return attachment_problem(message["attachment"], reject_buttons)
    return None if text else invalid("text")


def attachment_problem(attachment: Any, reject_buttons: bool) -> Problem | None:
    if not isinstance(attachment, dict) or attachment.get("type") not in {"template", "file"}:
        return invalid("attachment")
    payload = attachment.get("payload")
    if not isinstance(payload, dict):
        return invalid("payload")
    if attachment["type"] == "template" and reject_buttons:
        return invalid("attachment")
    if "buttons" in payload:
        return buttons_problem(payload["buttons"])
    return None


def buttons_problem(buttons: Any) -> Problem | None:
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 5:
        return invalid("buttons")
    for b in buttons:
        if not isinstance(b, dict) or b.get("type") not in BUTTON_TYPES:
            return -233, MESSAGES[-233]
        if not isinstance(b.get("title"), str) or not 0 < len(b["title"]) <= 100:
            return invalid("title")
        query = b["type"].startswith("oa.query")
        if query and not (isinstance(b.get("payload"), str) and len(b["payload"]) <= 1000):
            return invalid("payload")
        if not query and not isinstance(b.get("payload"), dict):
            return invalid("payload")
    return None


def profile(user_id: str, tags: Iterable[str], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A `user/detail` answer's data (§8)."""
    avatar = "https://s120-ava-talk.zadn.vn/fake.jpg"
    data = {
        "user_id": user_id,
        "user_id_by_app": user_id[::-1],
        "display_name": f"Người dùng {user_id[-4:]}",
        "avatar": avatar,
        "avatars": {"120": avatar, "240": "https://s240-ava-talk.zadn.vn/fake.jpg"},
        "user_is_follower": True,
        "user_last_interaction_date": time.strftime("%d/%m/%Y"),
        "shared_info": {},
        "tags_and_notes_info": {"tag_names": list(tags), "notes": []},
        "is_sensitive": False,
        "user_alias": "",
    }
    data.update(overrides)
    return data


def quota(used: int, now_ms: str) -> dict[str, Any]:
    """A `quota/message` answer's data (§6.1)."""
    return {
        "last_interaction": now_ms,
        "cs_reply": {"remain": max(0, FREE_REPLIES - used), "total": FREE_REPLIES},
        "promotion": {
            "daily_remain": 1, "daily_total": 1, "monthly_remain": 4, "monthly_total": 4,
        },
    }  # fmt: skip


def send_quota(used: int) -> dict[str, str]:
    """The `quota` of a send answer (§4.3): numbers as strings."""
    return {"quota_type": "reply", "remain": str(max(0, FREE_REPLIES - used)), "total": "8"}


def conversation(sent: list[dict[str, Any]], oa_id: str, user_id: str) -> list[dict[str, Any]]:
    """The OA's messages to one resident as conversation items, newest first (src 0 = OA)."""
    return [
        {
            "src": 0,
            "time": int(m["sent_time"]),
            "type": "text",
            "message": m["text"],
            "message_id": m["message_id"],
            "from_id": oa_id,
            "to_id": user_id,
        }
        for m in reversed(sent)
        if m["user_id"] == user_id
    ]
