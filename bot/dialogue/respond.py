"""One message in, one Decision out: emergency first, then pending, commands, best bid, fallback."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from types import ModuleType

import intents
from bot.content.loader import Content
from bot.dialogue.turn import Bid, Thresholds, Turn
from bot.model import Decision, Session


def _tier(name: str, turn: Turn) -> int:
    if name == intents.FIRST:
        return 0
    if name == intents.PENDING:
        return 1
    return 2 if turn.command is not None else 3


def best_bid(turn: Turn, registry: Sequence[ModuleType] | None = None) -> tuple[str, Bid]:
    """The winning (intent module name, bid): lowest tier, then highest score, then order."""
    modules = list(registry or intents.REGISTRY)
    first = [m for m in modules if m.NAME == intents.FIRST]
    for module in first:  # an emergency answers at once, whatever else the message says
        found = module.bid(turn)
        if found is not None:
            return module.NAME, found
    ranked: list[tuple[int, float, int, str, Bid]] = []
    fallback = None
    for order, module in enumerate(modules):
        if module.NAME == intents.FIRST:
            continue
        if module.NAME == intents.LAST:
            fallback = module
            continue
        found = module.bid(turn)
        if found is not None:
            ranked.append((_tier(module.NAME, turn), -found.score, order, module.NAME, found))
    if ranked:
        _, _, _, name, winner = min(ranked, key=lambda r: r[:3])
        return name, winner
    if fallback is None:
        raise LookupError("no intent bid and no fallback registered")
    last = fallback.bid(turn)
    if last is None:
        raise LookupError("the fallback intent did not bid")
    return fallback.NAME, last


def respond(
    text: str,
    *,
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
    return best_bid(turn)[1].decision
