"""What an intent sees of one message, and what it offers back (a Bid)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from bot.language.analysis import Analysis, analyse, join
from bot.language.normalise import Normalised
from bot.language.symptoms import Assessment, assess, load_rules
from bot.model import Candidate, Decision, Session

if TYPE_CHECKING:
    from bot.content.loader import Content


@dataclass(frozen=True)
class Thresholds:
    """When the FAQ answers, offers suggestions, or gives up — the one place these are set.

    Scores are 0-100 (see MatchIndex.rank). The bot answers when the best entry scores at
    least `answer` and leads the second by at least `lead`, or scores at least `sure` whatever
    the lead; it offers suggestions from `suggest` up. Chosen on the development sets (short
    and long together, `faq eval`): the lead is what holds at every length — a long message
    scores lower than a short one, but a right entry stands out from the rest at any length.
    """

    answer: float = 30.0
    lead: float = 12.0
    sure: float = 40.0
    suggest: float = 24.0

    def confident(self, candidates: list[Candidate]) -> bool:
        if not candidates or candidates[0].score < self.answer:
            return False
        second = candidates[1].score if len(candidates) > 1 else 0.0
        return candidates[0].score >= self.sure or candidates[0].score - second >= self.lead


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
        """The whole message normalised: its clauses' normalised words, in order."""
        return join(self.analysis.clauses)

    @cached_property
    def analysis(self) -> Analysis:
        """The message's clauses and their roles (greeting, context, question, thanks)."""
        return analyse(self.text)

    @cached_property
    def symptoms(self) -> Assessment:
        """Red-flag signs in the message, now or in the past."""
        return assess(self.analysis)

    @cached_property
    def candidates(self) -> list[Candidate]:
        """FAQ entries scored against the message's question, with its context, best first."""
        if self.analysis.social_only:
            return []
        past = bool(self.symptoms.past) and not self.symptoms.emergency
        limit = len(self.content.entries) if past else CANDIDATES
        ranked = self.content.index.rank(self._units, self.analysis.background, limit=limit)
        if past:  # "hồi nhỏ bị sốc phản vệ, giờ tiêm được không": a screening question
            ranked = _lean_to_screening(ranked)
        return ranked[:CANDIDATES]

    @property
    def _units(self) -> tuple[Normalised, ...]:
        """The question sentences; with none, the sentences about vaccination (a story
        sentence such as "nhà em ở Nam Trực" is not the question)."""
        units = self.analysis.units
        if self.analysis.question_sentences:
            return units
        domain = self.content.index.domain
        about = tuple(u for u in units if domain.verdict(u) == "in")
        return about or units

    @cached_property
    def covid_other(self) -> bool:
        """Asks about COVID-19 itself (treatment, isolation, tests, travel, after-effects), not
        about vaccination. The question names no vaccination, and either names such a subject,
        or the message names one and nowhere speaks of vaccination ("em khỏi covid 1 tháng mà
        vẫn mất mùi vị … bao lâu thì hết?"), or the message tells of COVID-19 now and not that
        it is over ("em tiêm 3 mũi rồi, tối qua test lên 2 vạch … phải báo cho ai?")."""
        domain, focus, whole = self.content.index.domain, self.analysis.focus, self.analysis.whole
        if domain.vaccination.search(focus):
            return False
        if domain.covid_other.search(focus):
            return True
        if domain.covid_other.search(whole) and not domain.vaccination.search(whole):
            return True
        return domain.covid_now.search(whole) and not domain.covid_over.search(whole)

    @cached_property
    def on_topic(self) -> bool:
        """Somewhere the message speaks of vaccination (a cue in all it says)."""
        return self.content.index.domain.verdict(self.analysis.whole) == "in"

    @cached_property
    def confident(self) -> bool:
        """The best FAQ entry is clear enough to answer; a message that nowhere speaks of
        vaccination is answered only when the entry is sure."""
        if not self.on_topic:
            sure = self.thresholds.sure
            return bool(self.candidates) and self.candidates[0].score >= sure
        return self.thresholds.confident(self.candidates)

    @property
    def suggest_from(self) -> float:
        """The score from which entries are offered. A message that nowhere speaks of
        vaccination is offered them only from the answer threshold when it says one thing
        ("đăng ký": it said too little), and from sure when it says more ("đường liên xã bị
        hỏng mấy tháng nay, phản ánh cho ai?": it is about something else)."""
        if self.on_topic:
            return self.thresholds.suggest
        if len(self.analysis.substance) < 2:
            return self.thresholds.answer
        return self.thresholds.sure

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


CANDIDATES = 5  # FAQ entries a turn keeps, best first


def _lean_to_screening(ranked: list[Candidate]) -> list[Candidate]:
    """A sign in the past makes it a screening question: those entries gain a little."""
    rules = load_rules()
    leaned = [
        Candidate(c.faq_id, min(100.0, c.score + rules.screening_lean))
        if c.faq_id in rules.screening
        else c
        for c in ranked
    ]
    return sorted(leaned, key=lambda c: -c.score)


@dataclass(frozen=True)
class Bid:
    """An intent's offer: how sure it is (0-100) and what it would do."""

    score: float
    decision: Decision


BidFn = Callable[[Turn], Bid | None]
