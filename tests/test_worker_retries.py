"""A Zalo outage delays a resident's reply with backoff; the bot gives up only after minutes."""

from __future__ import annotations

from bot.config import settings_from
from bot.errors import ZaloRateLimited
from bot.services.runtime import Runtime
from bot.services.worker import GIVE_UP_SECONDS, MAX_ATTEMPTS, Worker
from bot.store.inbound import Entry

ENTRY = Entry(
    partition=3, entry_id="1-0", event_id="m", user_id="1", kind="k", body="{}", received_ms=0
)


def test_many_quick_failures_are_retried_with_backoff() -> None:
    worker = Worker(Runtime(settings_from({})), burst=False)
    for _ in range(MAX_ATTEMPTS * 2):
        assert worker._retry_later(ENTRY, ZaloRateLimited(-32))
    assert worker.retry_at[3] > 0
    assert worker._drain(3) == 0  # the partition waits for its backoff


def test_it_gives_up_after_the_window() -> None:
    worker = Worker(Runtime(settings_from({})), burst=False)
    worker.attempts[ENTRY.entry_id] = (MAX_ATTEMPTS, -GIVE_UP_SECONDS - 1)
    assert not worker._retry_later(ENTRY, ZaloRateLimited(-32))


def test_a_burst_run_gives_up_after_the_attempts() -> None:
    worker = Worker(Runtime(settings_from({})), burst=True)
    results = [worker._retry_later(ENTRY, ZaloRateLimited(-32)) for _ in range(MAX_ATTEMPTS)]
    assert results == [True] * (MAX_ATTEMPTS - 1) + [False]
