"""Turn a Zalo webhook body (already JSON-decoded) into one of the model's Event types."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.model import (
    Attachment,
    ChatNow,
    Event,
    Follow,
    OaEcho,
    OtherEvent,
    Receipt,
    SubmittedInfo,
    UserMessage,
)

FOLLOW_KINDS = frozenset({"follow", "unfollow"})
RECEIPT_KINDS = frozenset({"user_received_message", "user_seen_message"})
# Group chats: the bot answers residents one-to-one only, never a group's messages.
GROUP_PREFIXES = ("user_send_group", "oa_send_group")
TEXT_LIMIT = 2000  # message.text is at most 2,000 characters in Zalo (fact sheet §5)
USER_ID = re.compile(r"[0-9]{1,24}")  # decimal ids of up to 19-20 digits; room to spare
_SURROGATE = re.compile("[\ud800-\udfff]")


class EventError(ValueError):
    """The body is not a Zalo event we can read (wrong shape or types)."""


def parse_event(data: Mapping[str, Any]) -> Event:
    """The typed event for `data`; unknown or out-of-scope kinds become OtherEvent."""
    if not isinstance(data, Mapping):
        raise EventError(f"event must be a JSON object, got {type(data).__name__}")
    kind = data.get("event_name")
    if not isinstance(kind, str) or not kind:
        raise EventError("event has no event_name")
    app_id, timestamp = signed_fields(data)
    base: dict[str, Any] = {
        "kind": kind,
        "app_id": app_id,
        "timestamp_ms": int(timestamp),
        "user_id_by_app": _id(data, "user_id_by_app"),
    }
    if kind.startswith(("anonymous_", "oa_send_anonymous_", *GROUP_PREFIXES)):
        return _other(data, base)
    if kind.startswith("user_send_"):
        return _user_message(data, base)
    if kind.startswith("oa_send_"):
        return _echo(data, base)
    if kind in FOLLOW_KINDS:
        return _follow(data, base)
    if kind == "user_click_chatnow":
        # Sources disagree on its shape: a flat user_id, or follower.id as in follow.
        flat = _id(data, "user_id")
        user_id = _user(flat if flat else _party(data, "follower"), "user_id")
        return ChatNow(user_id=user_id, oa_id=_id(data, "oa_id"), **base)
    if kind == "user_submit_info":
        return _submitted_info(data, base)
    if kind in RECEIPT_KINDS:
        return _receipt(data, base)
    return _other(data, base)


def signed_fields(data: Mapping[str, Any]) -> tuple[str, str]:
    """(app_id, timestamp text) exactly as they enter the signature."""
    if not isinstance(data, Mapping):
        raise EventError(f"event must be a JSON object, got {type(data).__name__}")
    app_id = _id(data, "app_id")
    if not app_id:
        raise EventError("event has no app_id")
    raw = data.get("timestamp")
    if isinstance(raw, bool) or raw is None:
        raise EventError("event has no timestamp")
    if isinstance(raw, int):
        return app_id, str(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        return app_id, raw
    raise EventError(f"timestamp must be epoch milliseconds, got {raw!r}")


# --- event families -------------------------------------------------------------------------


def _user_message(data: Mapping[str, Any], base: dict[str, Any]) -> UserMessage:
    message = _mapping(data, "message")
    return UserMessage(
        user_id=_user(_party(data, "sender"), "sender.id"),
        oa_id=_party(data, "recipient", required=False),
        msg_id=_id(message, "msg_id") or "",
        text=_text(message, "text"),
        attachments=_attachments(message.get("attachments")),
        quote_msg_id=_id(message, "quote_msg_id"),
        **base,
    )


def _echo(data: Mapping[str, Any], base: dict[str, Any]) -> OaEcho:
    message = _mapping(data, "message", required=False)
    sender = _mapping(data, "sender", required=False)  # oa_send_consent comes without one
    return OaEcho(
        user_id=_user(_party(data, "recipient"), "recipient.id"),
        oa_id=_id(sender, "id"),
        msg_id=_id(message, "msg_id") or "",
        text=_text(message, "text"),
        admin_id=_id(sender, "admin_id"),
        **base,
    )


def _follow(data: Mapping[str, Any], base: dict[str, Any]) -> Follow:
    return Follow(
        user_id=_user(_party(data, "follower"), "follower.id"),
        oa_id=_id(data, "oa_id"),
        source=_text(data, "source"),
        **base,
    )


def _receipt(data: Mapping[str, Any], base: dict[str, Any]) -> Receipt:
    message = _mapping(data, "message")
    ids = message.get("msg_ids")
    msg_ids: tuple[str, ...]
    if ids is None:
        single = _id(message, "msg_id")
        msg_ids = (single,) if single else ()
    elif isinstance(ids, list):
        msg_ids = tuple(_as_id(x, "message.msg_ids[]") for x in ids)
    else:
        raise EventError("message.msg_ids must be a list")
    return Receipt(
        user_id=_user(_party(data, "recipient"), "recipient.id"),
        oa_id=_party(data, "sender", required=False),
        msg_ids=msg_ids,
        **base,
    )


def _submitted_info(data: Mapping[str, Any], base: dict[str, Any]) -> SubmittedInfo:
    info = _mapping(data, "info", required=False)
    place = _mapping(info, "full_address", required=False)

    def pick(*names: str, where: Mapping[str, Any] = info) -> str:
        return next((v for v in (_text(where, n) for n in names) if v), "")

    return SubmittedInfo(
        user_id=_user(_party(data, "sender"), "sender.id"),
        oa_id=_party(data, "recipient", required=False),
        name=pick("name"),
        phone=normalize_phone(pick("phone")),
        address=pick("user_address", where=place) or pick("address"),
        ward=pick("user_ward", where=place) or pick("ward"),
        district=pick("user_district", where=place) or pick("district"),
        city=pick("user_city", where=place) or pick("city"),
        dob=pick("user_dob", "dob"),
        gender=pick("gender"),
        **base,
    )


def _other(data: Mapping[str, Any], base: dict[str, Any]) -> OtherEvent:
    """Best effort ids: enough to act on a withdrawal, never fatal for the rest."""
    kind = base["kind"]
    anonymous = "anonymous" in kind
    user_id: str | None = None
    oa_id = _loose_id(data, "oa_id")
    if kind.startswith("user_"):
        user_id = _loose_party(data, "sender") or _loose_id(data, "user_id")
        oa_id = oa_id or _loose_party(data, "recipient")
    elif kind.startswith("oa_"):
        user_id = _loose_party(data, "recipient")
        oa_id = oa_id or _loose_party(data, "sender")
    else:
        user_id = _loose_id(data, "user_id") or _loose_party(data, "follower")
    if anonymous or (user_id is not None and not USER_ID.fullmatch(user_id)):
        user_id = None
    return OtherEvent(user_id=user_id, oa_id=oa_id, data=dict(data), **base)


# --- field helpers --------------------------------------------------------------------------


def normalize_phone(raw: str) -> str:
    """Vietnamese numbers as 84…: '0912 345 678', '+84912345678' and '84912345678' agree."""
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("0") and len(digits) > 1:
        return "84" + digits[1:]
    return digits


def _as_id(value: Any, where: str) -> str:
    # Ids exceed 2**53; a number that arrives anyway is kept as its decimal text.
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise EventError(f"{where} must be a string id, got {type(value).__name__}")


def _id(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    return None if value is None or value == "" else _as_id(value, name)


def _user(value: str | None, where: str) -> str:
    """A resident's id: decimal digits of bounded length."""
    if not value or not USER_ID.fullmatch(value):
        raise EventError(f"{where} must be a decimal user id")
    return value


