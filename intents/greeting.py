"""Hello — only when the message holds nothing else (a greeting before a question is not one)."""

from __future__ import annotations

from bot.dialogue import render, wording
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide
from bot.dialogue.turn import Bid, Turn
from bot.language.analysis import GREETING
from bot.model import Reply

NAME = "greeting"


def bid(turn: Turn) -> Bid | None:
    a = turn.analysis
    if turn.command or not a.greets:
        return None
    if a.social_only:
        score = 60.0 if a.thanked else 95.0  # hello and thank you: the thanks answers
    elif a.opens_with == GREETING and not a.questions and not turn.confident and not a.thanked:
        score = 30.0  # "Chào ad, em ở Hải Hậu, mới theo dõi trang": an introduction, nothing asked
    else:
        return None
    reply = Reply(wording.GREETING, render.main_topics(turn.content.groups))
    return make_bid(score, decide(turn, NAME, reply))
