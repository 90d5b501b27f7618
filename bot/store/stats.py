"""Counters for the dashboard and staff: turns per day, unanswered questions, feedback."""

from __future__ import annotations

from contextlib import nullcontext

from bot.store.client import Redis
from bot.store.keys import Keys

STATS_SECONDS = 400 * 24 * 3600
UNANSWERED_CAP = 2000


class Stats:
    def __init__(self, r: Redis, keys: Keys):
        self.r, self.keys = r, keys

    def record_turn(
        self, day: str, intent: str, outcome: str, faq_id: str | None, *, pipe: Redis | None = None
    ) -> None:
        """Count one turn; with `pipe`, only queue the writes on it (the caller executes)."""
        key = self.keys.stats(day)
        with self.r.pipeline(transaction=False) if pipe is None else nullcontext(pipe) as p:
            p.hincrby(key, "messages", 1)
            p.hincrby(key, f"intent:{intent}", 1)
            p.hincrby(key, f"outcome:{outcome}", 1)
            if faq_id:
                p.hincrby(key, f"faq:{faq_id}", 1)
            p.expire(key, STATS_SECONDS)
            if pipe is None:
                p.execute()

    def day(self, day: str) -> dict[str, int]:
        return {k: int(v) for k, v in self.r.hgetall(self.keys.stats(day)).items()}

    def log_unanswered(self, masked_text: str, did: str = "fallback") -> None:
        """Count a message the bot gave no FAQ answer (already masked, no user id), with what
        it did instead: fallback, suggestions, greeting, thanks, help, out of scope."""
        key, did_key, text = self.keys.unanswered(), self.keys.unanswered_did(), masked_text[:500]
        with self.r.pipeline(transaction=False) as pipe:
            pipe.zincrby(key, 1, text)
            pipe.hset(did_key, text, did)
            pipe.zcard(key)
            card = int(pipe.execute()[-1])
        if card > UNANSWERED_CAP:  # drop the rarest, and what was noted about them
            dropped = self.r.zrange(key, 0, card - UNANSWERED_CAP - 1)
            if dropped:
                with self.r.pipeline(transaction=False) as pipe:
                    pipe.zrem(key, *dropped)
                    pipe.hdel(did_key, *dropped)
                    pipe.execute()

    def unanswered(self, limit: int = 100) -> list[tuple[str, int]]:
        rows = self.r.zrevrange(self.keys.unanswered(), 0, limit - 1, withscores=True)
        return [(str(text), int(score)) for text, score in rows]

    def unanswered_did(self, texts: list[str]) -> list[str]:
        """What the bot did for each of these unanswered messages, as last recorded."""
        if not texts:
            return []
        found = self.r.hmget(self.keys.unanswered_did(), texts)
        return [str(d) if d else "fallback" for d in found]

    def feedback(self, faq_id: str, vote: str) -> None:
        self.r.hincrby(self.keys.feedback(faq_id), "up" if vote == "up" else "down", 1)

    def feedback_of(self, faq_id: str) -> dict[str, int]:
        return {k: int(v) for k, v in self.r.hgetall(self.keys.feedback(faq_id)).items()}
