"""Cue-phrase helpers the intents share: what a message says besides a cue."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from bot.language.lexicon import fold
from bot.language.normalise import Normalised
from bot.language.phrases import PhraseSet

# Words that add politeness or address, not meaning ("cảm ơn ad nhiều nhé").
FILLERS = frozenset(
    fold(w)
    for w in [
        "ạ",
        "a",
        "à",
        "ad",
        "admin",
        "bot",
        "kênh",
        "bạn",
        "em",
        "anh",
        "chị",
        "cô",
        "chú",
        "bác",
        "ơi",
        "nhé",
        "nha",
        "nhá",
        "nhiều",
        "lắm",
        "rất",
        "mọi",
        "người",
        "bác",
        "sĩ",
        "cháu",
        "con",
        "mình",
        "tôi",
        "ok",
        "vâng",
        "dạ",
        "thì",
        "là",
        "với",
        "cho",
        "hỏi",
        "ạ",
        "nhỉ",
        "ha",
        "hả",
        "vậy",
        "luôn",
        "thật",
        "quá",
        "cả",
        "nhà",
        "shop",
        "này",
        "đây",
        "page",
        "ơi",
        "ah",
        "uh",
        "ừ",
        "hihi",
        "haha",
        "hehe",
    ]
)


@lru_cache(maxsize=64)
def phrases(texts: tuple[str, ...], strict_short: bool = False) -> PhraseSet:
    """A cached PhraseSet (cue lists are module constants)."""
    return PhraseSet.of(texts, strict_short=strict_short)


def covered(norm: Normalised, cues: PhraseSet) -> set[int]:
    """Token positions inside any cue phrase."""
    return {i for start, end, _ in cues.spans(norm) for i in range(start, end)}


def rest(norm: Normalised, cues: PhraseSet, fillers: Iterable[str] = FILLERS) -> list[str]:
    """Tokens that are neither part of a cue nor filler words."""
    skip = covered(norm, cues)
    fill = frozenset(fillers)
    return [t for i, t in enumerate(norm.tokens) if i not in skip and fold(t) not in fill]


def only(norm: Normalised, cues: PhraseSet, fillers: Iterable[str] = FILLERS) -> bool:
    """The message is a cue plus politeness, nothing else."""
    return cues.search(norm) and not rest(norm, cues, fillers)
