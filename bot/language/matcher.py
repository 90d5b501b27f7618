"""Fuzzy matching of a message against every phrasing of every FAQ entry, with a domain gate."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from rapidfuzz import fuzz, process

from bot.language.lexicon import fold
from bot.language.normalise import Normalised, normalise
from bot.language.phrases import PhraseSet
from bot.language.vectors import EntryVectors
from bot.model import Candidate

DOMAIN_PATH = Path(__file__).with_name("domain.yaml")
_LEADING_N = re.compile(r"\bn(?=[aeiouy])")

# How the parts of a score are weighed, and how the domain gate scales it.
FUZZY_WEIGHT = 0.3  # whole-message edit similarity to the closest phrasing
OVERLAP_WEIGHT = 0.2  # how much of the message's specific words the entry knows
COSINE_WEIGHT = 0.0  # how alike the message and the closest phrasing are, word by word
PROFILE_WEIGHT = 0.5  # how alike the message and all phrasings of the entry pooled are
NO_CUE_FACTOR = 0.88  # nothing in the message says "vaccination": only strong matches answer
OUT_OF_DOMAIN_FACTOR = 0.5  # "tiêm phòng dại cho chó": never a vaccine answer
MIN_MASS = 3.0  # a message of generic words only ("tiêm vắc xin") covers nothing specific
UNKNOWN_IDF = 2.0  # a word no entry knows: rare, but says nothing about which entry

SCORE_SCALE = 1.25  # pooled profiles score lower than single phrasings; keeps thresholds
TYPO_SCORE = 84  # a word typed slightly wrong still counts when this similar to a known word
TYPO_CACHE = 20_000  # typo look-ups remembered per content version
MEMO_SIZE = 16  # texts whose scores are remembered (one message's parts; the oldest goes first)
CONTEXT_WEIGHT = 0.7  # a long message: how much its context adds to an entry's score …
CONTEXT_FLOOR = 10.0  # … above what any context scores for any entry
GENERIC_QUESTION = 20.0  # a question saying this little (specificity) leans on its context …
CONTEXT_WEIGHT_GENERIC = 3.0  # … this much


def loose(folded: str) -> str:
    """Merge l and n at the start of words, as many Nam Định residents write them."""
    return _LEADING_N.sub("l", folded)


@dataclass(frozen=True)
class Domain:
    cues: PhraseSet
    strong: PhraseSet
    out: PhraseSet
    stopwords: frozenset[str]
    covid_other: PhraseSet = field(default_factory=lambda: PhraseSet(()))
    vaccination: PhraseSet = field(default_factory=lambda: PhraseSet(()))
    covid_now: PhraseSet = field(default_factory=lambda: PhraseSet(()))
    covid_over: PhraseSet = field(default_factory=lambda: PhraseSet(()))

    def verdict(self, norm: Normalised) -> str:
        """'in' (a vaccination cue), 'out' (another subject) or 'none' (no cue either way)."""
        if self.out.search(norm) and not self.strong.search(norm):
            return "out"
        return "in" if self.cues.search(norm) else "none"

    def factor(self, norm: Normalised) -> float:
        return {"in": 1.0, "none": NO_CUE_FACTOR, "out": OUT_OF_DOMAIN_FACTOR}[self.verdict(norm)]


def build_domain(data: Mapping[str, Any]) -> Domain:
    return Domain(
        cues=PhraseSet.of(data.get("cues", ())),
        strong=PhraseSet.of(data.get("strong", ())),
        out=PhraseSet.of(data.get("out_of_domain", ()), strict_short=True),
        stopwords=frozenset(fold(str(w)) for w in data.get("stopwords", ())),
        covid_other=PhraseSet.of(data.get("covid_not_vaccination", ())),
        vaccination=PhraseSet.of(data.get("vaccination", ())),
        covid_now=PhraseSet.of(data.get("covid_now", ())),
        covid_over=PhraseSet.of(data.get("covid_over", ())),
    )


@lru_cache(maxsize=2)
def load_domain(path: str | None = None) -> Domain:
    return build_domain(yaml.safe_load(Path(path or DOMAIN_PATH).read_text("utf-8")) or {})


def _features(content: Sequence[str]) -> set[str]:
    return set(content) | {f"{a} {b}" for a, b in itertools.pairwise(content)}


class Scored(NamedTuple):
    """One entry's score and its parts, for `faq ask` and tuning (a plain tuple: every
    message makes one per entry)."""

    faq_id: str
    score: float
    fuzzy: float
    overlap: float
    cosine: float
    profile: float = 0.0


def _combine(fuzzy: float, overlap: float, cosine: float, profile: float) -> float:
    return min(
        100.0,
        SCORE_SCALE
        * (
            FUZZY_WEIGHT * fuzzy
            + OVERLAP_WEIGHT * overlap
            + COSINE_WEIGHT * cosine
            + PROFILE_WEIGHT * profile
        ),
    )


class MatchIndex:
    """Every phrasing of every entry, normalised once per content version."""

    def __init__(self, entries: Iterable[tuple[str, Sequence[str]]], domain: Domain | None = None):
        self.domain = domain or load_domain()
        self.ids: list[str] = []
        folded: list[str] = []
        owners: list[int] = []
        entry_features: list[set[str]] = []
        phrasing_features: list[set[str]] = []
        for faq_id, phrasings in entries:
            self.ids.append(faq_id)
            feats: set[str] = set()
            for text in phrasings:
                norm = normalise(text)
                folded.append(norm.folded)
                owners.append(len(self.ids) - 1)
                phrasing_features.append(_features(self._content(norm)))
                feats |= phrasing_features[-1]
            entry_features.append(feats)
        # Per entry, each distinct string its phrasings read as, as written and with l/n
        # merged (most read the same both ways): the fuzzy pass scores each once per query.
        self._variants = [tuple(dict.fromkeys((text, loose(text)))) for text in folded]
        self._entry_phrasings: list[list[int]] = [[] for _ in self.ids]
        for p, owner in enumerate(owners):
            self._entry_phrasings[owner].append(p)
        self._entry_choices = [self._strings(e) for e in range(len(self.ids))]
        self._owners = owners
        self._first: dict[str, int] = {}
        for p, owner in enumerate(owners):
            self._first.setdefault(self.ids[owner], p)
        self._phrasing_features = phrasing_features
        self._entry_features = entry_features
        df: dict[str, int] = {}
        for feats in entry_features:
            for f in feats:
                df[f] = df.get(f, 0) + 1
        n = max(len(entry_features), 1)
        self._idf = {f: math.log((n + 1) / (c + 0.5)) for f, c in df.items()}
        self._feature_entries: dict[str, list[int]] = {}
        for e, feats in enumerate(entry_features):
            for f in feats:
                self._feature_entries.setdefault(f, []).append(e)
        self._vocab = sorted({f for f in df if " " not in f and len(f) >= 4})
        self._typos: dict[str, str] = {}
        # the last texts scored: one message's question sentences are scored by more than one
        # intent (the ranking, the other questions it asks)
        self._memo: dict[tuple[str, tuple[str, int] | None, bool], list[Scored]] = {}
        self._postings: dict[str, list[int]] = {}
        self._norms: list[float] = []
        for p, feats in enumerate(phrasing_features):
            for f in feats:
                self._postings.setdefault(f, []).append(p)
            self._norms.append(math.sqrt(sum(self._idf[f] ** 2 for f in feats)) or 1.0)
        self._profiles = EntryVectors(phrasing_features, owners, len(self.ids), self._idf)

    def _content(self, norm: Normalised) -> list[str]:
        return [t for t in norm.folded_tokens if t not in self.domain.stopwords]

    def _known(self, token: str) -> str:
        """The vocabulary word a slightly mistyped token stands for (or the token itself)."""
        if token in self._idf or len(token) < 4:
            return token
        found = self._typos.get(token)
        if found is None:
            best = process.extractOne(
                token, self._vocab, scorer=fuzz.ratio, processor=None, score_cutoff=TYPO_SCORE
            )
            found = best[0] if best else token
            if len(self._typos) < TYPO_CACHE:
                self._typos[token] = found
        return found

    def _skip(self, exclude: tuple[str, int] | None) -> int:
        """Index of the phrasing left out (conflict checks), or -1."""
        return self._first[exclude[0]] + exclude[1] if exclude else -1

    def _strings(self, entry: int, skip: int = -1) -> list[str]:
        """The distinct strings an entry's phrasings read as (leaving phrasing `skip` out)."""
        return list(
            dict.fromkeys(
                v for p in self._entry_phrasings[entry] if p != skip for v in self._variants[p]
            )
        )

    def _fuzzy(self, norm: Normalised, skip: int = -1) -> list[float]:
        """Per entry, the best fuzz.ratio between the message (as written and with l/n merged)
        and any of its phrasings (likewise)."""
        best = [0.0] * len(self.ids)
        if not norm.folded:
            return best
        choices = self._entry_choices
        if skip >= 0:
            choices = list(choices)
            choices[self._owners[skip]] = self._strings(self._owners[skip], skip)
        for query in dict.fromkeys((norm.folded, loose(norm.folded))):
            for e, strings in enumerate(choices):
                # only a better score than the entry has is looked for: most strings are
                # dismissed early
                found = process.extractOne(
                    query, strings, scorer=fuzz.ratio, processor=None, score_cutoff=best[e]
                )
                if found is not None and found[1] > best[e]:
                    best[e] = found[1]
        return best

    def _overlap(self, weights: Mapping[str, float], skip: int = -1) -> list[float]:
        total = max(sum(weights.values()), MIN_MASS)
        if skip < 0:  # through the entries each word is known to: long messages stay cheap
            known = [0.0] * len(self.ids)
            for f, w in weights.items():
                for e in self._feature_entries.get(f, ()):
                    known[e] += w
            return [100.0 * k / total for k in known]
        entries = list(self._entry_features)
        if skip >= 0:  # the entry as if that phrasing were not there
            owner = self._owners[skip]
            rest = [
                f
                for p, fs in enumerate(self._phrasing_features)
                if self._owners[p] == owner and p != skip
                for f in fs
            ]
            entries[owner] = set(rest)
        return [
            100.0 * sum(w for f, w in weights.items() if f in entry) / total for entry in entries
        ]

    def _query(self, norm: Normalised) -> dict[str, float]:
        """The message's words and word pairs, each weighed by how specific it is."""
        feats = _features([self._known(t) for t in self._content(norm)])
        return {f: self._idf.get(f, UNKNOWN_IDF) for f in feats}

    def _cosine(self, weights: Mapping[str, float], skip: int = -1) -> list[float]:
        """Per entry, the best IDF-weighted cosine between the message and one phrasing."""
        q_norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        dots: dict[int, float] = {}
        for f, w in weights.items():
            for p in self._postings.get(f, ()):
                dots[p] = dots.get(p, 0.0) + w * w
        best = [0.0] * len(self.ids)
        for p, dot in dots.items():
            if p == skip:
                continue
            owner = self._owners[p]
            best[owner] = max(best[owner], 100.0 * dot / (q_norm * self._norms[p]))
        return best

    def scored(
        self, norm: Normalised, exclude: tuple[str, int] | None = None, *, fuzzy: bool = True
    ) -> list[Scored]:
        """Every entry with its score (0-100) and parts, best first.

        `exclude` (entry id, phrasing number) leaves one phrasing out, to check conflicts.
        Without `fuzzy` the words alone count (a story is not worded like any question).
        """
        key = (norm.accented, exclude, fuzzy)
        found = self._memo.get(key)
        if found is None:
            found = self._scored(norm, exclude, fuzzy)
            if len(self._memo) >= MEMO_SIZE:
                del self._memo[next(iter(self._memo))]
            self._memo[key] = found
        return list(found)

    def _scored(
        self, norm: Normalised, exclude: tuple[str, int] | None, fuzzy: bool
    ) -> list[Scored]:
        factor = self.domain.factor(norm)
        skip = self._skip(exclude)
        query = self._query(norm)  # the typo look-up is the slow part: once per message
        parts = zip(
            self.ids,
            self._fuzzy(norm, skip) if fuzzy else [0.0] * len(self.ids),
            self._overlap(query, skip),
            self._cosine(query, skip) if COSINE_WEIGHT else [0.0] * len(self.ids),
            self._profiles.scores(query, skip),
            strict=True,
        )
        rows = [
            Scored(i, round(factor * _combine(f, o, c, p), 1), f, o, c, p)
            for i, f, o, c, p in parts
        ]
        return sorted(rows, key=lambda r: -r.score)

    def match(self, norm: Normalised, limit: int = 5) -> list[Candidate]:
        """The best `limit` entries as scored candidates, best first, one per entry."""
        return [Candidate(r.faq_id, r.score) for r in self.scored(norm)[:limit]]

    def specificity(self, norm: Normalised) -> float:
        """How much a text says about which entry it means: the weight of its known words
        ("bố em có tiêm được không" says little; "mũi 2 astra cách mấy tuần" says much)."""
        return sum(self._idf.get(self._known(t), 0.0) for t in set(self._content(norm)))

    def rank(
        self, units: Sequence[Normalised], context: Normalised | None = None, limit: int = 5
    ) -> list[Candidate]:
        """Entries for a message whose question may be any of `units` (its question sentences),
        told inside `context` (who, illnesses, what happened).

        Each entry scores its best unit, plus a share of what the context says for it beyond
        what any context says ("mẹ em bị tiểu đường … bà có tiêm được không" leans to the
        chronic-illness entry; "nhà em ở Hải Hậu" leans nowhere). A message that is one
        question (every short one) scores exactly as `match` scores it.
        """
        units = [u for u in units if u] or [normalise("")]
        if len(units) == 1 and not context:
            return self.match(units[0], limit)
        best: dict[str, float] = {}
        for unit in units:
            for r in self.scored(unit):
                best[r.faq_id] = max(best.get(r.faq_id, 0.0), r.score)
        if context:
            # "… bà có tiêm được không?" names no topic: then the story says what it is about
            generic = max(self.specificity(u) for u in units) < GENERIC_QUESTION
            weight = CONTEXT_WEIGHT_GENERIC if generic else CONTEXT_WEIGHT
            for r in self.scored(context, fuzzy=False):
                best[r.faq_id] += weight * max(0.0, r.score - CONTEXT_FLOOR)
        rows = sorted(best.items(), key=lambda r: -r[1])
        return [Candidate(i, round(min(100.0, s), 1)) for i, s in rows[:limit]]
