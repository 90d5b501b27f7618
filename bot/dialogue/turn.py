"""What an intent sees of one message, and what it offers back (a Bid)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from bot.language.normalise import Normalised, normalise
from bot.model import Candidate, Decision, Session

if TYPE_CHECKING:
    from bot.content.loader import Content


@dataclass(frozen=True)
class Thresholds:
    """Match scores (0-100): at or above `answer` the bot answers; above `suggest` it offers."""

    answer: float = 40.0
    suggest: float = 28.0


@dataclass(frozen=True)
class Command:
    """A chat command such as "#dangky lich-tiem hai-hau": its name and its words."""

    name: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class Turn:
    text: str
    session: Session
    content: Content
    now: datetime
    subscriptions: frozenset[tuple[str, str]] = frozenset()
    thresholds: Thresholds = field(default_factory=Thresholds)

    @cached_property
    def norm(self) -> Normalised:
        return normalise(self.text)

    @cached_property
    def candidates(self) -> list[Candidate]:
        """FAQ entries scored against the message, best first."""
        return self.content.index.match(self.norm)

    @cached_property
    def command(self) -> Command | None:
        words = self.text.strip().split()
        if not words or not words[0].startswith("#") or len(words[0]) < 2:
            return None
        return Command(words[0][1:].lower(), tuple(words[1:]))

    @cached_property
    def district(self) -> str | None:
        """A district named in this message."""
        return self.content.find_district(self.norm)


@dataclass(frozen=True)
class Bid:
    """An intent's offer: how sure it is (0-100) and what it would do."""

    score: float
    decision: Decision


BidFn = Callable[[Turn], Bid | None]
