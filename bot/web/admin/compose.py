"""The compose form: reading it, checking it in Vietnamese, and what the page needs to show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.content.subscription_topics import SubscriptionTopics
from bot.dialogue.wording_broadcasts import MAX_TEXT, broadcast_message
from bot.services import broadcast_clock as clock
from bot.services.runtime import Runtime
from bot.services.subscriptions import topics_of

# How the opt-out line is joined to the text, for the page's live count and preview.
JOINER = broadcast_message("x", "y")[1:-1]


@dataclass
class Draft:
    topic: str = ""
    districts: list[str] = field(default_factory=list)
    text: str = ""
    send_at: str = ""
    expires: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def read(form: Any) -> Draft:
    return Draft(
        topic=form.get("topic", "").strip(),
        districts=[d for d in form.getlist("districts") if d],
        text=form.get("text", "").replace("\r\n", "\n").strip(),
        send_at=form.get("send_at", "").strip(),
        expires=form.get("expires", "").strip(),
    )


def check(rt: Runtime, draft: Draft) -> Draft:
    """Fill `draft.errors` (field → Vietnamese message); the service checks again."""
    topics = topics_of(rt)
    topic = topics.topic(draft.topic) if draft.topic else None
    errors = draft.errors
    if topic is None:
        errors["topic"] = "Chọn chủ đề của thông báo."
    elif draft.districts and not topic.by_district:
        errors["districts"] = f"Tin “{topic.name}” gửi cho cả tỉnh: bỏ chọn huyện."
    elif any(topics.district(d) is None for d in draft.districts):
        errors["districts"] = "Có huyện không hợp lệ."
    if not draft.text:
        errors["text"] = "Nhập nội dung thông báo."
    elif topic is not None:
        extra = len(broadcast_message(draft.text, topic.opt_out_line)) - len(draft.text)
        if len(draft.text) + extra > MAX_TEXT:
            errors["text"] = f"Nội dung quá dài: tối đa {MAX_TEXT - extra} ký tự."
    now = rt.now()
    send_at = _time(rt, draft.send_at, "send_at", errors)
    expires = _time(rt, draft.expires, "expires", errors)
    if expires is not None and (expires <= (send_at or now)):
        errors["expires"] = "Hạn hiệu lực phải sau giờ gửi và sau thời điểm hiện tại."
    return draft


def _time(rt: Runtime, value: str, name: str, errors: dict[str, str]) -> datetime | None:
    if not value:
        return None
    try:
        return clock.parse_when(value, rt.settings.timezone)
    except ValueError:
        errors[name] = (
            "Thời gian không hợp lệ: viết ngày/tháng/năm giờ:phút, ví dụ 14/08/2021 07:30."
        )
        return None


def form_context(rt: Runtime, draft: Draft) -> dict[str, Any]:
    topics: SubscriptionTopics = topics_of(rt)
    return {
        "draft": draft,
        "topics": topics.topics,
        "districts": topics.districts,
        "limit": MAX_TEXT,
        "joiner": JOINER,
        "now": rt.now().strftime("%d/%m/%Y %H:%M"),
    }
