"""The bot's intents, in the order they are asked to bid (ties go to the earlier one)."""

from __future__ import annotations

from types import ModuleType

from intents import (
    district,
    emergency,
    fallback,
    faq,
    greeting,
    handoff,
    help,
    hotline,
    pending,
    subscribe,
    thanks,
    unsubscribe,
)

REGISTRY: tuple[ModuleType, ...] = (
    emergency,
    pending,
    handoff,
    unsubscribe,
    subscribe,
    hotline,
    help,
    greeting,
    thanks,
    district,
    faq,
    fallback,
)
FIRST = "emergency"  # beats everything
PENDING = "pending"  # then what the session waits for
LAST = "fallback"  # only when nothing else bid

__all__ = ["FIRST", "LAST", "PENDING", "REGISTRY"]
