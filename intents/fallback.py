"""Nothing matched: say so honestly, log the question for staff, offer the hotline.

A COVID-19 question that is not about vaccination (treatment at home, isolation, tests,
travel, after-effects) is outside this channel: the reply says so and where to ask.
"""

from __future__ import annotations

from bot.dialogue import render, wording
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide, next_session
from bot.dialogue.turn import Bid, Turn
from bot.language.mask import mask_numbers
from bot.model import Effect, Reply

NAME = "fallback"
COVID_OTHER = "covid_other"  # the outcome (and `faq predict` reason) for those questions


def bid(turn: Turn) -> Bid | None:
    misses = turn.session.misses + 1
    covid_other = turn.command is None and turn.covid_other
    if turn.command is not None:
        reply = Reply(wording.UNKNOWN_COMMAND)
    elif covid_other:
        reply = Reply(wording.COVID_NOT_VACCINATION, (wording.CALL_HOTLINE,))
    elif misses >= 2:
        topics = render.main_topics(turn.content.groups, first=(wording.CALL_HOTLINE,))
        reply = Reply(wording.FALLBACK_AGAIN, topics)
    else:
        reply = Reply(wording.FALLBACK, render.main_topics(turn.content.groups))
    did = COVID_OTHER if covid_other else "fallback"
    effects = (
        ()
        if turn.command
        else (Effect("log_unanswered", {"text": mask_numbers(turn.text), "did": did}),)
    )
    best = turn.candidates[0].score if turn.candidates and not turn.command else 0.0
    session = next_session(turn, NAME, misses=misses)
    decision = decide(
        turn,
        NAME,
        reply,
        outcome=COVID_OTHER if covid_other else "fallback",
        score=best,
        effects=effects,
        session=session,
    )
    return make_bid(0, decision)
