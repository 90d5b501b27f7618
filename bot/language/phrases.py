"""Find cue phrases in a message; diacritics are ignored only where the resident typed none."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from bot.language.lexicon import canonical_tokens, fold
from bot.language.normalise import Normalised, normalise

# A token typed bare matches a cue without its marks: "xiu" (typed bare) may be "xỉu", "xíu"
# (typed with marks) is never "xỉu".
# A one-word cue this short is matched only as typed: "cho" is not "chó", "dau" not "dầu".
SHORT_FOLDED = 3


@dataclass(frozen=True)
class Phrase:
    text: str
    tokens: tuple[str, ...]
    folded: tuple[str, ...]

    def _matches(self, norm: Normalised, i: int, k: int) -> bool:
        typed = norm.tokens[i]
        return typed == self.tokens[k] or (typed == self.folded[k] and norm.bare[i])

    def positions(self, norm: Normalised) -> Iterator[int]:
        """Where the phrase starts in the message (diacritics ignored only where none typed)."""
        n, last = len(self.tokens), len(norm.tokens) - len(self.tokens)
        starts = set(norm.at.get(self.tokens[0], ()))
        starts.update(i for i in norm.at.get(self.folded[0], ()) if norm.bare[i])
        for start in sorted(starts):
            if start <= last and all(self._matches(norm, start + k, k) for k in range(1, n)):
                yield start


@dataclass(frozen=True)
class PhraseSet:
    """A set of cue phrases, each normalised exactly like residents' messages."""

    phrases: tuple[Phrase, ...]

    @classmethod
    def of(cls, texts: Iterable[str], *, strict_short: bool = False) -> PhraseSet:
        """Phrases from texts; with strict_short, short one-word cues must match their marks."""
        out = []
        for text in texts or ():
            tokens = normalise(str(text)).tokens or canonical_tokens(str(text))
            if not tokens:
                continue
            folded = tuple(fold(t) for t in tokens)
            short = len(tokens) == 1 and len(folded[0]) <= SHORT_FOLDED
            if strict_short and short and folded != tokens:
                folded = ("\x00",)  # never equals a typed token: only the exact form matches
            out.append(Phrase(str(text), tokens, folded))
        return cls(tuple(out))

    @cached_property
    def _by_first(self) -> dict[str, tuple[Phrase, ...]]:
        """Phrases by the forms their first word may be typed in, so a search skips the rest."""
        index: dict[str, list[Phrase]] = {}
        for p in self.phrases:
            for form in {p.tokens[0], p.folded[0]}:
                index.setdefault(form, []).append(p)
        return {form: tuple(found) for form, found in index.items()}

    def _candidates(self, norm: Normalised) -> list[Phrase]:
        seen: dict[int, Phrase] = {}
        for tok in self._by_first.keys() & norm.at.keys():
            for p in self._by_first[tok]:
                seen.setdefault(id(p), p)
        return list(seen.values())

    def spans(self, norm: Normalised) -> list[tuple[int, int, Phrase]]:
        """Every (start, end, phrase) occurrence in the message, in text order."""
        found = [
            (start, start + len(p.tokens), p)
            for p in self._candidates(norm)
            for start in p.positions(norm)
        ]
        return sorted(found, key=lambda s: (s[0], -s[1], self.phrases.index(s[2])))

    def search(self, norm: Normalised) -> bool:
        return any(next(p.positions(norm), None) is not None for p in self._candidates(norm))

    def __len__(self) -> int:
        return len(self.phrases)
