"""Running due broadcasts: claim one under a lease, freeze its audience, reach each resident once.

`run_broadcasts_once` is safe to call from any number of workers: a broadcast is worked on under
an expiring lease (kept alive by a heartbeat thread while a round runs), every recipient's state
changes by compare-and-set, and a send is marked "sending" before the call to Zalo, so a worker
killed mid-send leaves a mark the next worker resolves by asking whether the message arrived.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import datetime

from bot.services import broadcast_clock as clock
from bot.services.broadcast_pool import SendPool
from bot.services.broadcast_recipient import RecipientRound, Stop
from bot.services.runtime import Runtime
from bot.services.subscriptions import topics_of
from bot.store.broadcast_recipients import Recipients, RecipientState
from bot.store.broadcasts import Broadcast, BroadcastStore

log = logging.getLogger(__name__)

LEASE_MS = 10_000
QUIET_RECHECK_MS = 60_000
DONE_COUNTS = (
    ("sent", "đã nhận"),
    ("pending", "chờ gửi kèm tin trả lời"),
    ("failed", "không gửi được"),
    ("skipped", "bỏ qua"),
)
HEARTBEAT_SECONDS = 2.0
BUDGET_SECONDS = 2.0
DEFAULT_EXPIRY_MS = 3 * 24 * 3600 * 1000
RETAIN_SECONDS = 90 * 24 * 3600
AUTH_PAUSE_MS = 60_000
SWEEP_CHUNK = 1000
WORKER = "worker"


def run_broadcasts_once(rt: Runtime, now: datetime | None = None, max_recipients: int = 200) -> int:
    """Advance one due broadcast by up to `max_recipients`; how many recipients were handled."""
    now = now or rt.now()
    store = BroadcastStore(rt.redis, rt.keys)
    for broadcast_id in store.due(clock.ms(now), limit=10):
        owner = uuid.uuid4().hex
        if not store.take_lease(broadcast_id, owner, LEASE_MS):
            continue
        heartbeat = _Heartbeat(store, broadcast_id, owner)
        try:
            handled = _Round(rt, store, broadcast_id, owner, now, max_recipients, heartbeat).run()
        finally:
            heartbeat.stop()
            store.release_lease(broadcast_id, owner)
        if handled:
            return handled
    return 0


class _Heartbeat:
    """Keeps the lease alive while a round runs; a lost lease stops the round."""

    def __init__(self, store: BroadcastStore, broadcast_id: str, owner: str):
        self.store, self.id, self.owner = store, broadcast_id, owner
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, daemon=True, name=f"lease-{broadcast_id}"
        )
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                held = self.store.renew_lease(self.id, self.owner, LEASE_MS)
            except Exception:  # Redis trouble: stop sending rather than risk a second sender
                held = False
            if not held:
                self.lost.set()
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(HEARTBEAT_SECONDS + 1)


class _Round:
    def __init__(
        self,
        rt: Runtime,
        store: BroadcastStore,
        broadcast_id: str,
        owner: str,
        now: datetime,
        limit: int,
        heartbeat: _Heartbeat,
    ):
        self.rt, self.store, self.id, self.owner = rt, store, broadcast_id, owner
        self.now, self.now_ms, self.limit, self.heartbeat = now, clock.ms(now), limit, heartbeat
        self.recipients = Recipients(rt.redis, rt.keys, broadcast_id)

    def run(self) -> int:
        b = self.store.get(self.id)
        if b is None or b.status == "draft":
            self.store.unschedule(self.id)
            return 0
        if b.status == "approved":  # approve was interrupted before it could mark it scheduled
            self._move(b, ["approved"], "scheduled", "scheduled")
            b = self.store.get(self.id) or b
        if b.status == "scheduled":
            return self._start(b)
        if b.status == "sending":
            return self._send(b)
        return self._close(b)

    # starting ------------------------------------------------------------------------------
    def _start(self, b: Broadcast) -> int:
        if b.expires_explicit and self.now_ms >= b.expires_at:
            self._move(b, ["scheduled"], "expired", "expired", "hết hạn trước khi bắt đầu gửi")
            return self._close(self.store.get(self.id) or b)
        if self._paused_for_quiet_hours(b):
            return 0
        started = time.perf_counter()
        self.recipients.reset()
        audience = self._audience(b)
        self.recipients.append(audience)
        freeze_ms = (time.perf_counter() - started) * 1000
        expires = b.expires_at if b.expires_explicit else self.now_ms + DEFAULT_EXPIRY_MS
        fields = {
            "frozen": "1",
            "total": str(len(audience)),
            "cursor": "0",
            "started_at": str(self.now_ms),
            "expires_at": str(expires),
            "freeze_ms": f"{freeze_ms:.1f}",
        }
        detail = f"chốt danh sách: {len(audience)} người nhận"
        if not self._move(b, ["scheduled"], "sending", "sending started", detail, fields):
            return 0
        log.info("broadcast started", extra={"broadcast": self.id, "recipients": len(audience)})
        fresh = self.store.get(self.id)
        return self._send(fresh) if fresh else 0

    def _audience(self, b: Broadcast) -> list[str]:
        from bot.store.subscriptions import Subscriptions

        every = [d.slug for d in topics_of(self.rt).districts]
        districts = ["", *(b.districts or every)]
        return Subscriptions(self.rt.redis, self.rt.keys).candidates(b.topic, districts)

    def _paused_for_quiet_hours(self, b: Broadcast) -> bool:
        hours = self.rt.settings.broadcast_quiet_hours
        if not hours or not clock.in_quiet_hours(self.now, hours):
            return False
        resume = clock.quiet_hours_end(self.now, hours)
        # Looked at again within a minute, not only at `resume`: BROADCAST_QUIET_HOURS changed
        # (and the workers restarted) takes effect for this broadcast at once.
        self.store.schedule(self.id, min(clock.ms(resume), self.now_ms + QUIET_RECHECK_MS))
        if self.store.last_action(self.id) != "paused":
            detail = f"giờ yên tĩnh {clock.hours_text(hours)}; gửi lúc {clock.at_text(resume)}"
            self.store.log(self.id, WORKER, "paused", self.now_ms, detail)
        return True

    # sending -------------------------------------------------------------------------------
    def _send(self, b: Broadcast) -> int:
        if self.now_ms >= b.expires_at:
            self._move(b, ["sending"], "expired", "expired", "hết hạn trước khi gửi tới mọi người")
            return self._close(self.store.get(self.id) or b)
        if self._paused_for_quiet_hours(b):
            return 0
        one = RecipientRound(self.rt, b, self.recipients, self.now)
        deadline = time.monotonic() + BUDGET_SECONDS
        workers = self.rt.settings.broadcast_concurrency
        handled = 0
        with SendPool(workers, deadline, self.heartbeat.lost) as pool:
            try:
                for users in (
                    self.recipients.in_flight(self.limit),  # left mid-send by a dead worker
                    self.recipients.due_retries(self.now_ms, self.limit),
                ):
                    handled += len(pool.run(one, self._with_states(users)))
                handled += self._advance(b, one, pool)
            except Stop as stop:
                log.warning("broadcast paused", extra={"broadcast": self.id, "code": stop.code})
                self.store.schedule(self.id, self.now_ms + AUTH_PAUSE_MS)
                return handled
        self._after_chunk(b)
        return handled

    def _with_states(self, users: list[str]) -> list[tuple[str, RecipientState]]:
        return list(zip(users, self.recipients.states(users), strict=True))

    def _advance(self, b: Broadcast, one: RecipientRound, pool: SendPool) -> int:
        """Work through the frozen audience from the cursor; the cursor moves past what is done."""
        chunk = self._with_states(self.recipients.slice(b.cursor, self.limit))
        # Retries come back through their own schedule; done and pending ones need nothing.
        todo = [(u, s) for u, s in chunk if s.kind in ("queued", "sending")]
        finished: set[str] = set()
        try:
            finished = pool.run(one, todo)
        finally:
            waiting = {u for u, _ in todo} - finished
            done = next((i for i, (u, _) in enumerate(chunk) if u in waiting), len(chunk))
            if done:
                self.store.set_if_leased(self.id, self.owner, {"cursor": str(b.cursor + done)})
        return done

    def _after_chunk(self, b: Broadcast) -> None:
        fresh = self.store.get(self.id)
        if fresh is None or fresh.status != "sending":
            return
        if fresh.cursor < fresh.total:
            self.store.schedule(self.id, self.now_ms)
            return
        if self.recipients.busy():
            next_retry = self.recipients.next_retry_ms()
            self.store.schedule(self.id, min(next_retry or self.now_ms, self.now_ms + 60_000))
            return
        counts = self.recipients.counts()
        detail = ", ".join(f"{name} {counts.get(k, 0)}" for k, name in DONE_COUNTS)
        fields = {"finished_at": str(self.now_ms)}
        self._move(fresh, ["sending"], "done", "done", detail, fields)
        log.info("broadcast sent", extra={"broadcast": self.id, "recipients": fresh.total})
        self.store.schedule(self.id, fresh.expires_at if counts.get("pending") else self.now_ms)

    # closing -------------------------------------------------------------------------------
    def _close(self, b: Broadcast) -> int:
        """After cancel or expiry: settle every recipient still open, then keep data a while."""
        if b.closed:
            self.store.unschedule(self.id)
            return 0
        pending = self.recipients.counts().get("pending", 0)
        if b.status == "done" and self.now_ms < b.expires_at and pending > 0:
            self.store.schedule(self.id, b.expires_at)  # pending notices stay until expiry
            return 0
        open_ones = b.frozen and (b.status != "done" or pending > 0)
        users = self.recipients.slice(b.sweep, max(self.limit, SWEEP_CHUNK)) if open_ones else []
        if users:
            self._settle(b, users)
            self.store.set_if_leased(self.id, self.owner, {"sweep": str(b.sweep + len(users))})
            self.store.schedule(self.id, self.now_ms)
            return len(users)
        self.store.set_if_leased(self.id, self.owner, {"closed": "1"})
        self.store.log(self.id, WORKER, "closed", self.now_ms, "mọi người nhận đều đã có kết quả")
        self.recipients.expire(RETAIN_SECONDS)
        self.store.unschedule(self.id)
        return 0

    def _settle(self, b: Broadcast, users: list[str]) -> None:
        end = "skipped" if b.status == "cancelled" else "expired"
        detail = "cancelled" if end == "skipped" else ""
        final = RecipientState(end, detail, int(time.time() * 1000))
        one = RecipientRound(self.rt, b, self.recipients, self.now)
        for user, state in zip(users, self.recipients.states(users), strict=True):
            if state.kind == "sending":
                one.settle_in_doubt(user, state, final)
        self.recipients.move(users, final, ["queued", "retry", "pending"])

    def _move(
        self,
        b: Broadcast,
        allowed: list[str],
        status: str,
        action: str,
        detail: str = "",
        fields: dict[str, str] | None = None,
    ) -> bool:
        moved, _ = self.store.transition(
            self.id,
            allowed,
            status,
            who=WORKER,
            action=action,
            now_ms=self.now_ms,
            detail=detail,
            fields=fields,
            lease_owner=self.owner,
        )
        return moved
