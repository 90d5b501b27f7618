"""Decisions more than one intent can reach: an FAQ answer, suggestions, a group, a district."""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialogue import render, wording
from bot.dialogue.decide import decide, next_session, remember
from bot.dialogue.turn import Turn
from bot.model import Button, Candidate, Decision, Effect, Reply

TOPICS = ("lich-tiem", "tin-tuc")
BY_DISTRICT = frozenset({"lich-tiem"})
DISTRICT_BUTTONS = ("tp-nam-dinh", "hai-hau", "giao-thuy", "nghia-hung")


def faq_answer(
    turn: Turn, faq_id: str, score: float = 100.0, outcome: str = "answered"
) -> Decision:
    entry = turn.content.entries[faq_id]
    related = [turn.content.entries[r] for r in entry.related if r in turn.content.entries]
    candidates = [c for c in turn.candidates[:3]] if score < 100 else [Candidate(faq_id, score)]
    return decide(
        turn,
        "faq",
        render.answer(entry, related),
        faq_id=faq_id,
        score=score,
        candidates=candidates,
        outcome=outcome,
    )


def clarify(turn: Turn, candidates: Sequence[Candidate]) -> Decision:
    entries = [turn.content.entries[c.faq_id] for c in candidates]
    ids = tuple(c.faq_id for c in candidates)
    return decide(
        turn,
        "faq",
        render.suggestions(entries),
        action="clarify",
        outcome="clarified",
        score=candidates[0].score,
        candidates=candidates,
        session=next_session(turn, "faq", pending=ids, pending_kind="faq"),
    )


def group_listing(turn: Turn, group: str, intent: str = "help") -> Decision:
    entries = turn.content.in_group(group)
    name = turn.content.groups.get(group, group)
    text = f"{wording.GROUP_INTRO.format(group=name.lower())}\n"
    text += wording.numbered(e.question for e in entries)
    buttons = tuple(render.faq_button(e) for e in entries[:5])
    ids = tuple(e.id for e in entries)
    session = next_session(turn, intent, pending=ids, pending_kind="faq")
    return decide(turn, intent, render.fit(Reply(text, buttons)), session=session)


def district_name(turn: Turn, slug: str | None) -> str:
    """The district's name as it reads inside a sentence: "ở huyện Hải Hậu"."""
    district = turn.content.districts.get(slug or "")
    if district is None:
        return slug or ""
    name = district.name
    if name.startswith(("Huyện ", "Thành phố ", "Thị xã ")):
        name = name[0].lower() + name[1:]
    return name


def district_buttons(turn: Turn) -> tuple[Button, ...]:
    known = [s for s in DISTRICT_BUTTONS if s in turn.content.districts]
    buttons = [Button(turn.content.districts[s].short, "query", f"#huyen {s}") for s in known]
    return (*buttons, Button(wording.OTHER_DISTRICT, "query", "#huyen"))


def ask_district(turn: Turn, intent: str, text: str, kind: str, arg: str | None) -> Decision:
    session = next_session(turn, intent, pending_kind=kind, pending_arg=arg)
    reply = render.fit(Reply(text, district_buttons(turn)))
    return decide(turn, intent, reply, outcome="clarified", session=session)


def all_districts_text(turn: Turn) -> str:
    names = ", ".join(d.name for d in turn.content.districts.values())
    return f"{wording.ASK_DISTRICT_HOTLINE}\n{names}"


def subscribe(turn: Turn, topic: str, district: str | None, outcome: str = "answered") -> Decision:
    """Subscribe, or first ask the district when the topic is sent by district."""
    topic_name = wording.TOPIC_NAMES.get(topic, topic)
    district = district or (turn.session.district if topic in BY_DISTRICT else None)
    if topic in BY_DISTRICT and not district:
        text = wording.ASK_DISTRICT_SUBSCRIBE.format(topic=topic_name)
        return ask_district(turn, "subscribe", text, "subscribe", topic)
    args = {"topic": topic}
    where = ""
    if district and topic in BY_DISTRICT:
        args["district"] = district
        where = f" ở {district_name(turn, district)}"
    effects = (Effect("subscribe", args), *remember(turn, district))
    session = next_session(turn, "subscribe", district=district or turn.session.district)
    text = wording.SUBSCRIBED.format(topic=topic_name, where=where)
    return decide(turn, "subscribe", Reply(text), effects=effects, outcome=outcome, session=session)
