"""Answers from faq.yaml: answer when confident, offer up to three when close."""

from __future__ import annotations

from bot.dialogue import actions
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.turn import Bid, Turn

NAME = "faq"
MAX_SUGGESTIONS = 3
SUGGEST_SPREAD = 15.0  # suggestions far below the best one only distract


def bid(turn: Turn) -> Bid | None:
    cmd = turn.command
    if cmd is not None:
        if cmd.name == "faq" and cmd.args and cmd.args[0] in turn.content.entries:
            return make_bid(100, actions.faq_answer(turn, cmd.args[0], 100.0, "command"))
        return None
    candidates = turn.candidates
    if not candidates:
        return None
    best = candidates[0]
    if best.score >= turn.thresholds.answer:
        return make_bid(best.score, actions.faq_answer(turn, best.faq_id, best.score))
    if best.score < turn.thresholds.suggest:
        return None
    close = [
        c
        for c in candidates[:MAX_SUGGESTIONS]
        if c.score >= turn.thresholds.suggest and c.score >= best.score - SUGGEST_SPREAD
    ]
    return make_bid(best.score, actions.clarify(turn, close))
