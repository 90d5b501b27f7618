"""Answers from faq.yaml: answer when confident, offer up to three when close.

A long message is matched on its question with its context as support (Turn.candidates). A
message asking two things gets the best answer and the other question as a button; one that
told of a red-flag sign in the past gets its answer and a line saying to call 115 if it is
happening now; a COVID-19 question that is not about vaccination gets no vaccine answer.
"""

from __future__ import annotations

from dataclasses import replace

from bot.dialogue import actions, render, wording
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.turn import Bid, Turn
from bot.language.analysis import MAX_QUESTIONS, QUESTION, join
from bot.language.normalise import Normalised
from bot.model import Decision, Reply

NAME = "faq"
MAX_SUGGESTIONS = 3
SUGGEST_SPREAD = 15.0  # suggestions far below the best one only distract
MAX_OTHERS = 2  # other questions of the same message offered as buttons
MAX_PARTS = 4  # the questions of a message looked at one by one for them


def _asked(turn: Turn) -> list[Normalised]:
    """Each thing the message asks: its question sentences, and the question clauses of a
    sentence that asks two ("bà có tiêm được không, cần chuẩn bị gì ạ?")."""
    parts: list[Normalised] = []
    for sentence in turn.analysis.question_sentences[:MAX_QUESTIONS]:
        parts.append(join(sentence))
        asked = [c for c in sentence if c.role == QUESTION]
        if len(asked) > 1:
            parts += [c.norm for c in asked]
    return parts[:MAX_PARTS]


def _others(turn: Turn, best: str) -> list[str]:
    """Entries that other questions of the message ask about, confidently (with the context)."""
    parts = _asked(turn)
    if len(parts) < 2:
        return []
    index, background = turn.content.index, turn.analysis.background
    found: list[str] = []
    for part in parts:
        ranked = index.rank([part], background)
        if turn.thresholds.confident(ranked) and ranked[0].faq_id not in (best, *found):
            found.append(ranked[0].faq_id)
    return found[:MAX_OTHERS]


def _with_extras(turn: Turn, decision: Decision, others: list[str]) -> Decision:
    reply = decision.reply
    if others:
        entries = [turn.content.entries[i] for i in others]
        text = f"{reply.text}\n\n{wording.ALSO_ASKED}"
        reply = Reply(text, (*(render.faq_button(e) for e in entries), *reply.buttons))
    if turn.symptoms.past and not turn.symptoms.emergency:
        reply = Reply(f"{reply.text}\n{wording.PAST_SIGN}", reply.buttons)
    if reply is decision.reply:
        return decision
    return replace(decision, reply=render.fit(reply), also=tuple(others))


def bid(turn: Turn) -> Bid | None:
    cmd = turn.command
    if cmd is not None:
        if cmd.name == "faq" and cmd.args and cmd.args[0] in turn.content.entries:
            return make_bid(100, actions.faq_answer(turn, cmd.args[0], 100.0, "command"))
        return None
    if turn.covid_other:
        return None  # the fallback says this channel answers vaccination questions only
    candidates = turn.candidates
    if not candidates:
        return None
    best = candidates[0]
    if turn.confident:
        decision = actions.faq_answer(turn, best.faq_id, best.score)
        return make_bid(best.score, _with_extras(turn, decision, _others(turn, best.faq_id)))
    if best.score < turn.suggest_from:
        return None
    close = [
        c
        for c in candidates[:MAX_SUGGESTIONS]
        if c.score >= turn.suggest_from and c.score >= best.score - SUGGEST_SPREAD
    ]
    return make_bid(best.score, _with_extras(turn, actions.clarify(turn, close), []))
