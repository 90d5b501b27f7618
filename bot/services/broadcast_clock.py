"""Time rules of broadcasts: quiet hours, Zalo's night ban, officers' time input, epoch ms."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

NIGHT_BAN_END = time(6, 0)  # -234: some message types are refused 22:00-06:00


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def from_ms(value: int, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz)


def iso(value: int, tz: ZoneInfo, timespec: str = "minutes") -> str:
    """Epoch ms as local ISO time ("" for 0)."""
    return from_ms(value, tz).isoformat(timespec=timespec) if value else ""


def local(value: int, tz: ZoneInfo) -> str:
    """Epoch ms as officers read it: "14/08/2021 07:30" in the bot's zone ("" for 0)."""
    return from_ms(value, tz).strftime("%d/%m/%Y %H:%M") if value else ""


def at_text(moment: datetime) -> str:
    """ "07:00 ngày 03/12/2026": a moment inside a Vietnamese sentence."""
    return moment.strftime("%H:%M ngày %d/%m/%Y")


def parse_when(text: str, tz: ZoneInfo) -> datetime:
    """An officer's time: "14/08/2021 07:30" (as the console shows it) or ISO; without an offset
    it is local time (Asia/Ho_Chi_Minh)."""
    raw = " ".join(text.split())
    try:
        parsed = datetime.strptime(raw, "%d/%m/%Y %H:%M")
    except ValueError:
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError as exc:
            raise ValueError(
                f"thời gian không hợp lệ: {text!r} (viết theo dạng 14/08/2021 07:30)"
            ) from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=tz)
    return parsed.astimezone(tz)


def in_quiet_hours(now: datetime, hours: tuple[int, int] | None) -> bool:
    """Whether `now` (local) falls in [start, end), which may wrap past midnight."""
    if not hours or hours[0] == hours[1]:
        return False
    start, end = hours
    minute = now.hour * 60 + now.minute
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def next_time_of_day(now: datetime, at: time) -> datetime:
    """The next moment (after `now`, local) the wall clock shows `at`."""
    candidate = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return candidate if candidate > now else candidate + timedelta(days=1)


def quiet_hours_end(now: datetime, hours: tuple[int, int]) -> datetime:
    end = hours[1]
    return next_time_of_day(now, time(end // 60, end % 60))


def day_of(now: datetime) -> str:
    return now.strftime("%Y-%m-%d")


def sending_starts(send_at: datetime, now: datetime, hours: tuple[int, int] | None) -> datetime:
    """When sending can start under the current quiet hours: the send time (or now, if it has
    passed), moved to the end of quiet hours when it falls inside them."""
    start = max(send_at, now)
    if hours and in_quiet_hours(start, hours):
        return quiet_hours_end(start, hours)
    return start


def hours_text(hours: tuple[int, int]) -> str:
    """(21*60, 7*60) → "21:00–07:00"."""
    return "–".join(f"{m // 60:02d}:{m % 60:02d}" for m in hours)
