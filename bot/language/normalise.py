"""Normalise a message: NFC, lower case, tone placement, punctuation, lexicon, folding."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

from bot.language.lexicon import Lexicon, fold, load_lexicon
from bot.language.tones import place_tone

__all__ = ["Normalised", "fold", "normalise"]

_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_DECIMAL_DOT = re.compile(r"(?<=\d)\.(?=\d)")
_POINT = "\x00"  # stands for a decimal point while punctuation is removed
_SENTENCE_BREAK = re.compile(r"[.?!,;:…\n\r]+")
_NOT_WORD = re.compile(r"[^\w\x00]|_")
_LETTERS_DIGITS = re.compile(r"(?<=[^\W\d_][^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_]{2})")
_ETH = str.maketrans({"ð": "đ", "Ð": "Đ", "Ɖ": "Đ", "ɖ": "đ"})


@dataclass(frozen=True)
class Normalised:
    """A message in two comparable forms; both are lexicon-expanded and space-separated."""

    raw: str
    accented: str
    folded: str
    tokens: tuple[str, ...]

    @cached_property
    def folded_tokens(self) -> tuple[str, ...]:
        return tuple(self.folded.split())

    @cached_property
    def bare(self) -> tuple[bool, ...]:
        """Per token: typed without diacritics (then a cue matches it without its marks)."""
        return tuple(t == f for t, f in zip(self.tokens, self.folded_tokens, strict=True))

    @cached_property
    def found(self) -> dict[int, tuple[object, object]]:
        """Cue look-ups already made in this text (bot.language.phrases): several rules ask
        for the same cues of the same clause."""
        return {}

    @classmethod
    def of_tokens(
        cls, raw: str, tokens: tuple[str, ...], folded: tuple[str, ...] | None = None
    ) -> Normalised:
        """Already-normalised tokens (clauses of one message) as one text, without normalising
        them again; `folded`, when given, is each token without its marks."""
        accented = " ".join(tokens)
        text = fold(accented) if folded is None else " ".join(folded)
        return cls(raw=raw, accented=accented, folded=text, tokens=tokens)

    def __bool__(self) -> bool:
        return bool(self.tokens)


def _clean(segment: str) -> list[str]:
    """Split one sentence into words: punctuation and emoji become spaces, decimals survive."""
    return _LETTERS_DIGITS.sub(" ", _NOT_WORD.sub(" ", segment)).split()


def _segment_tokens(segment: str) -> tuple[list[str], frozenset[int]]:
    """Lower-cased, tone-placed tokens of one sentence and where a capital "K" stood alone."""
    tokens: list[str] = []
    upper_k: set[int] = set()
    for word in _clean(segment):
        if word == "K":
            upper_k.add(len(tokens))
        tokens.extend(_word(word))
    return tokens, frozenset(upper_k)


@lru_cache(maxsize=32768)
def _word(word: str) -> tuple[str, ...]:
    """One typed word as tokens: lower case, NFC, tone placed (words repeat: remembered)."""
    lowered = unicodedata.normalize("NFC", word.lower())
    return tuple(place_tone(t).replace(_POINT, ".") for t in _clean(lowered))


def _strip_points(tokens: list[str]) -> list[str]:
    """Keep a dot only inside a number ("38.5"); stray dots from the lexicon never survive."""
    out: list[str] = []
    for tok in tokens:
        if "." not in tok or _is_number(tok):
            out.append(tok)
        else:
            out.extend(t for t in tok.split(".") if t)
    return out


def _is_number(tok: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:\.\d+)*", tok))


def normalise(text: object, lexicon: Lexicon | None = None) -> Normalised:
    """Normalise any text; never raises, and normalising `.accented` again changes nothing."""
    raw = text if isinstance(text, str) else str(text)
    lex = lexicon or load_lexicon()
    s = unicodedata.normalize("NFKC", raw.replace(_POINT, " ")).translate(_ETH)
    s = _DECIMAL_DOT.sub(_POINT, _DECIMAL_COMMA.sub(".", s))
    tokens: list[str] = []
    segments = [seg for seg in _SENTENCE_BREAK.split(s) if seg.strip()]
    settled = len(segments) <= 1
    for segment in segments:
        seg_tokens, upper_k = _segment_tokens(segment)
        expanded, settled_here = lex.settle(seg_tokens, upper_k)
        tokens.extend(expanded)
        settled = settled and settled_here
    if not settled:
        # Once more over the whole message, which is what a second normalisation sees (the
        # sentence breaks are gone by then): that keeps normalising idempotent. One settled
        # sentence is already what that pass would give.
        tokens = lex.expand(tokens, frozenset())
    tokens = _strip_points(tokens)
    accented = " ".join(tokens)
    folded = " ".join(fold(t) for t in tokens)  # word by word: words repeat, and are remembered
    return Normalised(raw=raw, accented=accented, folded=folded, tokens=tuple(tokens))
