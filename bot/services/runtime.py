"""The composition root of the shell: settings, Redis, content, Zalo, built lazily once."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from bot.config import Settings
from bot.model import Reply, SendResult
from bot.store.keys import Keys

if TYPE_CHECKING:
    from bot.services.content_source import ContentSource
    from bot.store.client import Redis
    from bot.store.inbound import Inbound
    from bot.store.metrics import BufferedMetrics, Metrics
    from bot.store.throttle import Throttle
    from bot.store.tokens import TokenStore
    from bot.store.workers import Workers
    from bot.zalo.client import ZaloClient

log = logging.getLogger(__name__)

CONTENT_POLL_SECONDS = 1.0


class Sender(Protocol):
    def send(self, user_id: str, reply: Reply, *, priority: str = "reply") -> SendResult: ...


class Runtime:
    """Everything a request, a command or a worker needs; nothing connects until first use."""

    def __init__(self, settings: Settings, *, redis: Redis | None = None):
        self.settings = settings
        self.keys = Keys(settings.redis_key_prefix)
        if redis is not None:
            self.__dict__["redis"] = redis
        self._content_lock = threading.Lock()
        self._content_checked = 0.0

    def now(self) -> datetime:
        return datetime.now(self.settings.timezone)

    @cached_property
    def redis_url(self) -> str:
        from bot.store.client import resolve_url

        return resolve_url(self.settings.redis_url, self.settings.instance_dir)

    @cached_property
    def redis(self) -> Redis:
        from bot.store.client import connect

        return connect(self.redis_url)

    @cached_property
    def inbound(self) -> Inbound:
        from bot.store.inbound import Inbound

        s = self.settings
        return Inbound(
            self.redis, self.keys, partitions=s.inbound_partitions, maxlen=s.inbound_maxlen
        )

    @cached_property
    def workers(self) -> Workers:
        from bot.store.workers import Workers

        return Workers(
            self.redis, self.keys, lease_ms=int(self.settings.worker_lease_seconds * 1000)
        )

    # content ---------------------------------------------------------------------------
    @cached_property
    def content_watcher(self) -> ContentSource:
        """The approved content in Redis, seeded from and following the files on this host."""
        from bot.services.content_source import ContentSource

        return ContentSource(self, self.settings.faq_path, self.settings.hotlines_path)

    def content(self) -> Any:
        """The live content, re-checking the approved revision and the files about once a second."""
        watcher = self.content_watcher
        now = time.monotonic()
        if now - self._content_checked >= CONTENT_POLL_SECONDS:
            with self._content_lock:
                if now - self._content_checked >= CONTENT_POLL_SECONDS:
                    self._content_checked = now
                    watcher.poll(now=self.now())
        return watcher.current

    # Zalo ------------------------------------------------------------------------------
    @cached_property
    def tokens(self) -> TokenStore:
        from bot.store.tokens import TokenStore
        from bot.zalo import oauth

        s = self.settings

        def refresher(refresh_token: str) -> oauth.TokenPair:
            return oauth.refresh_tokens(
                s.zalo_oauth_base,
                s.zalo_app_id,
                s.zalo_app_secret,
                refresh_token,
                timeout=s.zalo_timeout_seconds,
            )

        return TokenStore(
            self.redis,
            self.keys,
            refresher,
            seed_access=s.zalo_access_token,
            seed_refresh=s.zalo_refresh_token,
        )

    @cached_property
    def throttle(self) -> Throttle:
        from bot.store.throttle import Throttle

        return Throttle(self.redis, self.keys, self.settings.zalo_send_rate)

    @cached_property
    def zalo(self) -> ZaloClient:
        from bot.zalo.client import ZaloClient

        s = self.settings
        return ZaloClient(
            s.zalo_api_base,
            self.tokens,
            timeout=s.zalo_timeout_seconds,
            buttons=s.zalo_buttons,
            throttle=self.throttle,
            observe=self._count_zalo_call,
            proxy=s.zalo_proxy,
        )

    def _count_zalo_call(self, path: str, code: int) -> None:
        from bot.store.metrics import ZALO_CALLS

        self.hot_metrics.inc(ZALO_CALLS, {"endpoint": path, "code": code})

    @cached_property
    def metrics(self) -> Metrics:
        from bot.store.metrics import Metrics

        return Metrics(self.redis, self.keys)

    @cached_property
    def hot_metrics(self) -> BufferedMetrics:
        """Counters and durations of hot paths (webhook, worker turns, Zalo calls), flushed about
        each second."""
        from bot.store.metrics import BufferedMetrics

        return BufferedMetrics(self.metrics)

    @cached_property
    def sender(self) -> Sender:
        """Zalo when credentials are configured, else the sandbox outbox."""
        if self.settings.local_mode:
            from bot.store.outbox import SandboxOutbox

            return SandboxOutbox(self.redis, self.keys)
        return self.zalo

    def sent_since(self, user_id: str, since_ms: int) -> bool:
        """Whether the OA sent the resident a message at or after `since_ms`."""
        if self.settings.local_mode:
            from bot.store.outbox import SandboxOutbox

            items = SandboxOutbox(self.redis, self.keys).since(user_id, 0)
            return any(int(item["at"]) >= since_ms for item in items)
        return self.zalo.sent_since(user_id, since_ms)
