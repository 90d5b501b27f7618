"""Several Zalo calls in flight at once during a delivery round, bounded by a deadline.

Real Zalo answers in tens to hundreds of milliseconds, so one call at a time would hold a
broadcast far below the configured send rate; the shared throttle still sets the pace. Every
recipient's state changes by compare-and-set, so concurrent calls never reach anyone twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from bot.services.broadcast_recipient import RecipientRound, Stop
from bot.store.broadcast_recipients import RecipientState


class SendPool:
    def __init__(self, workers: int, deadline: float, lease_lost: threading.Event):
        self.workers, self.deadline, self.lease_lost = max(1, workers), deadline, lease_lost
        self.stopped = threading.Event()
        self.stop: Stop | None = None
        self._executor: ThreadPoolExecutor | None = None

    def __enter__(self) -> SendPool:
        if self.workers > 1:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="broadcast")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)

    def may_start(self) -> bool:
        return not (
            self.stopped.is_set() or self.lease_lost.is_set() or time.monotonic() > self.deadline
        )

    def run(self, one: RecipientRound, items: Sequence[tuple[str, RecipientState]]) -> set[str]:
        """Deliver each item; the users finished. Raises Stop once running calls are done."""
        if self._executor is None or len(items) < 2:
            finished = {user for user, state in items if self._one(one, user, state)}
        else:
            # The first call goes alone: a token to seed or refresh is then settled once, not
            # raced for by every thread.
            (user, state), rest = items[0], items[1:]
            finished = {user} if self._one(one, user, state) else set()
            futures: list[tuple[str, Future[bool]]] = [
                (u, self._executor.submit(self._one, one, u, s)) for u, s in rest
            ]
            finished |= {u for u, future in futures if future.result()}
        if self.stop is not None:
            raise self.stop
        return finished

    def _one(self, one: RecipientRound, user: str, state: RecipientState) -> bool:
        if not self.may_start():
            return False
        try:
            one.deliver(user, state)
        except Stop as stop:  # the recipient is back on the retry schedule; nobody else now
            self.stop = stop
            self.stopped.set()
        return True
