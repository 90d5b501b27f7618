"""The X-ZEvent-Signature MAC: plain SHA-256 of app_id + raw body + timestamp + OA secret."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-ZEvent-Signature"
PREFIX = "mac="


def compute_mac(app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    """Lowercase hex SHA-256 over the exact bytes Zalo signs (not an HMAC)."""
    digest = hashlib.sha256()
    digest.update(app_id.encode("utf-8"))
    digest.update(body)
    digest.update(timestamp.encode("utf-8"))
    digest.update(secret.encode("utf-8"))
    return digest.hexdigest()


def verify(header: str | None, body: bytes, app_id: str, timestamp: str, secret: str) -> bool:
    """True when `header` (with or without `mac=`) carries the MAC of `body`."""
    if not header or not secret:
        return False
    given = header.strip()
    if given[: len(PREFIX)].lower() == PREFIX:
        given = given[len(PREFIX) :]
    expected = compute_mac(app_id, body, timestamp, secret)
    # Bytes, not str: compare_digest refuses non-ASCII str, and a header can hold anything.
    return hmac.compare_digest(given.strip().lower().encode("utf-8"), expected.encode("ascii"))
