"""Jinja filters that show numbers and times the Vietnamese way."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint

from bot.web.admin.access import runtime


def number(value: object) -> str:
    """1234567 → "1.234.567" (Vietnamese thousands separator)."""
    try:
        return f"{int(str(value)):,}".replace(",", ".")
    except (TypeError, ValueError):
        return str(value)


def percent(part: object, whole: object) -> str:
    try:
        p, w = float(str(part)), float(str(whole))
    except (TypeError, ValueError):
        return "–"
    return "–" if w <= 0 else f"{100 * p / w:.0f}%".replace(".", ",")


def when(value: object) -> str:
    """Epoch milliseconds, an ISO string or a datetime → "dd/mm/yyyy HH:MM" in the bot's zone."""
    moment = to_datetime(value)
    return moment.strftime("%d/%m/%Y %H:%M") if moment else "–"


def to_datetime(value: object) -> datetime | None:
    tz = runtime().settings.timezone
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, int | float) or str(value).isdigit():
        number_ = float(str(value))
        seconds = number_ / 1000 if number_ > 1e11 else number_
        return datetime.fromtimestamp(seconds, tz)
    try:
        return to_datetime(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


def register(bp: Blueprint) -> None:
    bp.add_app_template_filter(number, "vn_number")
    bp.add_app_template_filter(when, "vn_time")
    bp.add_app_template_global(percent, "vn_percent")
