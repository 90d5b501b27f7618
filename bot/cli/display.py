"""How `flask` commands show times and durations to officers and staff: the Vietnamese way."""

from __future__ import annotations

from datetime import datetime, tzinfo


def local_time(value: object, tz: tzinfo) -> str:
    """Epoch seconds or milliseconds, an ISO string or a datetime → "dd/mm/yyyy HH:MM" in `tz`."""
    if value is None or value == "":
        return "–"
    if isinstance(value, datetime):
        moment = value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)
    elif isinstance(value, int | float) or str(value).replace(".", "", 1).isdigit():
        number = float(str(value))
        moment = datetime.fromtimestamp(number / 1000 if number > 1e11 else number, tz)
    else:
        try:
            return local_time(datetime.fromisoformat(str(value)), tz)
        except ValueError:
            return str(value)
    return moment.strftime("%d/%m/%Y %H:%M")


def duration(seconds: float) -> str:
    """3725 → "1 giờ 2 phút"; under a minute → "dưới 1 phút"."""
    minutes = int(abs(seconds) // 60)
    if minutes == 0:
        return "dưới 1 phút"
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{hours} giờ"] if hours else []) + ([f"{minutes} phút"] if minutes else [])
    return " ".join(parts)
