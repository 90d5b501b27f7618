"""Red-flag signs happening now after vaccination: 115 at once, before anything else."""

from __future__ import annotations

from bot.dialogue import wording
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide
from bot.dialogue.turn import Bid, Turn
from bot.model import Reply

NAME = "emergency"


def bid(turn: Turn) -> Bid | None:
    if turn.command or not turn.symptoms.emergency:
        return None
    reply = Reply(wording.EMERGENCY_TEXT, (wording.CALL_EMERGENCY, wording.CALL_HOTLINE))
    return make_bid(100, decide(turn, NAME, reply, outcome="emergency"))
