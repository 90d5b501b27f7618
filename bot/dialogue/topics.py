"""Which announcement topic a command or a message names (lich-tiem, tin-tuc)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialogue.cues import phrases
from bot.dialogue.turn import Turn
from bot.language.lexicon import fold
from bot.language.normalise import normalise

TOPIC_WORDS = {
    "lich-tiem": ("lịch tiêm", "lịch", "lichtiem", "lịch tiêm chủng", "lich-tiem"),
    "tin-tuc": ("tin tức", "tintuc", "tin mới", "khuyến cáo", "tin-tuc", "tin"),
}


def topic_in(turn: Turn) -> str | None:
    """The topic a message mentions: schedules first, then news."""
    for topic, words in TOPIC_WORDS.items():
        if phrases(words).search(turn.norm):
            return topic
    return None


def command_target(turn: Turn, args: Sequence[str]) -> tuple[str | None, str | None]:
    """(topic, district) from the words after "#dangky" or "#huy"."""
    if not args:
        return None, None
    topic = None
    rest = list(args)
    first = fold(rest[0].lower())
    for name, words in TOPIC_WORDS.items():
        if first == name or first in {fold(w).replace(" ", "") for w in words}:
            topic, rest = name, rest[1:]
            break
    if topic is None:
        norm = normalise(" ".join(args))
        topic = next((t for t, w in TOPIC_WORDS.items() if phrases(w).search(norm)), None)
    district = None
    if rest:
        slug = rest[0].lower()
        district = slug if slug in turn.content.districts else None
        district = district or turn.content.find_district(normalise(" ".join(rest)))
    return topic, district
