"""Building Decisions with the session policy every intent shares."""

from __future__ import annotations

from collections.abc import Iterable

from bot.dialogue.turn import Bid, Turn
from bot.model import Candidate, Decision, Effect, Reply, Session


def next_session(turn: Turn, intent: str, faq_id: str | None = None, **changes: object) -> Session:
    """The session after a turn: pending questions cleared, misses reset, unless changed."""
    base: dict[str, object] = {
        "pending": (),
        "pending_kind": None,
        "pending_arg": None,
        "misses": 0,
        "last_intent": intent,
        "last_faq": faq_id or turn.session.last_faq,
    }
    base.update(changes)
    return turn.session.evolve(**base)


def decide(
    turn: Turn,
    intent: str,
    reply: Reply,
    *,
    action: str = "answer",
    outcome: str = "answered",
    faq_id: str | None = None,
    score: float = 100.0,
    candidates: Iterable[Candidate] = (),
    effects: Iterable[Effect] = (),
    session: Session | None = None,
) -> Decision:
    return Decision(
        intent=intent,
        action="clarify" if action == "clarify" else "answer",
        reply=reply,
        session=session or next_session(turn, intent, faq_id),
        faq_id=faq_id,
        score=float(score),
        candidates=tuple(candidates),
        effects=tuple(effects),
        outcome=outcome,
    )


def bid(score: float, decision: Decision) -> Bid:
    return Bid(float(score), decision)


def remember(turn: Turn, district: str | None) -> tuple[Effect, ...]:
    """Remember a newly named district for later questions."""
    if district and district != turn.session.district:
        return (Effect("remember_district", {"district": district}),)
    return ()
