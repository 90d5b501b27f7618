"""The hotline reply: a district's verified number, else the commune station and 1900 9095."""

from __future__ import annotations

from datetime import datetime

from bot.content.schema import Hours, phone_digits
from bot.dialogue import render, wording
from bot.dialogue.actions import ask_district, district_name
from bot.dialogue.decide import decide, next_session, remember
from bot.dialogue.turn import Turn
from bot.model import Button, Decision, Reply


def hours_text(hours: Hours | None) -> str:
    if hours is None:
        return wording.ALWAYS_OPEN
    return wording.hours_text(
        hours.always, hours.days, hours.start.strftime("%H:%M"), hours.end.strftime("%H:%M")
    )


def _closed(hours: Hours | None, now: datetime) -> bool:
    return hours is not None and not hours.is_open(now)


def province_reply(turn: Turn) -> Reply:
    """Every verified line, province first, with an honest note when one is closed now."""
    lines = sorted(
        (h for h in turn.content.hotlines if h.shown), key=lambda h: h.scope != "province"
    )
    if not lines:
        national = wording.HOTLINE_NATIONAL.format(
            phone=wording.HOTLINE, hours=wording.ALWAYS_OPEN, free=wording.FREE
        )
        return Reply(f"{wording.HOTLINE_GENERAL}\n{national}", (wording.CALL_HOTLINE,))
    rows = []
    for h in lines:
        named = phone_digits(h.phone or "") in phone_digits(h.name)  # "Cấp cứu 115"
        line = wording.HOTLINE_LINE_NAMED if named else wording.HOTLINE_LINE
        row = line.format(name=h.name, phone=h.phone, hours=hours_text(h.hours))
        if _closed(h.hours, turn.now):
            row += wording.HOTLINE_CLOSED.format(hotline=wording.HOTLINE)
        rows.append(row)
    buttons = tuple(
        Button(f"Gọi {h.phone}", "phone", phone_digits(h.phone or "")) for h in lines[:3]
    )
    return render.fit(Reply("\n".join([wording.HOTLINE_GENERAL, *rows]), buttons))


def district_reply(turn: Turn, slug: str) -> Reply:
    district = turn.content.districts.get(slug)
    if district is None or not district.shown:
        text = wording.HOTLINE_DISTRICT_NONE.format(
            district=district_name(turn, slug), hotline=wording.HOTLINE
        )
        return Reply(text, (wording.CALL_HOTLINE,))
    closed = ""
    if _closed(district.hours, turn.now):
        closed = wording.HOTLINE_CLOSED.format(hotline=wording.HOTLINE)
    text = wording.HOTLINE_DISTRICT.format(
        centre=district.health_centre or district.name,
        district=district.name,
        phone=district.phone,
        hours=hours_text(district.hours),
        closed=closed,
    )
    call = Button(f"Gọi {district.short}", "phone", phone_digits(district.phone or ""))
    return render.fit(Reply(text, (call, wording.CALL_HOTLINE)))


def hotline(turn: Turn, district: str | None, ask: bool = True) -> Decision:
    """Answer for the named or remembered district, or ask for it when that would help."""
    slug = district or turn.session.district
    if slug:
        session = next_session(turn, "hotline", district=slug)
        reply = district_reply(turn, slug)
        return decide(turn, "hotline", reply, effects=remember(turn, slug), session=session)
    reply = province_reply(turn)
    if ask and any(d.shown for d in turn.content.districts.values()):
        text = f"{reply.text}\n\n{wording.ASK_DISTRICT_HOTLINE}"
        return ask_district(turn, "hotline", text, "hotline", None)
    return decide(turn, "hotline", reply)
