"""Nothing matched: say so honestly, log the question for staff, offer the hotline."""

from __future__ import annotations

from bot.dialogue import render, wording
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide, next_session
from bot.dialogue.turn import Bid, Turn
from bot.language.mask import mask_numbers
from bot.model import Effect, Reply

NAME = "fallback"


def bid(turn: Turn) -> Bid | None:
    misses = turn.session.misses + 1
    if turn.command is not None:
        reply = Reply(wording.UNKNOWN_COMMAND)
    elif misses >= 2:
        topics = render.main_topics(turn.content.groups, first=(wording.CALL_HOTLINE,))
        reply = Reply(wording.FALLBACK_AGAIN, topics)
    else:
        reply = Reply(wording.FALLBACK, render.main_topics(turn.content.groups))
    effects = () if turn.command else (Effect("log_unanswered", {"text": mask_numbers(turn.text)}),)
    best = turn.candidates[0].score if turn.candidates and not turn.command else 0.0
    session = next_session(turn, NAME, misses=misses)
    decision = decide(
        turn, NAME, reply, outcome="fallback", score=best, effects=effects, session=session
    )
    return make_bid(0, decision)
