"""Request bodies for v3 consultation messages: text, button template, plain-text fallback."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bot.model import Button, Reply

TEXT_LIMIT = 2000
MAX_BUTTONS = 5
TITLE_LIMIT = 35
ELLIPSIS = "…"

BUTTON_TYPES = {"query": "oa.query.hide", "phone": "oa.open.phone", "url": "oa.open.url"}


def fit(text: str, limit: int = TEXT_LIMIT) -> str:
    """NFC text of at most `limit` characters, cut on a word boundary with an ellipsis."""
    text = unicodedata.normalize("NFC", text)
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= limit // 2:  # a very long word is cut mid-word rather than losing half the text
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def text_body(user_id: str, text: str, quote_msg_id: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"text": text}
    if quote_msg_id:
        message["quote_message_id"] = quote_msg_id
    return {"recipient": {"user_id": user_id}, "message": message}


def button_body(user_id: str, reply: Reply, quote_msg_id: str | None = None) -> dict[str, Any]:
    """Text plus a `template` attachment whose payload holds only `buttons` (§4.2)."""
    body = text_body(user_id, fit(reply.text), quote_msg_id)
    buttons = [button_json(b) for b in reply.buttons[:MAX_BUTTONS]]
    body["message"]["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
    return body


def button_json(button: Button) -> dict[str, Any]:
    payload: Any
    if button.kind == "phone":
        payload = {"phone_code": re.sub(r"\D", "", button.payload)}
    elif button.kind == "url":
        payload = {"url": button.payload}
    else:
        payload = button.payload
    return {
        "title": fit(button.title, TITLE_LIMIT),
        "type": BUTTON_TYPES[button.kind],
        "payload": payload,
    }


def plain_text(reply: Reply) -> str:
    """The reply as one text: numbered choices, then 'title: number/url' lines."""
    choices = [b for b in reply.buttons if b.kind == "query"]
    links = [b for b in reply.buttons if b.kind != "query"]
    lines = [f"{i}. {b.title}" for i, b in enumerate(choices, 1)]
    lines += [f"{b.title}: {b.payload}" for b in links]
    if not lines:
        return fit(reply.text)
    tail = unicodedata.normalize("NFC", "\n\n" + "\n".join(lines))
    if len(tail) > TEXT_LIMIT // 2:  # never let the list crowd out the answer itself
        tail = fit(tail, TEXT_LIMIT // 2)
    head = fit(reply.text, TEXT_LIMIT - len(tail))
    return head + tail if head.strip() else tail.lstrip()
