"""One message in, one Decision out: the intents bid and the arbiter picks.

The arbiter knows intents only through the Registry it is given (the composition root passes
`intents.REGISTRY`), so `intents/` builds on `bot.dialogue` and never the other way round.
Order of precedence: the emergency intent answers at once; then what the session waits for;
then chat commands; then the highest bid (ties go to the earlier intent); the last resort
(fallback) only when nobody bid. Bids are comparable: an FAQ answer bids its match score, a
greeting or thanks bids high only when the message holds nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from types import ModuleType

from bot.content.loader import Content
from bot.dialogue.turn import Bid, Thresholds, Turn
from bot.language.mask import mask_numbers
from bot.model import Decision, Effect, Session

# Replies that leave a question unanswered: staff see these messages in the unanswered list.
MISSED = frozenset({"greeting", "thanks", "help"})


@dataclass(frozen=True)
class Registry:
    """The intent modules in bidding order, and the names with a fixed place."""

    modules: tuple[ModuleType, ...]
    first: str  # beats everything
    pending: str  # then what the session waits for
    last: str  # only when nothing else bid

    def named(self, name: str) -> ModuleType:
        return next(m for m in self.modules if name == m.NAME)


def _tier(name: str, turn: Turn, registry: Registry) -> int:
    if name == registry.pending:
        return 1
    return 2 if turn.command is not None else 3


def best_bid(turn: Turn, registry: Registry) -> tuple[str, Bid]:
    """The winning (intent name, bid): lowest tier, then highest score, then order."""
    for module in registry.modules:  # an emergency answers at once, whatever else is said
        if registry.first == module.NAME:
            found = module.bid(turn)
            if found is not None:
                return module.NAME, found
    ranked: list[tuple[int, float, int, str, Bid]] = []
    for order, module in enumerate(registry.modules):
        if module.NAME in (registry.first, registry.last):
            continue
        found = module.bid(turn)
        if found is not None:
            ranked.append(
                (_tier(module.NAME, turn, registry), -found.score, order, module.NAME, found)
            )
    if ranked:
        _, _, _, name, winner = min(ranked, key=lambda r: r[:3])
        return name, winner
    last = registry.named(registry.last).bid(turn)
    if last is None:
        raise LookupError("the fallback intent did not bid")
    return registry.last, last


def _note_miss(turn: Turn, decision: Decision) -> Decision:
    """Suggestions instead of an answer, or a greeting, thanks or menu sent to a message that
    also said more: recorded for staff (numbers masked) with what the bot did."""
    if turn.command or any(e.kind == "log_unanswered" for e in decision.effects):
        return decision
    if decision.intent == "faq" and decision.action == "clarify":
        did = "clarify"
    elif decision.intent in MISSED and turn.analysis.substance:
        did = decision.intent
    else:
        return decision
    note = Effect("log_unanswered", {"text": mask_numbers(turn.text), "did": did})
    return replace(decision, effects=(*decision.effects, note))


def respond(
    text: str,
    *,
    registry: Registry,
    session: Session,
    content: Content,
    now: datetime,
    thresholds: Thresholds | None = None,
    subscriptions: Iterable[tuple[str, str]] = frozenset(),
) -> Decision:
    """Decide the reply to one message; pure: effects are returned, never applied."""
    turn = Turn(
        text=text,
        session=session,
        content=content,
        now=now,
        subscriptions=frozenset(subscriptions),
        thresholds=thresholds or Thresholds(),
    )
    return _note_miss(turn, best_bid(turn, registry)[1].decision)


__all__: Sequence[str] = ("Registry", "best_bid", "respond")
