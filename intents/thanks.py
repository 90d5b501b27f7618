"""Thank you."""

from __future__ import annotations

from bot.dialogue import wording
from bot.dialogue.cues import only, phrases, starts_with
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide
from bot.dialogue.turn import Bid, Turn
from bot.model import Reply

NAME = "thanks"
CUES = (
    "cảm ơn",
    "cảm ơn nhiều",
    "thank",
    "ok",
    "được rồi",
    "hiểu rồi",
    "đã hiểu",
    "rõ rồi",
    "tuyệt vời",
    "tốt quá",
    "hay quá",
    "vâng",
    "dạ vâng",
)


EMOJI = frozenset("👍🙏❤♥😊🥰👌💯🌹\ufe0f\u200d ")


def bid(turn: Turn) -> Bid | None:
    cues = phrases(CUES)
    text = turn.text.strip()
    if text and not turn.norm and all(ch in EMOJI for ch in text):
        return make_bid(90.0, decide(turn, NAME, Reply(wording.THANKS)))
    if turn.command or not cues.search(turn.norm):
        return None
    score = 95.0 if only(turn.norm, cues) else 40.0 if starts_with(turn.norm, cues) else 0.0
    if not score:
        return None
    return make_bid(score, decide(turn, NAME, Reply(wording.THANKS)))
