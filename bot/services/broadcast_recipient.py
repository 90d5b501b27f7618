"""Reaching one recipient of a broadcast: admission, the channel, Zalo's answer, the new state."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import datetime

from bot.errors import (
    TokenUnavailable,
    ZaloAuthError,
    ZaloError,
    ZaloPermanent,
    ZaloRetryable,
    ZaloWindowClosed,
)
from bot.model import Reply
from bot.services import broadcast_clock as clock
from bot.services.runtime import Runtime
from bot.store.broadcast_recipients import Recipients, RecipientState
from bot.store.broadcasts import Broadcast
from bot.store.notices import Notices
from bot.store.subscriptions import Subscriptions

log = logging.getLogger(__name__)

WINDOW_MS = 7 * 24 * 3600 * 1000  # Zalo's consultation window, by the bot's own record
MAX_ATTEMPTS = 5
RETRY_BASE_MS = 30_000
RETRY_MAX_MS = 15 * 60_000
AUTH_PAUSE_MS = 60_000
PENDING_CODES = frozenset({-230, -232})  # outside the window: the next reply carries it
NOT_FOLLOWING = -213
NIGHT_BAN = -234
OPEN = ("queued", "retry", "sending")


class Stop(Exception):
    """Sending cannot go on for anyone now (the access token is unusable)."""

    def __init__(self, code: int):
        super().__init__(f"broadcast paused by Zalo error {code}")
        self.code = code


def _wall_ms() -> int:
    return int(time.time() * 1000)


class RecipientRound:
    """Delivers one broadcast to recipients, one at a time, recording each outcome."""

    def __init__(self, rt: Runtime, b: Broadcast, recipients: Recipients, now: datetime):
        self.rt, self.b, self.recipients, self.now = rt, b, recipients, now
        self.now_ms, self.day = clock.ms(now), clock.day_of(now)
        self.notices = Notices(rt.redis, rt.keys)
        s = rt.settings
        self.template_id = "" if s.local_mode else s.broadcast_template_id
        self.reply = Reply(b.message)

    def deliver(self, user_id: str, state: RecipientState) -> int:
        """Handle one recipient unless already done or waiting; 1 when something happened."""
        if state.final or state.kind == "pending":
            return 0
        if state.kind == "sending":
            arrived = self._arrived(user_id, state)
            if arrived is None:
                self._set(user_id, "failed", "in-doubt", state.attempts, ["sending"])
                return 1
            if arrived:
                self._set(user_id, "sent", state.detail or "cs", state.attempts, ["sending"])
                return 1
        return self._admit_and_send(user_id, state.attempts)

    def _admit_and_send(self, user_id: str, attempts: int) -> int:
        b = self.b
        cap = self.rt.settings.broadcast_daily_cap
        admission = self.notices.admit(
            user_id, b.id, day=self.day, cap=cap, topic=b.topic, districts=b.districts
        )
        if not admission.subscribed:
            self._set(user_id, "skipped", "unsubscribed", attempts)
        elif not admission.under_cap:
            self._set(user_id, "skipped", "daily-cap", attempts)
        elif self._in_window(admission.last_seen_ms):
            self._send_cs(user_id, attempts)
        elif self.template_id:
            self._send_template(user_id, attempts)
        else:
            self._pend(user_id, "window", attempts)
        return 1

    def _in_window(self, last_seen_ms: int | None) -> bool:
        return last_seen_ms is not None and self.now_ms - last_seen_ms < WINDOW_MS

    # channels ------------------------------------------------------------------------------
    def _send_cs(self, user_id: str, attempts: int) -> None:
        mark = RecipientState("sending", "cs", _wall_ms(), attempts)
        if not self.recipients.move([user_id], mark, OPEN):
            return  # another worker got there first
        try:
            self.rt.sender.send(user_id, self.reply, priority="bulk")
        except ZaloWindowClosed as exc:
            self._window_closed(user_id, exc, attempts)
        except Exception as exc:
            self._failed_call(user_id, exc, attempts)
        else:
            self._set(user_id, "sent", "cs", attempts, ["sending"])

    def _send_template(self, user_id: str, attempts: int, code: str = "window") -> None:
        mark = RecipientState("sending", "template", _wall_ms(), attempts)
        if not self.recipients.move([user_id], mark, OPEN):
            return
        try:
            self.rt.zalo.send_template(user_id, self.template_id, self._template_data())
        except (ZaloWindowClosed, ZaloPermanent) as exc:
            log.info("template refused; notice instead", extra={"code": exc.code})
            self._pend(user_id, code, attempts)
        except Exception as exc:
            self._failed_call(user_id, exc, attempts)
        else:
            self._set(user_id, "sent", "template", attempts, ["sending"])

    def _window_closed(self, user_id: str, exc: ZaloWindowClosed, attempts: int) -> None:
        if exc.code == NIGHT_BAN:
            resume = clock.next_time_of_day(self.now, clock.NIGHT_BAN_END)
            self._retry(user_id, attempts, exc.code, due_ms=clock.ms(resume))
        elif exc.code in PENDING_CODES and self.template_id:
            self._send_template(user_id, attempts, str(exc.code))
        elif exc.code in PENDING_CODES:
            self._pend(user_id, str(exc.code), attempts)
        else:
            self._set(user_id, "failed", str(exc.code), attempts, ["sending"])
            if exc.code == NOT_FOLLOWING:  # per Zalo: the resident no longer follows the OA
                Subscriptions(self.rt.redis, self.rt.keys).forget(user_id)

    def _failed_call(self, user_id: str, exc: Exception, attempts: int) -> None:
        if isinstance(exc, ZaloAuthError | TokenUnavailable):
            self._retry(user_id, attempts, exc.code, due_ms=self.now_ms + AUTH_PAUSE_MS)
            raise Stop(exc.code) from exc
        if isinstance(exc, ZaloRetryable):
            self._retry(user_id, attempts + 1, exc.code)
        elif isinstance(exc, ZaloError):
            self._set(user_id, "failed", str(exc.code), attempts, ["sending"])
        else:
            log.exception("broadcast send failed", extra={"broadcast": self.b.id})
            self._set(user_id, "failed", "error", attempts, ["sending"])

    # outcomes ------------------------------------------------------------------------------
    def _pend(self, user_id: str, code: str, attempts: int) -> None:
        """Keep a notice for the resident's next message (idempotent, so written first)."""
        self.notices.add(user_id, self.b.id, self.b.expires_at)
        self._set(user_id, "pending", code, attempts)

    def _retry(self, user_id: str, attempts: int, code: int, *, due_ms: int | None = None) -> None:
        if attempts >= MAX_ATTEMPTS:
            self._set(user_id, "failed", str(code), attempts, ["sending"])
            return
        delay = min(RETRY_BASE_MS * 2 ** max(0, attempts - 1), RETRY_MAX_MS)
        state = RecipientState("retry", str(code), _wall_ms(), attempts)
        due = due_ms if due_ms is not None else self.now_ms + delay
        self.recipients.move([user_id], state, ["sending"], due_ms=due)

    def _set(
        self,
        user_id: str,
        kind: str,
        detail: str,
        attempts: int,
        allowed: Iterable[str] = OPEN,
    ) -> None:
        state = RecipientState(kind, detail, _wall_ms(), attempts)
        self.recipients.move([user_id], state, allowed)

    # in-doubt sends --------------------------------------------------------------------------
    def _arrived(self, user_id: str, state: RecipientState) -> bool | None:
        """Whether a send interrupted mid-call reached the resident; None when unknown."""
        try:
            return bool(self.rt.sent_since(user_id, state.at_ms))
        except Exception as exc:  # unknown: never risk a second copy
            log.warning("could not check an interrupted broadcast send", extra={"error": repr(exc)})
            return None

    def settle_in_doubt(self, user_id: str, state: RecipientState, final: RecipientState) -> None:
        """Close a recipient left mid-send: sent if it arrived, else `final`."""
        arrived = self._arrived(user_id, state)
        if arrived:
            self._set(user_id, "sent", state.detail or "cs", state.attempts, ["sending"])
        elif arrived is None:
            self._set(user_id, "failed", "in-doubt", state.attempts, ["sending"])
        else:
            self.recipients.move([user_id], final, ["sending"])

    def _template_data(self) -> dict[str, str]:
        from bot.services.subscriptions import topics_of

        topics = topics_of(self.rt)
        b = self.b
        names = [topics.district_name(d) for d in b.districts]
        values = {
            "text": b.text,
            "message": b.message,
            "topic": b.topic,
            "topic_name": topics.topic_name(b.topic),
            "districts": ", ".join(names) or "toàn tỉnh",
            "send_date": self.now.strftime("%d/%m/%Y"),
            "id": b.id,
        }
        return {
            param: values[source] for param, source in self.rt.settings.broadcast_template_params
        }
