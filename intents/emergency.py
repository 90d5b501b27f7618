"""Red-flag symptoms after vaccination: 115 at once, before anything else."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.dialogue import wording
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide
from bot.dialogue.turn import Bid, Turn
from bot.language.normalise import Normalised
from bot.language.phrases import PhraseSet
from bot.model import Reply

NAME = "emergency"
RULES_PATH = Path(__file__).with_name("emergency.yaml")
_NUMBER = re.compile(r"^\d{2}(?:\.\d+)?$")


@dataclass(frozen=True)
class Rules:
    include: PhraseSet
    exclude: PhraseSet
    question: PhraseSet
    negators: PhraseSet
    window: int
    fever_words: PhraseSet
    child_words: PhraseSet
    persisting: PhraseSet
    adult: float
    child: float
    always: float


@lru_cache(maxsize=2)
def load_rules(path: str | None = None) -> Rules:
    data = yaml.safe_load(Path(path or RULES_PATH).read_text("utf-8")) or {}
    fever = data.get("fever", {})
    return Rules(
        include=PhraseSet.of(data.get("include", ())),
        exclude=PhraseSet.of(data.get("exclude", ())),
        question=PhraseSet.of(data.get("question", ())),
        # strict: a bare "do" is as often "đỏ" (red rash) as "đỡ" (better)
        negators=PhraseSet.of(data.get("negators", ()), strict_short=True),
        window=int(data.get("negation_window", 3)),
        fever_words=PhraseSet.of(fever.get("words", ())),
        child_words=PhraseSet.of(fever.get("child_words", ())),
        persisting=PhraseSet.of(fever.get("persisting", ())),
        adult=float(fever.get("adult", 39.0)),
        child=float(fever.get("child", 38.5)),
        always=float(fever.get("always", 40.0)),
    )


def _negated(norm: Normalised, start: int, rules: Rules) -> bool:
    """A negator ends within the few words before the symptom ("không bị khó thở")."""
    return any(start - rules.window <= end <= start for _, end, _ in rules.negators.spans(norm))


def red_flags(norm: Normalised, rules: Rules | None = None) -> list[str]:
    """The red-flag phrases the message reports (not denied, not masked)."""
    rules = rules or load_rules()
    masked = {i for s, e, _ in rules.exclude.spans(norm) for i in range(s, e)}
    found = []
    for start, end, phrase in rules.include.spans(norm):
        if masked & set(range(start, end)) or _negated(norm, start, rules):
            continue
        found.append(phrase.text)
    return found


def temperature(norm: Normalised) -> float | None:
    """The highest body temperature written (35-43), reading "39 độ 5" as 39.5."""
    toks = norm.tokens
    best = None
    for i, tok in enumerate(toks):
        if not _NUMBER.match(tok):
            continue
        value = float(tok)
        if (
            "." not in tok
            and i + 2 < len(toks)
            and toks[i + 1] in ("độ", "do")
            and toks[i + 2].isdigit()
        ):
            value = float(f"{tok}.{toks[i + 2]}")
        if 35.0 <= value <= 43.0:
            best = value if best is None else max(best, value)
    return best


def high_fever(norm: Normalised, rules: Rules | None = None) -> bool:
    rules = rules or load_rules()
    temp = temperature(norm)
    if temp is None or not rules.fever_words.search(norm):
        return False
    if temp >= rules.always:
        return True
    limit = rules.child if rules.child_words.search(norm) else rules.adult
    return temp >= limit and rules.persisting.search(norm)


def is_emergency(norm: Normalised, rules: Rules | None = None) -> bool:
    rules = rules or load_rules()
    if high_fever(norm, rules):
        return True
    return bool(red_flags(norm, rules)) and not rules.question.search(norm)


def bid(turn: Turn) -> Bid | None:
    if turn.command or not is_emergency(turn.norm):
        return None
    reply = Reply(wording.EMERGENCY_TEXT, (wording.CALL_EMERGENCY, wording.CALL_HOTLINE))
    return make_bid(100, decide(turn, NAME, reply, outcome="emergency"))
