"""Thank you — when thanks is all the message says, or it opens with thanks and asks nothing."""

from __future__ import annotations

from bot.dialogue import wording
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide
from bot.dialogue.turn import Bid, Turn
from bot.language.analysis import THANKS
from bot.model import Reply

NAME = "thanks"
EMOJI = frozenset("👍🙏❤♥😊🥰👌💯🌹\ufe0f\u200d ")


def bid(turn: Turn) -> Bid | None:
    text = turn.text.strip()
    if text and not turn.norm and all(ch in EMOJI for ch in text):
        return make_bid(90.0, decide(turn, NAME, Reply(wording.THANKS)))
    a = turn.analysis
    if turn.command or not (a.thanks or a.thanked):
        return None
    if a.social_only and (not a.greets or a.opens_with == THANKS or a.thanked):
        return make_bid(95.0, decide(turn, NAME, Reply(wording.THANKS)))
    if a.opens_with == THANKS and not a.questions:
        # "Em cảm ơn ad, nhờ ad hướng dẫn mà mẹ em tiêm xong an toàn": thanks with a story
        return make_bid(90.0, decide(turn, NAME, Reply(wording.THANKS)))
    if a.thanked and not a.questions and not turn.confident:
        # "Chào ad. Trang này hay quá, em đã chia sẻ cho cả xóm. Cảm ơn các anh chị ạ." A
        # request that only closes with "em cảm ơn" bids below any suggestion for it.
        score = 35.0 if a.grateful else 20.0
        return make_bid(score, decide(turn, NAME, Reply(wording.THANKS)))
    return None
