"""The bot's intents, in the order they are asked to bid (ties go to the earlier one).

`respond` is the arbiter (bot.dialogue.arbiter) given this registry: the one entry point the
services, the console and the `faq` commands use.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.dialogue.arbiter import Registry
from bot.dialogue.arbiter import respond as _respond
from bot.model import Decision
from intents import (
    district,
    emergency,
    fallback,
    faq,
    greeting,
    handoff,
    help,
    hotline,
    more,
    pending,
    subscribe,
    thanks,
    unsubscribe,
)

REGISTRY = Registry(
    modules=(
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
        more,
        faq,
        fallback,
    ),
    first=emergency.NAME,
    pending=pending.NAME,
    last=fallback.NAME,
)


def respond(text: str, *, now: datetime, **kwargs: Any) -> Decision:
    """The bot's decision for one message (see bot.dialogue.arbiter.respond)."""
    return _respond(text, registry=REGISTRY, now=now, **kwargs)


__all__ = ["REGISTRY", "respond"]
