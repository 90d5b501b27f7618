"""The officers' audit trail: who did what, when, with what outcome; kept by age, also logged."""

from __future__ import annotations

import logging
import time
from typing import cast

from bot.store.client import Redis
from bot.store.keys import Keys

log = logging.getLogger("bot.audit")
DAY_MS = 24 * 3600 * 1000
DEFAULT_RETENTION_DAYS = 400


class Audit:
    def __init__(self, r: Redis, keys: Keys, retention_days: int = DEFAULT_RETENTION_DAYS):
        self.r, self.keys = r, keys
        self.retention_ms = max(1, retention_days) * DAY_MS

    def record(
        self, who: str, action: str, *, target: str = "", outcome: str = "", **extra: str
    ) -> None:
        """Append an entry; entries older than the retention go, however many there are."""
        fields = {
            "who": who or "-",
            "action": action,
            "target": target,
            "outcome": outcome,
            **extra,
        }
        oldest = int(time.time() * 1000) - self.retention_ms
        # Trimmed by age (MINID), never by count: a flood of entries cannot push out old ones.
        self.r.xadd(self.keys.audit(), fields, minid=oldest, approximate=False)  # type: ignore[arg-type]
        log.info("audit", extra={"audit": fields})

    def recent(self, limit: int = 100) -> list[dict[str, str]]:
        """Newest first; `at` is the stream entry's time (epoch ms)."""
        rows = cast(
            list[tuple[str, dict[str, str]]], self.r.xrevrange(self.keys.audit(), count=limit)
        )
        return [{"at": str(entry_id).split("-")[0], **fields} for entry_id, fields in rows]
