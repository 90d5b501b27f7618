"""Broadcast lifecycle for officers: draft, approve (four eyes), cancel, list, show, preview.

Delivery lives in broadcast_delivery (re-exported here: `run_broadcasts_once`), pending notices
in broadcast_notices (`pending_notices`, `notices_delivered`), reports in broadcast_report.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.dialogue.wording_broadcasts import MAX_TEXT, STATUS, broadcast_message
from bot.services import broadcast_clock as clock
from bot.services.accounts import canonical_name
from bot.services.broadcast_delivery import run_broadcasts_once
from bot.services.broadcast_notices import notices_delivered, pending_notices
from bot.services.broadcast_recipient import WINDOW_MS
from bot.services.runtime import Runtime
from bot.services.subscriptions import topics_of
from bot.store.broadcasts import Broadcast, BroadcastStore
from bot.store.notices import Notices
from bot.store.subscriptions import Subscriptions

__all__ = [
    "Broadcast", "BroadcastError", "BroadcastNotFound", "FourEyes", "NotPermitted", "approve",
    "cancel", "create", "get", "list_broadcasts", "notices_delivered", "pending_notices",
    "preview", "run_broadcasts_once", "same_person",
]  # fmt: skip

CANCELLABLE = ("draft", "approved", "scheduled", "sending")
MAX_NAME = 80


class BroadcastError(Exception):
    """A request an officer made that cannot be carried out; the message says why."""


class BroadcastNotFound(BroadcastError):
    pass


class NotPermitted(BroadcastError):
    """Refused by a rule: four eyes, or the broadcast's status."""


class FourEyes(NotPermitted):
    """The approver is the broadcast's creator while four eyes is on."""


def status_name(status: str) -> str:
    return STATUS.get(status, status)


def _who(name: str) -> str:
    who = " ".join(name.split())
    if not who or len(who) > MAX_NAME:
        raise BroadcastError(f"cần tên cán bộ (tối đa {MAX_NAME} ký tự)")
    return who


def same_person(a: str, b: str) -> bool:
    return canonical_name(a) == canonical_name(b)


def _when(value: datetime | str | None, rt: Runtime) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(rt.settings.timezone)
    try:
        return clock.parse_when(value, rt.settings.timezone)
    except ValueError as exc:
        raise BroadcastError(str(exc)) from exc


def create(
    rt: Runtime,
    *,
    topic: str,
    text: str,
    by: str,
    districts: Iterable[str] = (),
    at: datetime | str | None = None,
    expires: datetime | str | None = None,
) -> Broadcast:
    """A new draft; the text gets the topic's line on how to stop receiving."""
    who = _who(by)
    topics = topics_of(rt)
    found = topics.topic(topic)
    if found is None:
        known = ", ".join(t.id for t in topics.topics)
        raise BroadcastError(f"không có chủ đề {topic!r} (các chủ đề: {known})")
    slugs = _districts(rt, found.by_district, found.id, districts)
    body = unicodedata.normalize("NFC", text).strip()
    if not body:
        raise BroadcastError("nội dung đang trống")
    message = broadcast_message(body, found.opt_out_line)
    if len(message) > MAX_TEXT:
        room = MAX_TEXT - (len(message) - len(body))
        raise BroadcastError(f"nội dung quá dài: tối đa {room} ký tự (giới hạn của Zalo)")
    now = rt.now()
    send_at = _when(at, rt) or now
    expires_at = _when(expires, rt)
    if expires_at is not None and (expires_at <= send_at or expires_at <= now):
        raise BroadcastError("hạn hiệu lực phải sau giờ gửi và sau thời điểm hiện tại")
    fields = {
        "topic": found.id,
        "districts": ",".join(slugs),
        "text": body,
        "message": message,
        "send_at": str(clock.ms(send_at)),
        "expires_at": str(clock.ms(expires_at)) if expires_at else "0",
        "expires_explicit": "1" if expires_at else "",
    }
    store = BroadcastStore(rt.redis, rt.keys)
    return _get(store, store.create(fields, who, clock.ms(now)))


def _districts(rt: Runtime, by_district: bool, topic_id: str, given: Iterable[str]) -> list[str]:
    wanted = [d for d in (x.strip() for x in given) if d]
    if wanted and not by_district:
        raise BroadcastError(
            f"chủ đề {topic_id!r} gửi cho cả tỉnh, không theo huyện: bỏ chọn huyện"
        )
    topics = topics_of(rt)
    slugs: list[str] = []
    for name in wanted:
        district = topics.district(name)
        if district is None:
            known = ", ".join(d.slug for d in topics.districts)
            raise BroadcastError(f"không có huyện/thành phố {name!r} (các huyện: {known})")
        if district.slug not in slugs:
            slugs.append(district.slug)
    return slugs


