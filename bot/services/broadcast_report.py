"""What officers see of a broadcast: its record, counts, reasons and per-recipient states."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bot.services import broadcast_clock as clock
from bot.services.broadcasts import get, status_name
from bot.services.runtime import Runtime
from bot.store.broadcast_recipients import Recipients
from bot.store.broadcasts import Broadcast, BroadcastStore

COUNTED = ("sent", "pending", "failed", "skipped", "expired")
CSV_COLUMNS = ("user_id", "state", "detail", "at", "attempts")
ROWS_CHUNK = 1000


def counts(rt: Runtime, b: Broadcast) -> dict[str, int]:
    """total, sent, pending, failed, skipped, expired, and in_progress (the rest)."""
    raw = Recipients(rt.redis, rt.keys, b.id).counts()
    out = {"total": b.total, **{k: max(0, raw.get(k, 0)) for k in COUNTED}}
    out["in_progress"] = max(0, b.total - sum(out[k] for k in COUNTED))
    return out


def reasons(rt: Runtime, b: Broadcast) -> dict[str, dict[str, int]]:
    """Per state, how many recipients got each reason: Zalo codes, "window", "daily-cap", ..."""
    out: dict[str, dict[str, int]] = {}
    for key, value in sorted(Recipients(rt.redis, rt.keys, b.id).counts().items()):
        kind, sep, reason = key.partition(":")
        if sep and value:
            out.setdefault(kind, {})[reason] = value
    return out


def show(rt: Runtime, broadcast_id: str) -> dict[str, Any]:
    """The broadcast as JSON: id, status, counts (architecture §6) and the rest of its record."""
    b = get(rt, broadcast_id)
    tz = rt.settings.timezone
    return {
        "id": b.id,
        "status": b.status,
        "counts": counts(rt, b),
        "topic": b.topic,
        "districts": list(b.districts),
        "text": b.text,
        "message": b.message,
        "send_at": clock.iso(b.send_at, tz),
        "expires_at": clock.iso(b.expires_at, tz),
        "created_by": b.created_by,
        "created_at": clock.iso(b.created_at, tz),
        "approved_by": b.approved_by,
        "approved_at": clock.iso(b.approved_at, tz),
        "cancelled_by": b.cancelled_by,
        "started_at": clock.iso(b.started_at, tz),
        "finished_at": clock.iso(b.finished_at, tz),
        "freeze_ms": b.freeze_ms,
        "reasons": reasons(rt, b),
        "history": BroadcastStore(rt.redis, rt.keys).history(b.id),
    }


def report(rt: Runtime, broadcast_id: str) -> dict[str, Any]:
    b = get(rt, broadcast_id)
    return {"id": b.id, "status": b.status, "counts": counts(rt, b), "reasons": reasons(rt, b)}


def recipient_rows(
    rt: Runtime, broadcast_id: str, start: int = 0, limit: int | None = None
) -> Iterator[dict[str, str]]:
    """Recipients of the frozen audience in audience order, with their states."""
    b = get(rt, broadcast_id)
    recipients = Recipients(rt.redis, rt.keys, b.id)
    tz = rt.settings.timezone
    end = recipients.size() if limit is None else min(recipients.size(), start + max(0, limit))
    for first in range(max(0, start), end, ROWS_CHUNK):
        users = recipients.slice(first, min(ROWS_CHUNK, end - first))
        for user, state in zip(users, recipients.states(users), strict=True):
            yield {
                "user_id": user,
                "state": state.kind,
                "detail": state.detail,
                "at": clock.iso(state.at_ms, tz, "seconds"),
                "attempts": str(state.attempts),
            }


def recipients_csv(rt: Runtime, broadcast_id: str) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(recipient_rows(rt, broadcast_id))
    return buffer.getvalue()


COUNT_NAMES = {
    "total": "tổng số người nhận",
    "sent": "đã nhận",
    "pending": "chờ gửi kèm tin trả lời",
    "failed": "không gửi được",
    "skipped": "bỏ qua",
    "expired": "hết hạn trước khi gửi được",
    "in_progress": "đang xử lý",
}


def describe(rt: Runtime, b: Broadcast) -> str:
    """One line for `broadcast list`: number, status, topic, districts, send time, author,
    progress; tab-separated."""
    c = counts(rt, b)
    where = ",".join(b.districts) or "cả tỉnh"
    when = clock.local(b.send_at, rt.settings.timezone)
    tally = f"{c['sent']}/{c['total']} đã nhận, {c['pending']} chờ, {c['failed']} lỗi"
    return f"{b.id}\t{status_label(rt, b)}\t{b.topic}\t{where}\t{when}\t{b.created_by}\t{tally}"


def schedule_note(rt: Runtime, b: Broadcast, now: datetime | None = None) -> str:
    """When an approved broadcast will be sent, under the quiet hours in force now:
    "Sẽ gửi lúc 07:00 ngày 03/12/2026 (sau giờ yên tĩnh 21:00–07:00)"; "" otherwise."""
    now = now or rt.now()
    hours = rt.settings.broadcast_quiet_hours
    tz = rt.settings.timezone
    if b.status in ("approved", "scheduled"):
        send_at = clock.from_ms(b.send_at, tz)
        starts = clock.sending_starts(send_at, now, hours)
        if starts <= now:
            return "Đã đến giờ gửi: thông báo sẽ được gửi trong giây lát."
        quiet = starts != max(send_at, now)
        why = f" (sau giờ yên tĩnh {clock.hours_text(hours)})" if quiet and hours else ""
        return f"Sẽ gửi lúc {clock.at_text(starts)}{why}."
    if b.status == "sending" and hours and clock.in_quiet_hours(now, hours):
        resume = clock.quiet_hours_end(now, hours)
        return (
            f"Tạm dừng trong giờ yên tĩnh {clock.hours_text(hours)}; "
            f"gửi tiếp lúc {clock.at_text(resume)}."
        )
    return ""


def status_label(rt: Runtime, b: Broadcast, now: datetime | None = None) -> str:
    """The status as officers read it, true to the current time and quiet hours."""
    now = now or rt.now()
    hours = rt.settings.broadcast_quiet_hours
    if b.status in ("approved", "scheduled"):
        send_at = clock.from_ms(b.send_at, rt.settings.timezone)
        if clock.sending_starts(send_at, now, hours) > now:
            return "Chờ đến giờ gửi"
        return "Sắp gửi"
    if b.status == "sending" and hours and clock.in_quiet_hours(now, hours):
        return "Tạm dừng (giờ yên tĩnh)"
    return status_name(b.status)