def _mapping(data: Mapping[str, Any], name: str, *, required: bool = True) -> Mapping[str, Any]:
    value = data.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        raise EventError(f"{name} must be an object")
    return value


def _party(data: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    """The `id` inside `sender`, `recipient` or `follower`."""
    party = _mapping(data, name, required=required)
    value = _id(party, "id")
    if required and not value:
        raise EventError(f"{name}.id is missing")
    return value


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise EventError(f"{name} must be text")
    return clean_text(str(value))


def clean_text(text: str) -> str:
    """At most Zalo's own limit, with lone surrogates (invalid in UTF-8) replaced."""
    return _SURROGATE.sub("\ufffd", text[:TEXT_LIMIT])


def _attachments(value: Any) -> tuple[Attachment, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise EventError("message.attachments must be a list")
    out = []
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("type"), str):
            raise EventError("each attachment needs a type")
        payload = item.get("payload") or {}
        if not isinstance(payload, Mapping):
            raise EventError("attachment payload must be an object")
        out.append(Attachment(type=item["type"], payload=dict(payload)))
    return tuple(out)


def _loose_id(data: Mapping[str, Any], name: str) -> str | None:
    try:
        return _id(data, name)
    except EventError:
        return None


def _loose_party(data: Mapping[str, Any], name: str) -> str | None:
    party = data.get(name)
    return _loose_id(party, "id") if isinstance(party, Mapping) else None
