"""Mask phone numbers and identity numbers in text that staff will read."""

from __future__ import annotations

import re
import unicodedata

MASK = "***"

# What people put between the digits of a number: spaces, dots, commas, dashes, slashes,
# underscores and brackets, up to three in a row ("0912 - 345 - 678", "(091) 234-5678").
_SEP = r"[ \t.,_/()\-\u2010-\u2015]{0,3}"
# BHYT card codes: two letters, then 13 digits (sometimes grouped).
_BHYT = re.compile(rf"(?<![^\W\d_])[A-Za-z]{{2}}{_SEP}\d(?:{_SEP}\d){{12}}(?!\d)")
# Any run of 9 or more digits, optionally grouped and led by + or a bracket:
# mobile 0xxxxxxxxx, +84/84…, landlines, CMND (9 digits), CCCD (12 digits).
_LONG_NUMBER = re.compile(rf"(?<!\d)[+(]?\d(?:{_SEP}\d){{8,}}(?!\d)")


def _plain(text: str) -> str:
    """NFKC (no-break and other spaces become spaces, full-width digits ASCII digits) without
    format characters (zero-width spaces and joiners, soft hyphens, direction marks)."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")


def mask_numbers(text: str) -> str:
    """Replace phone, CMND/CCCD and BHYT numbers with "***"; short numbers are kept."""
    return _LONG_NUMBER.sub(MASK, _BHYT.sub(MASK, _plain(text)))
