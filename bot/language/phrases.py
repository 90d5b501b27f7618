"""Find cue phrases in a message; diacritics are ignored only where the resident typed none."""

from __future__ import annotations

from collections.abc import Iterable
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


def _bare_match(norm: Normalised, phrase: Phrase, start: int) -> bool:
    """Each word is the phrase's word as typed, or typed bare and the word without its marks
    (checked only where the words as typed differ)."""
    bare, tokens = norm.bare, norm.tokens
    return all(
        tokens[i] == word or (bare[i] and tokens[i] == folded)
        for i, word, folded in zip(
            range(start, start + len(phrase.tokens)), phrase.tokens, phrase.folded, strict=True
        )
    )


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

    def spans(self, norm: Normalised) -> tuple[tuple[int, int, Phrase], ...]:
        """Every (start, end, phrase) occurrence in the message, in text order."""
        memo = norm.found.get(id(self))
        if memo is not None and memo[0] is self:
            return memo[1]  # type: ignore[return-value]
        spans = self._scan(norm)
        norm.found[id(self)] = (self, spans)
        return spans

    def _scan(self, norm: Normalised) -> tuple[tuple[int, int, Phrase], ...]:
        by_first, tokens, found = self._by_first, norm.tokens, []
        folded, size = norm.folded_tokens, len(tokens)
        for start, typed in enumerate(tokens):
            phrases = by_first.get(typed)
            if phrases is None:
                continue
            for p in phrases:
                end = start + len(p.tokens)
                if end > size:
                    continue
                if p.tokens == tokens[start:end] or (
                    folded[start:end] == p.folded and _bare_match(norm, p, start)
                ):
                    found.append((start, end, p))
        if len(found) > 1:  # longest first at one start, then in the order the cues were given
            found.sort(key=lambda s: (s[0], -s[1], self._order[id(s[2])]))
        return tuple(found)

    @cached_property
    def _order(self) -> dict[int, int]:
        return {id(p): k for k, p in enumerate(self.phrases)}

    def search(self, norm: Normalised) -> bool:
        return bool(self.spans(norm))

    def __len__(self) -> int:
        return len(self.phrases)
