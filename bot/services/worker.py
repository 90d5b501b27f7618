"""The worker loop: lease partitions, handle their events in order, run due broadcasts."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from types import FrameType

from bot.errors import StoreUnavailable, ZaloError, ZaloRetryable
from bot.services.handle import Outcome, handle_entry
from bot.services.runtime import Runtime
from bot.store.client import RedisError
from bot.store.inbound import Entry
from bot.store.metrics import EVENT_SECONDS, INTENTS

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
GIVE_UP_SECONDS = 600.0  # a Zalo outage shorter than this delays replies but loses none
RETRY_DELAY_CAP = 30.0
IDLE_SLEEP = 0.05
IDLE_BLOCK_SECONDS = 0.5  # below the Redis socket timeout (2 s) and the lease renewal period
LEASE_RENEW_SECONDS = 1.0
BROADCAST_IDLE_SLEEP = 0.5
BROADCAST_JOIN_SECONDS = 30.0


class Worker:
    def __init__(
        self,
        rt: Runtime,
        *,
        name: str | None = None,
        burst: bool = False,
        handle: Callable[[Runtime, Entry], Outcome] = handle_entry,
        broadcasts: bool = True,
    ):
        self.rt, self.burst, self.handle = rt, burst, handle
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.owned: dict[int, bool] = {}  # partition -> its pending entries still to re-read
        self.attempts: dict[str, tuple[int, float]] = {}  # entry -> (tries, first failure)
        self.retry_at: dict[int, float] = {}  # partition -> when to try its head entry again
        self.stopping = threading.Event()
        self.broadcasts = broadcasts
        self._renewed = 0.0
        self._groups_ready = False

    # lifecycle ---------------------------------------------------------------------------
    def install_signals(self) -> None:
        def warm(signum: int, frame: FrameType | None) -> None:
            if self.stopping.is_set():
                raise SystemExit(1)  # a second signal: cold shutdown
            log.info("worker stopping after the current event", extra={"worker": self.name})
            self.stopping.set()

        signal.signal(signal.SIGTERM, warm)
        signal.signal(signal.SIGINT, warm)

    def run(self) -> None:
        log.info("worker started", extra={"worker": self.name, "burst": self.burst})
        sender = None
        if self.broadcasts and not self.burst:
            # Broadcast rounds take seconds; residents' messages must not wait behind them.
            sender = threading.Thread(target=self._broadcast_loop, name="broadcasts", daemon=True)
            sender.start()
        backoff = 0.5
        while not self.stopping.is_set():
            try:
                done = self.step()
                if self.burst and done == 0:
                    break
                if done == 0:
                    self._idle()
                backoff = 0.5
            except (RedisError, StoreUnavailable) as exc:
                log.error("redis unavailable; retrying", extra={"error": str(exc)[:200]})
                self.owned.clear()
                self._groups_ready = False
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 10.0)
        if sender is not None:
            sender.join(BROADCAST_JOIN_SECONDS)
        self.shutdown()

    def shutdown(self) -> None:
        try:
            self.rt.hot_metrics.flush()
            for partition in list(self.owned):
                self.rt.workers.release(partition, self.name)
            self.rt.workers.leave(self.name)
        except RedisError:
            pass  # leases expire on their own
        self.owned.clear()
        log.info("worker stopped", extra={"worker": self.name})

    # one round ---------------------------------------------------------------------------
    def step(self) -> int:
        now = time.time()
        if now - self._renewed >= LEASE_RENEW_SECONDS or not self.owned:
            self.rt.workers.heartbeat(self.name, now)
            if not self._groups_ready:
                self.rt.inbound.ensure_groups()
                self._groups_ready = True
            self._rebalance(now)
            self._renewed = now
            self.rt.hot_metrics.flush_if_due()  # an idle worker still reports its last turns
        done = 0
        for partition in list(self.owned):
            if self.stopping.is_set():
                break
            done += self._drain(partition)
        if self.broadcasts and self.burst and not self.stopping.is_set():
            done += self._broadcasts()
        return done

    def _rebalance(self, now: float) -> None:
        parts = self.rt.settings.inbound_partitions
        share = parts if self.burst else self.rt.workers.fair_share(parts, now)
        start = hash(self.name) % parts
        for partition in [(start + i) % parts for i in range(parts)]:
            held = partition in self.owned
            if not held and len(self.owned) >= share:
                continue
            if self.rt.workers.take(partition, self.name):
                if not held:
                    self.rt.inbound.reclaim(partition, self.name)
                    self.owned[partition] = True
            elif held:
                del self.owned[partition]  # lost the lease (we stalled); someone else has it
        for partition in list(self.owned)[share:]:
            self.rt.workers.release(partition, self.name)
            del self.owned[partition]

    def _drain(self, partition: int) -> int:
        if time.monotonic() < self.retry_at.get(partition, 0.0):
            return 0
        pending = self.owned[partition]
        entries = self.rt.inbound.read(partition, self.name, pending=pending)
        if pending and not entries:
            self.owned[partition] = False
            return self._drain(partition)
        self._run(partition, entries)
        return len(entries)

    def _run(self, partition: int, entries: list[Entry]) -> None:
        """Process a partition's entries in order; stop at one that must be tried again."""
        for entry in entries:
            if self.stopping.is_set():
                break
            if not self._process(entry):
                self.owned[partition] = True  # retry this entry first, keeping order
                break

    def _idle(self) -> None:
        """Nothing was waiting: block until an event arrives (or the next lease renewal).

        Only partitions with nothing left to re-read and no retry pending are waited on, so no
        new entry is read ahead of an older one. A cluster cannot read streams of different
        hash tags in one command: there, and when no partition qualifies, poll again shortly.
        """
        now = time.monotonic()
        ready = [
            p for p, reread in self.owned.items() if not reread and now >= self.retry_at.get(p, 0)
        ]
        until_renewal = self._renewed + LEASE_RENEW_SECONDS - time.time()
        if self.rt.inbound.cluster or not ready or until_renewal < IDLE_SLEEP:
            self.stopping.wait(IDLE_SLEEP)
            return
        block_ms = int(min(IDLE_BLOCK_SECONDS, until_renewal) * 1000)
        found = self.rt.inbound.wait_new(ready, self.name, block_ms=block_ms)
        for partition, entries in found.items():
            self._run(partition, entries)

    def _process(self, entry: Entry) -> bool:
        """Handle one entry; False leaves it pending to be tried again."""
        started = time.monotonic()
        try:
            outcome = self.handle(self.rt, entry)
        except ZaloRetryable as exc:
            if self._retry_later(entry, exc):
                return False
            outcome = Outcome(entry.kind, outcome=f"failed:{exc.code}")
        except ZaloError as exc:
            outcome = Outcome(entry.kind, outcome=f"failed:{exc.code}")
        except (RedisError, StoreUnavailable):
            raise
        except Exception:  # one bad event must not stop the queue
            log.exception("event failed", extra={"kind": entry.kind})
            outcome = Outcome(entry.kind, outcome="error")
        self.rt.inbound.ack(entry)
        self.attempts.pop(entry.entry_id, None)
        _log_turn(outcome, entry, started)
        self._count(outcome, time.monotonic() - started)
        return True

    def _count(self, outcome: Outcome, seconds: float) -> None:
        metrics = self.rt.hot_metrics
        metrics.observe(EVENT_SECONDS, {"event": outcome.kind}, seconds)
        metrics.inc(INTENTS, {"intent": outcome.intent, "outcome": outcome.outcome})

    def _retry_later(self, entry: Entry, exc: ZaloRetryable) -> bool:
        """Whether to keep the entry for another try, backing off its partition meanwhile."""
        now = time.monotonic()
        tries, first = self.attempts.get(entry.entry_id, (0, now))
        tries += 1
        self.attempts[entry.entry_id] = (tries, first)
        if tries >= MAX_ATTEMPTS and (self.burst or now - first >= GIVE_UP_SECONDS):
            log.error("zalo kept failing; giving up", extra={"code": exc.code, "tries": tries})
            return False
        if not self.burst:  # a burst run (tests, catch-up) retries at once, bounded by tries
            self.retry_at[entry.partition] = now + min(RETRY_DELAY_CAP, 0.5 * 2**tries)
        log.warning("zalo busy; will retry", extra={"code": exc.code, "try": tries})
        return True

    def _broadcast_loop(self) -> None:
        backoff = 0.5
        while not self.stopping.is_set():
            try:
                done = self._broadcasts()
                backoff = 0.5
            except (RedisError, StoreUnavailable):
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            except Exception:  # keep the loop alive; the failure is in the log
                log.exception("broadcast round failed")
                done = 0
            if done == 0:
                self.stopping.wait(BROADCAST_IDLE_SLEEP)

    def _broadcasts(self) -> int:
        from bot.services.broadcasts import run_broadcasts_once

        try:
            return run_broadcasts_once(self.rt)
        except ZaloError as exc:
            log.warning("broadcast round failed", extra={"code": exc.code})
            return 0


def _log_turn(outcome: Outcome, entry: Entry, started: float) -> None:
    latency_ms = (time.monotonic() - started) * 1000
    queued_ms = max(0.0, time.time() * 1000 - entry.received_ms)
    log.info(
        "event handled",
        extra={
            "event": outcome.kind,
            "intent": outcome.intent,
            "outcome": outcome.outcome,
            "faq_id": outcome.faq_id,
            "latency_ms": round(latency_ms, 1),
            "since_received_ms": round(queued_ms, 1),
        },
    )