def get(rt: Runtime, broadcast_id: str) -> Broadcast:
    return _get(BroadcastStore(rt.redis, rt.keys), broadcast_id)


def _get(store: BroadcastStore, broadcast_id: str) -> Broadcast:
    b = store.get(str(broadcast_id).strip())
    if b is None:
        raise BroadcastNotFound(f"không có thông báo {broadcast_id!r}")
    return b


def list_broadcasts(rt: Runtime, limit: int = 50) -> list[Broadcast]:
    store = BroadcastStore(rt.redis, rt.keys)
    found = (store.get(i) for i in store.ids(limit))
    return [b for b in found if b is not None]


def approve(rt: Runtime, broadcast_id: str, *, by: str) -> Broadcast:
    """Approve a draft and put it on the schedule; the approver must not be its creator."""
    who = _who(by)
    store = BroadcastStore(rt.redis, rt.keys)
    b = _get(store, broadcast_id)
    if rt.settings.broadcast_four_eyes and same_person(b.created_by, who):
        raise FourEyes(f"{who} đã soạn thông báo {b.id}; cần một cán bộ khác duyệt")
    now_ms = clock.ms(rt.now())
    if b.status == "draft":
        fields = {"approved_by": who, "approved_at": str(now_ms)}
        moved, found = store.transition(
            b.id, ["draft"], "approved", who=who, action="approved", now_ms=now_ms, fields=fields
        )
        if not moved:
            raise NotPermitted(
                f"thông báo {b.id} đang ở trạng thái “{status_name(str(found))}”, "
                "không còn là bản nháp"
            )
    elif not (b.status in ("approved", "scheduled") and same_person(b.approved_by, who)):
        raise NotPermitted(
            f"thông báo {b.id} đang ở trạng thái “{status_name(b.status)}”; chỉ duyệt được bản nháp"
        )
    store.schedule(b.id, b.send_at)
    detail = f"gửi lúc {clock.local(b.send_at, rt.settings.timezone)}"
    store.transition(
        b.id, ["approved"], "scheduled", who=who, action="scheduled", now_ms=now_ms, detail=detail
    )
    return _get(store, b.id)


def cancel(rt: Runtime, broadcast_id: str, *, by: str) -> Broadcast:
    """Stop a broadcast; recipients not yet reached (and pending notices) are skipped."""
    who = _who(by)
    store = BroadcastStore(rt.redis, rt.keys)
    now_ms = clock.ms(rt.now())
    for _ in range(3):  # the status may change under us (a worker starts sending)
        b = _get(store, broadcast_id)
        if b.status not in CANCELLABLE:
            raise NotPermitted(
                f"thông báo {b.id} đang ở trạng thái “{status_name(b.status)}”; không huỷ được nữa"
            )
        fields = {"cancelled_by": who, "cancelled_at": str(now_ms)}
        if not b.frozen:
            fields["closed"] = "1"
        moved, _ = store.transition(
            b.id, [b.status], "cancelled", who=who, action="cancelled", now_ms=now_ms, fields=fields
        )
        if moved:
            if b.frozen:
                store.schedule(b.id, now_ms)  # a worker settles the remaining recipients
            else:
                store.unschedule(b.id)
            return _get(store, b.id)
    raise BroadcastError(f"thông báo {broadcast_id} đang được cập nhật; thử lại sau giây lát")


def preview(rt: Runtime, broadcast_id: str) -> dict[str, Any]:
    """Audience size now, how many the bot can reach now, how many would get a notice."""
    b = get(rt, broadcast_id)
    every = [d.slug for d in topics_of(rt).districts]
    users = Subscriptions(rt.redis, rt.keys).candidates(b.topic, ["", *(b.districts or every)])
    now = rt.now()
    seen = Notices(rt.redis, rt.keys).last_seen_many(users)
    reachable = sum(1 for s in seen if s is not None and clock.ms(now) - s < WINDOW_MS)
    outside = len(users) - reachable
    template = bool(rt.settings.broadcast_template_id) and not rt.settings.local_mode
    hours = rt.settings.broadcast_quiet_hours
    return {
        "id": b.id,
        "status": b.status,
        "audience": len(users),
        "reachable_now": reachable,
        "pending_notice": 0 if template else outside,
        "via_template": outside if template else 0,
        "quiet_hours_now": clock.in_quiet_hours(now, hours),
        "daily_cap": rt.settings.broadcast_daily_cap,
    }
