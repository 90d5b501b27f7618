""" "Xem thêm": the longer details of the FAQ answer just given (the button, or typed)."""

from __future__ import annotations

from bot.content.schema import FaqEntry
from bot.dialogue import render
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide
from bot.dialogue.turn import Bid, Turn

NAME = "details"
REPORTED = "faq"  # the reply is an FAQ answer: `faq predict` keeps its firm list of intent names
# What residents type to ask for more of the last answer, without diacritics, politeness removed.
ASKS = frozenset({"xem them", "xem chi tiet", "chi tiet", "them chi tiet", "doc them", "xem tiep"})
POLITE = frozenset(
    {"a", "ad", "oi", "cho", "em", "minh", "toi", "voi", "nhe", "nha", "duoc", "khong"}
)


def _asks_for_more(turn: Turn) -> bool:
    words = [w for w in turn.norm.folded.split() if w not in POLITE]
    return " ".join(words) in ASKS


def _reply(turn: Turn, entry: FaqEntry) -> Bid:
    related = [turn.content.entries[r] for r in entry.related if r in turn.content.entries]
    reply = render.details(entry, related) if entry.details else render.answer(entry, related)
    outcome = "command" if turn.command else "answered"
    return make_bid(
        100 if turn.command else 95, decide(turn, REPORTED, reply, faq_id=entry.id, outcome=outcome)
    )


def bid(turn: Turn) -> Bid | None:
    cmd = turn.command
    if cmd is not None:
        if cmd.name != render.MORE_COMMAND:
            return None
        faq_id = cmd.args[0] if cmd.args else turn.session.last_faq
        entry = turn.content.entries.get(faq_id or "")
        return _reply(turn, entry) if entry is not None else None
    if not _asks_for_more(turn):
        return None
    entry = turn.content.entries.get(turn.session.last_faq or "")
    if entry is None or not entry.details:
        return None
    return _reply(turn, entry)
