"""Tone-mark placement: one canonical position per syllable, so hoà/hòa and thuý/thúy meet."""

from __future__ import annotations

import unicodedata

TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
VOWELS = frozenset("aăâeêioôơuưy")
HATTED = frozenset("ăâêôơư")


def _tone_position(base: str) -> int | None:
    """Index of the vowel that carries the tone in `base` (a toneless lower-case syllable)."""
    idx = [i for i, c in enumerate(base) if c in VOWELS]
    if not idx:
        return None
    # "qu" and "gi" are consonants when another vowel follows
    if len(idx) > 1 and idx[0] == 1 and base[:2] in ("qu", "gi"):
        idx = idx[1:]
    cluster = [idx[0]]
    for j in idx[1:]:
        if j != cluster[-1] + 1:
            return None  # two vowel groups: not a Vietnamese syllable
        cluster.append(j)
    hatted = [i for i in cluster if base[i] in HATTED]
    if hatted:
        return hatted[-1]
    if len(cluster) == 1:
        return cluster[0]
    if cluster[-1] < len(base) - 1:
        return cluster[-1]  # closed syllable: hoàng, toán
    if len(cluster) == 3:
        return cluster[1]  # ngoài, xoáy, khuỷu
    return cluster[0]  # open two-vowel syllable, traditional style: hòa, khỏe, thủy


def place_tone(word: str) -> str:
    """Move the single tone mark of `word` to its canonical vowel; other words are unchanged."""
    if not word.isalpha():
        return word
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in TONE_MARKS]
    if len(tones) != 1:
        return word
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    pos = _tone_position(base)
    if pos is None:
        return word
    return unicodedata.normalize("NFC", base[: pos + 1] + tones[0] + base[pos + 1 :])
