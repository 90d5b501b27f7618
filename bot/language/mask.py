"""Mask phone numbers and identity numbers in text that staff will read."""

from __future__ import annotations

import re

MASK = "***"

# BHYT card codes: two letters, then 13 digits (sometimes grouped).
_BHYT = re.compile(r"(?<![^\W\d_])[A-Za-z]{2}[\s.\-]?\d(?:[\s.\-]?\d){12}(?!\d)")
# Any run of 9 or more digits, optionally grouped by spaces, dots or dashes and led by +:
# mobile 0xxxxxxxxx, +84/84…, landlines, CMND (9 digits), CCCD (12 digits).
_LONG_NUMBER = re.compile(r"\+?(?<!\d)\d(?:[ .\-]?\d){8,}(?!\d)")


def mask_numbers(text: str) -> str:
    """Replace phone, CMND/CCCD and BHYT numbers with "***"; short numbers are kept."""
    return _LONG_NUMBER.sub(MASK, _BHYT.sub(MASK, text))
