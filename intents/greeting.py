"""Hello."""

from __future__ import annotations

from bot.dialogue import render, wording
from bot.dialogue.cues import only, phrases, starts_with
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide
from bot.dialogue.turn import Bid, Turn
from bot.model import Reply

NAME = "greeting"
CUES = ("xin chào", "chào", "hello", "hi", "alo", "chào buổi sáng", "good morning", "hey", "ê")


def bid(turn: Turn) -> Bid | None:
    cues = phrases(CUES, True)
    if turn.command or not cues.search(turn.norm):
        return None
    score = 95.0 if only(turn.norm, cues) else 40.0 if starts_with(turn.norm, cues) else 0.0
    if not score:
        return None
    reply = Reply(wording.GREETING, render.main_topics(turn.content.groups))
    return make_bid(score, decide(turn, NAME, reply))
