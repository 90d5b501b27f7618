"""The officers' audit trail: who did what, when, with what outcome (a capped stream)."""

from __future__ import annotations

from typing import cast

from bot.store.client import Redis
from bot.store.keys import Keys

AUDIT_CAP = 100_000


class Audit:
    def __init__(self, r: Redis, keys: Keys):
        self.r, self.keys = r, keys

    def record(
        self, who: str, action: str, *, target: str = "", outcome: str = "", **extra: str
    ) -> None:
        fields = {
            "who": who or "-",
            "action": action,
            "target": target,
            "outcome": outcome,
            **extra,
        }
        self.r.xadd(self.keys.audit(), fields, maxlen=AUDIT_CAP, approximate=True)  # type: ignore[arg-type]

    def recent(self, limit: int = 100) -> list[dict[str, str]]:
        """Newest first; `at` is the stream entry's time (epoch ms)."""
        rows = cast(
            list[tuple[str, dict[str, str]]], self.r.xrevrange(self.keys.audit(), count=limit)
        )
        return [{"at": str(entry_id).split("-")[0], **fields} for entry_id, fields in rows]
