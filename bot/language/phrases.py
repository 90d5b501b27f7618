"""Find cue phrases in a message; diacritics are ignored only where the resident typed none."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from bot.language.lexicon import canonical_tokens, fold
from bot.language.normalise import Normalised, normalise


def _token_matches(typed: str, cue: str, cue_folded: str) -> bool:
    # "xiu" (typed bare) may be "xỉu"; "xíu" (typed with marks) is never "xỉu"
    return typed == cue or (typed == cue_folded and typed == fold(typed))


# A one-word cue this short is matched only as typed: "cho" is not "chó", "dau" not "dầu".
SHORT_FOLDED = 3


@dataclass(frozen=True)
class Phrase:
    text: str
    tokens: tuple[str, ...]
    folded: tuple[str, ...]

    def positions(self, tokens: tuple[str, ...]) -> Iterator[int]:
        n = len(self.tokens)
        for start in range(len(tokens) - n + 1):
            if all(
                _token_matches(tokens[start + k], self.tokens[k], self.folded[k]) for k in range(n)
            ):
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

    def _candidates(self, tokens: tuple[str, ...]) -> list[Phrase]:
        seen: dict[int, Phrase] = {}
        for tok in set(tokens):
            for p in self._by_first.get(tok, ()):
                seen.setdefault(id(p), p)
        return list(seen.values())

    def spans(self, norm: Normalised) -> list[tuple[int, int, Phrase]]:
        """Every (start, end, phrase) occurrence in the message, in text order."""
        found = [
            (start, start + len(p.tokens), p)
            for p in self._candidates(norm.tokens)
            for start in p.positions(norm.tokens)
        ]
        return sorted(found, key=lambda s: (s[0], -s[1], self.phrases.index(s[2])))

    def search(self, norm: Normalised) -> bool:
        return any(
            next(p.positions(norm.tokens), None) is not None for p in self._candidates(norm.tokens)
        )

    def __len__(self) -> int:
        return len(self.phrases)
