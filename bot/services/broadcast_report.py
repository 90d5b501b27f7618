"""What officers see of a broadcast: its record, counts, reasons and per-recipient states."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from bot.services import broadcast_clock as clock
from bot.services.broadcasts import get
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


def describe(rt: Runtime, b: Broadcast) -> str:
    """One line for `broadcast list`."""
    c = counts(rt, b)
    where = ",".join(b.districts) or "-"
    when = clock.iso(b.send_at, rt.settings.timezone)
    tally = f"{c['sent']}/{c['total']} sent, {c['pending']} pending, {c['failed']} failed"
    return f"{b.id}\t{b.status}\t{b.topic}\t{where}\t{when}\t{b.created_by}\t{tally}"
