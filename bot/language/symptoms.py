"""Red-flag signs after vaccination, read clause by clause: now, before, or only asked about."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.language.analysis import Analysis, Clause, join
from bot.language.normalise import Normalised
from bot.language.phrases import PhraseSet

RULES_PATH = Path(__file__).with_name("red_flags.yaml")
_NUMBER = re.compile(r"^\d{2}(?:\.\d+)?$")


@dataclass(frozen=True)
class Rules:
    include: PhraseSet
    exclude: PhraseSet
    question: PhraseSet
    negators: PhraseSet
    window: int
    parts: PhraseSet  # every body part of every pair group …
    signs: PhraseSet  # … and every sign, looked up once per clause
    part_groups: dict[str, frozenset[int]]
    sign_groups: dict[str, frozenset[int]]
    pair_window: int
    past: PhraseSet
    present: PhraseSet
    recovered: PhraseSet
    hypothetical: PhraseSet
    hearsay: PhraseSet
    after_injection: PhraseSet
    fever_words: PhraseSet
    child_words: PhraseSet
    persisting: PhraseSet
    adult: float
    child: float
    always: float
    screening: frozenset[str] = frozenset()
    screening_lean: float = 0.0


def _all(pairs: list[dict[str, list[str]]], side: str) -> list[str]:
    return list(dict.fromkeys(str(t) for p in pairs for t in p.get(side, ())))


def _groups(pairs: list[dict[str, list[str]]], side: str) -> dict[str, frozenset[int]]:
    out: dict[str, set[int]] = {}
    for n, p in enumerate(pairs):
        for t in p.get(side, ()):
            out.setdefault(str(t), set()).add(n)
    return {t: frozenset(g) for t, g in out.items()}


@lru_cache(maxsize=2)
def load_rules(path: str | None = None) -> Rules:
    data = yaml.safe_load(Path(path or RULES_PATH).read_text("utf-8")) or {}
    fever = data.get("fever", {})
    pairs = list(data.get("pairs", ()))
    return Rules(
        include=PhraseSet.of(data.get("include", ())),
        exclude=PhraseSet.of(data.get("exclude", ())),
        question=PhraseSet.of(data.get("question", ())),
        # strict: a bare "do" is as often "đỏ" (red rash) as "đỡ" (better)
        negators=PhraseSet.of(data.get("negators", ()), strict_short=True),
        window=int(data.get("negation_window", 3)),
        parts=PhraseSet.of(_all(pairs, "parts")),
        signs=PhraseSet.of(_all(pairs, "signs")),
        part_groups=_groups(pairs, "parts"),
        sign_groups=_groups(pairs, "signs"),
        pair_window=int(data.get("pair_window", 3)),
        past=PhraseSet.of(data.get("past", ())),
        present=PhraseSet.of(data.get("present", ()), strict_short=True),
        recovered=PhraseSet.of(data.get("recovered", ())),
        hypothetical=PhraseSet.of(data.get("hypothetical", ()), strict_short=True),
        hearsay=PhraseSet.of(data.get("hearsay", ())),
        after_injection=PhraseSet.of(data.get("after_injection", ())),
        fever_words=PhraseSet.of(fever.get("words", ())),
        child_words=PhraseSet.of(fever.get("child_words", ())),
        persisting=PhraseSet.of(fever.get("persisting", ())),
        adult=float(fever.get("adult", 39.0)),
        child=float(fever.get("child", 38.5)),
        always=float(fever.get("always", 40.0)),
        screening=frozenset(str(i) for i in data.get("screening_entries", ())),
        screening_lean=float(data.get("screening_lean", 0.0)),
    )


@dataclass(frozen=True)
class Sign:
    """One red-flag phrase found: where, and whether it is happening now."""

    phrase: str
    clause: int
    start: int
    when: str  # "now" | "past"


@dataclass(frozen=True)
class Assessment:
    now: tuple[str, ...]  # signs reported as happening now
    past: tuple[str, ...]  # signs the message places before (history)
    high_fever_now: bool

    @property
    def emergency(self) -> bool:
        return bool(self.now) or self.high_fever_now


def _starts(norm: Normalised, phrases: PhraseSet) -> list[int]:
    return [s for s, _, _ in phrases.spans(norm)]


def _negated(norm: Normalised, start: int, rules: Rules) -> bool:
    """A negator ends within the few words before the sign, in its clause ("không khó thở")."""
    return any(start - rules.window <= end <= start for _, end, _ in rules.negators.spans(norm))


def _paired(norm: Normalised, rules: Rules) -> list[tuple[int, int, str]]:
    """(start, end, text) of a body part and a sign near each other, in either order."""
    found = []
    parts = rules.parts.spans(norm)
    signs = rules.signs.spans(norm) if parts else []
    for ps, pe, part in parts:
        for ss, se, sign in signs:
            gap = ss - pe if ss >= pe else ps - se
            same = rules.part_groups[part.text] & rules.sign_groups[sign.text]
            if same and 0 <= gap <= rules.pair_window:
                found.append((min(ps, ss), max(pe, se), f"{part.text} {sign.text}"))
    return found


def _signs_in(clause: Clause, rules: Rules) -> list[tuple[int, str]]:
    norm = clause.norm
    spans = [(s, e, p.text) for s, e, p in rules.include.spans(norm)] + _paired(norm, rules)
    if not spans:
        return []
    masked = {i for s, e, _ in rules.exclude.spans(norm) for i in range(s, e)}
    if rules.question.search(norm):
        return []  # "dấu hiệu nào thì phải đi viện": asks about signs, reports none
    hypothetical = _starts(norm, rules.hypothetical)
    out = []
    for start, end, phrase in spans:
        if masked & set(range(start, end)) or _negated(norm, start, rules):
            continue
        if any(h < start for h in hypothetical):
            continue
        out.append((start, phrase))
    return out


def _then(state: str, mark: str) -> str:
    """The tense after a marker: what others say stays hearsay through "tiêm xong" (only a
    time word such as "giờ" brings it back to now)."""
    if state == "hearsay" and mark == "after":
        return state
    return "now" if mark == "after" else mark


def _walk(analysis: Analysis, rules: Rules) -> list[Sign]:
    """Every sign with its tense: a sentence is read left to right, `past`, `present` and
    `hearsay` phrases switching what follows; a later `recovered` makes all before it history;
    what others say ("người ta bảo tiêm xong bị liệt") is no report at all."""
    signs: list[Sign] = []
    recoveries: list[tuple[int, int]] = []
    found = [_signs_in(clause, rules) for clause in analysis.clauses]
    if not any(found):
        return []  # most messages: nothing to place in time
    telling = {c.sentence for c, f in zip(analysis.clauses, found, strict=True) if f}
    state, sentence = "now", -1
    for k, clause in enumerate(analysis.clauses):
        if clause.sentence != sentence:
            state, sentence = "now", clause.sentence
        recoveries += [(k, s) for s in _starts(clause.norm, rules.recovered)]
        if clause.sentence not in telling:
            continue  # no sign in this sentence: its tense words matter to none
        norm = clause.norm
        marks = sorted(
            [(s, "past") for s in _starts(norm, rules.past) if not _negated(norm, s, rules)]
            + [(s, "now") for s in _starts(norm, rules.present)]
            + [(s, "after") for s in _starts(norm, rules.after_injection)]
            + [(s, "hearsay") for s in _starts(norm, rules.hearsay)]
        )
        for start, phrase in found[k]:
            when = state
            for pos, mark in marks:
                if pos <= start:
                    when = _then(when, mark)
            if when != "hearsay":
                signs.append(Sign(phrase, k, start, when))
        for _, mark in marks:
            state = _then(state, mark)
    if recoveries:
        last = max(recoveries)
        signs = [
            Sign(s.phrase, s.clause, s.start, "past") if (s.clause, s.start) < last else s
            for s in signs
        ]
    return signs


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


def _sentences_now(analysis: Analysis, rules: Rules) -> Normalised | None:
    """The sentences with no history in them, joined: where a fever now is read."""
    past = {
        c.sentence
        for c in analysis.clauses
        if rules.past.search(c.norm) and not rules.present.search(c.norm)
    }
    kept = [c for c in analysis.clauses if c.sentence not in past]
    return join(kept) if kept else None


def assess(analysis: Analysis, rules: Rules | None = None) -> Assessment:
    rules = rules or load_rules()
    signs = _walk(analysis, rules)
    warm = any(temperature(c.norm) is not None for c in analysis.clauses)
    now_text = _sentences_now(analysis, rules) if warm else None
    fever = now_text is not None and high_fever(now_text, rules)
    return Assessment(
        now=tuple(s.phrase for s in signs if s.when == "now"),
        past=tuple(s.phrase for s in signs if s.when == "past"),
        high_fever_now=fever,
    )
