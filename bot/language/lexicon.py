"""The chat-spelling lexicon: synonyms, context-checked negations, K-as-cancer, l/n slips."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.language.tones import place_tone

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")
NEGATION = ("không",)
MAX_PASSES = 4

Phrase = tuple[str, ...]


def fold(text: str) -> str:
    """Remove diacritics (đ → d): "tiêm xong bị sốt" → "tiem xong bi sot"."""
    return _fold_word(text) if len(text) <= 24 else _fold(text)


@lru_cache(maxsize=32768)
def _fold_word(text: str) -> str:
    return _fold(text)  # words and short cues repeat: remembered (bounded: short texts only)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)


def canonical_tokens(text: str) -> Phrase:
    """Tokens of a lexicon phrase in the form normalisation produces (lower case, tone placed)."""
    return tuple(place_tone(t) for t in unicodedata.normalize("NFC", str(text)).lower().split())


def _folded_set(words: Iterable[Any]) -> frozenset[str]:
    return frozenset(fold(" ".join(canonical_tokens(w))) for w in words or ())


@dataclass(frozen=True)
class Rules:
    """Phrase replacements keyed by their first token, longest key first."""

    by_first: Mapping[str, tuple[tuple[Phrase, Phrase], ...]]

    @classmethod
    def build(cls, pairs: Iterable[tuple[Phrase, Phrase]]) -> Rules:
        grouped: dict[str, dict[Phrase, Phrase]] = {}
        for key, value in pairs:
            if key:
                grouped.setdefault(key[0], {}).setdefault(key, value)
        return cls(
            {
                first: tuple(sorted(rules.items(), key=lambda kv: -len(kv[0])))
                for first, rules in grouped.items()
            }
        )

    def apply(self, tokens: Sequence[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for key, value in self.by_first.get(tokens[i], ()):
                if tuple(tokens[i : i + len(key)]) == key:
                    out.extend(value)
                    i += len(key)
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out


@dataclass(frozen=True)
class Lexicon:
    synonyms: Rules
    negations: frozenset[str]
    neg_before: frozenset[str]
    neg_after: frozenset[str]
    particles: frozenset[str]
    kept_after: Mapping[str, frozenset[str]]
    organs: frozenset[str]
    cancer_before: frozenset[str]
    cancer: Phrase
    ln_fixed: Rules
    nen_before: frozenset[str]

    def expand(self, tokens: Sequence[str], upper_k: frozenset[int] = frozenset()) -> list[str]:
        """Apply the lexicon to one sentence's tokens until nothing changes."""
        return self.settle(tokens, upper_k)[0]

    def settle(
        self, tokens: Sequence[str], upper_k: frozenset[int] = frozenset()
    ) -> tuple[list[str], bool]:
        """`expand`, and whether the result is settled: expanding it again changes nothing."""
        current = self._cancer(list(tokens), upper_k)
        for _ in range(MAX_PASSES):
            updated = self._ln(self._negations(self.synonyms.apply(current)))
            if updated == current:
                return current, True
            current = updated
        return current, False

    def _cancer(self, tokens: list[str], upper_k: frozenset[int]) -> list[str]:
        if not upper_k:
            return tokens  # a capital "K" standing alone is all this rule reads
        out: list[str] = []
        for i, tok in enumerate(tokens):
            nxt = fold(tokens[i + 1]) if i + 1 < len(tokens) else ""
            prev = fold(tokens[i - 1]) if i > 0 else ""
            if i in upper_k and (nxt in self.organs or prev in self.cancer_before):
                out.extend(self.cancer)
            else:
                out.append(tok)
        return out

    def _is_negation_position(self, tokens: Sequence[str], i: int) -> bool:
        prev = tokens[i - 1] if i > 0 else ""
        if prev[:1].isdigit() or fold(prev) in self.kept_after.get(tokens[i], ()):
            return False  # "60 kg", "5 k", "đau hong" (họng)
        rest = [fold(t) for t in tokens[i + 1 :]]
        if all(t in self.particles for t in rest):
            return True
        return rest[0] in self.neg_before or (bool(prev) and fold(prev) in self.neg_after)

    def _negations(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        for i, tok in enumerate(tokens):
            if tok in self.negations and self._is_negation_position(tokens, i):
                out.extend(NEGATION)
            else:
                out.append(tok)
        return out

    def _ln(self, tokens: list[str]) -> list[str]:
        fixed = self.ln_fixed.apply(tokens)
        return [
            "nên"
            if tok == "lên" and i + 1 < len(fixed) and fold(fixed[i + 1]) in self.nen_before
            else tok
            for i, tok in enumerate(fixed)
        ]


def _rules(mapping: Mapping[str, Any]) -> Rules:
    pairs: list[tuple[Phrase, Phrase]] = []
    for canonical, spellings in (mapping or {}).items():
        value = canonical_tokens(canonical)
        pairs.append((value, value))  # a canonical form is never rewritten again
        pairs += [(canonical_tokens(s), value) for s in spellings or ()]
    return Rules.build(pairs)


def build_lexicon(data: Mapping[str, Any]) -> Lexicon:
    """Build a Lexicon from the parsed lexicon.yaml structure."""
    neg, cancer, ln = data.get("negation", {}), data.get("cancer", {}), data.get("l_n", {})
    ln_pairs = [(canonical_tokens(k), canonical_tokens(v)) for k, v in ln.get("fixed", {}).items()]
    return Lexicon(
        synonyms=_rules(data.get("replace", {})),
        negations=frozenset(t for w in neg.get("words", ()) for t in canonical_tokens(w)),
        neg_before=_folded_set(neg.get("before")),
        neg_after=_folded_set(neg.get("after")),
        particles=_folded_set(neg.get("particles")),
        kept_after={
            " ".join(canonical_tokens(w)): _folded_set(prev)
            for w, prev in (neg.get("kept_after") or {}).items()
        },
        organs=_folded_set(cancer.get("organs")),
        cancer_before=_folded_set(cancer.get("before")),
        cancer=canonical_tokens(cancer.get("replacement", "ung thư")),
        ln_fixed=Rules.build(ln_pairs),
        nen_before=_folded_set(ln.get("nen_before")),
    )


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> Lexicon:
    """The lexicon from `path` (default: the packaged lexicon.yaml), parsed once."""
    text = Path(path or LEXICON_PATH).read_text(encoding="utf-8")
    return build_lexicon(yaml.safe_load(text) or {})
