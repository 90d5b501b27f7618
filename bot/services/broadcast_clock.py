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


def parse_when(text: str, tz: ZoneInfo) -> datetime:
    """An officer's ISO time; without an offset it is local time (Asia/Ho_Chi_Minh)."""
    raw = text.strip()
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"not an ISO time (e.g. 2021-08-14T07:30): {text!r}") from exc
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
