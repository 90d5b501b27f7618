"""The Zalo OA API client: consultation sends, templates, profiles, tags, quota."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import requests

from bot.errors import (
    ZaloAuthError,
    ZaloError,
    ZaloPermanent,
    ZaloRateLimited,
    ZaloRetryable,
    ZaloWindowClosed,
)
from bot.model import Reply, SendResult
from bot.zalo import messages

log = logging.getLogger(__name__)

CS_PATH = "/v3.0/oa/message/cs"
TEMPLATE_PATH = "/v3.0/oa/message/template"
PROFILE_PATH = "/v3.0/oa/user/detail"
TAG_PATH = "/v2.0/oa/tag/tagfollower"
QUOTA_PATH = "/v3.0/oa/quota/message"
CONVERSATION_PATH = "/v2.0/oa/conversation"
FROM_OA = 0  # `src` of a conversation item the OA sent (1 = the resident sent it)

RATE_LIMITED = -32
RETRYABLE_CODES = frozenset({-100, -200})
RETRY_ONCE_CODES = frozenset({-200})
WINDOW_CODES = frozenset({-213, -217, -227, -230, -232, -234, -244})
# -216/-220 per the error table; 216/401/-401 are how the same failure has been seen in production.
AUTH_CODES = frozenset({-216, -220, 216, 401, -401})
NETWORK_ERROR = -1  # our own codes, outside Zalo's table: no HTTP answer at all,
BAD_RESPONSE = -2  # an answer that is not Zalo's JSON,
THROTTLED = -3  # and no send slot from our own throttle within its max_wait
CONNECT_TIMEOUT_CAP = 3.05


class TokenSource(Protocol):
    def access_token(self) -> str: ...

    def refresh(self, stale: str) -> str: ...


class SendThrottle(Protocol):
    def acquire(self, priority: str) -> None: ...

    def pause(self, seconds: float) -> None: ...


def classify(code: int, message: str) -> ZaloError:
    """The exception a Zalo error code means to callers (§5)."""
    if code == RATE_LIMITED:
        return ZaloRateLimited(code, message)
    if code in RETRYABLE_CODES:
        return ZaloRetryable(code, message)
    if code in WINDOW_CODES:
        return ZaloWindowClosed(code, message)
    if code in AUTH_CODES:
        return ZaloAuthError(code, message)
    return ZaloPermanent(code, message)


class ZaloClient:
    """Calls openapi.zalo.me with the bare `access_token` header; errors raised by meaning."""

    def __init__(
        self,
        api_base: str,
        tokens: TokenSource,
        *,
        timeout: float = 5.0,
        buttons: bool = True,
        throttle: SendThrottle | None = None,
        session: requests.Session | None = None,
        max_attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        observe: Callable[[str, int], None] | None = None,
        proxy: str = "",
    ):
        self.observe = observe  # told (path, code) after every HTTP exchange; 0 is success
        self.api_base = api_base.rstrip("/")
        self.tokens = tokens
        self.timeout = (min(timeout, CONNECT_TIMEOUT_CAP), timeout)
        self.buttons = buttons
        self.throttle = throttle
        self.session = session or _session(proxy)
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.sleep = sleep

    # --- public API -------------------------------------------------------------------------

    def send(
        self,
        user_id: str,
        reply: Reply,
        *,
        priority: str = "reply",
        quote_msg_id: str | None = None,
    ) -> SendResult:
        """Send a consultation message; buttons fall back to a numbered text if Zalo refuses."""
        if not (self.buttons and reply.buttons):
            body = messages.text_body(user_id, messages.plain_text(reply), quote_msg_id)
            data = self._call("POST", CS_PATH, body=body, priority=priority)
            return self._result(user_id, data, fell_back=bool(reply.buttons))
        try:
            body = messages.button_body(user_id, reply, quote_msg_id)
            data = self._call("POST", CS_PATH, body=body, priority=priority)
            return self._result(user_id, data, fell_back=False)
        except ZaloPermanent as exc:
            log.warning("button message refused, sending text", extra={"code": exc.code})
        body = messages.text_body(user_id, messages.plain_text(reply), quote_msg_id)
        data = self._call("POST", CS_PATH, body=body, priority=priority)
        return self._result(user_id, data, fell_back=True)

    def send_template(
        self,
        user_id: str,
        template_id: str,
        data: Mapping[str, str],
        *,
        priority: str = "bulk",
    ) -> SendResult:
        """A pre-approved ZBS template by UID: reaches residents outside the 7-day window."""
        body = {"user_id": user_id, "template_id": template_id, "template_data": dict(data)}
        answer = self._call("POST", TEMPLATE_PATH, body=body, priority=priority)
        return self._result(user_id, answer, fell_back=False)

    def profile(self, user_id: str) -> dict[str, Any]:
        """The resident's profile; a fallback name when Zalo will not tell (e.g. -213)."""
        fallback = {"display_name": f"Zalo User {user_id[-4:]}"}
        params = {"data": json.dumps({"user_id": user_id})}
        try:
            data = self._call("GET", PROFILE_PATH, params=params)
        except ZaloError as exc:
            log.info("profile lookup failed", extra={"code": exc.code})
            return fallback
        profile = data.get("data")
        if not isinstance(profile, dict) or not profile.get("display_name"):
            return fallback
        return profile

    def tag_user(self, user_id: str, tag_name: str) -> None:
        self._call("POST", TAG_PATH, body={"user_id": user_id, "tag_name": tag_name})

    def quota(self, user_id: str) -> dict[str, Any]:
        """Last interaction and remaining consultation quota for one resident."""
        data = self._call("POST", QUOTA_PATH, body={"user_id": user_id})
        quota = data.get("data")
        return quota if isinstance(quota, dict) else {}

    def sent_since(self, user_id: str, since_ms: int) -> bool:
        """Whether one of the OA's last 10 messages to the resident was sent at/after since_ms."""
        query = {"user_id": user_id, "offset": 0, "count": 10}
        data = self._call("GET", CONVERSATION_PATH, params={"data": json.dumps(query)})
        items = data.get("data")
        if isinstance(items, dict):  # tolerate a wrapped list
            items = next((v for v in items.values() if isinstance(v, list)), [])
        return any(_from_oa_since(item, since_ms) for item in items or [])

    # --- retries ----------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        priority: str = "reply",
    ) -> dict[str, Any]:
        """One logical call: retryable errors with backoff, one refresh on an auth error."""
        refreshed = False
        failures: list[int] = []
        for _ in range(self.max_attempts + 1):  # +1: the single retry after a refresh
            token = self.tokens.access_token()
            try:
                return self._attempt(method, path, token, body, params, priority)
            except ZaloAuthError:
                if refreshed:
                    raise
                refreshed = True
                log.info("access token rejected, refreshing once")
                self.tokens.refresh(token)
            except ZaloRetryable as exc:
                failures.append(exc.code)
                if not self._should_retry(exc, failures):
                    raise
                self._back_off(exc, len(failures))
        raise ZaloRetryable(BAD_RESPONSE, "retries exhausted")  # unreachable in practice

    def _should_retry(self, exc: ZaloRetryable, failures: list[int]) -> bool:
        if len(failures) >= self.max_attempts or exc.code == THROTTLED:
            return False  # the throttle already waited its max_wait; the caller retries later
        # -200 "Send message failed" earns one more try, not a series.
        return not (exc.code in RETRY_ONCE_CODES and failures.count(exc.code) > 1)

    def _back_off(self, exc: ZaloRetryable, failures: int) -> None:
        delay = self.backoff * 2 ** (failures - 1)
        if isinstance(exc, ZaloRateLimited) and self.throttle is not None:
            self.throttle.pause(delay)  # every worker slows down, not just this one
        log.info("zalo call failed, retrying", extra={"code": exc.code, "delay": delay})
        self.sleep(delay)

    # --- one HTTP exchange ------------------------------------------------------------------

    def _attempt(
        self,
        method: str,
        path: str,
        token: str,
        body: Mapping[str, Any] | None,
        params: Mapping[str, str] | None,
        priority: str,
    ) -> dict[str, Any]:
        if self.throttle is not None:
            try:
                self.throttle.acquire(priority)
            except TimeoutError as exc:
                raise ZaloRetryable(THROTTLED, "no send slot from the throttle") from exc
        try:
            resp = self.session.request(
                method,
                self.api_base + path,
                headers={"access_token": token},
                json=body,
                params=params,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            self._observe(path, NETWORK_ERROR)
            raise ZaloRetryable(NETWORK_ERROR, f"{type(exc).__name__} calling {path}") from exc
        try:
            data = _answer(resp, path)
        except ZaloError as exc:
            self._observe(path, exc.code)
            raise
        self._observe(path, 0)
        return data

    def _observe(self, path: str, code: int) -> None:
        if self.observe is not None:
            self.observe(path, code)

    def _result(self, user_id: str, data: Mapping[str, Any], *, fell_back: bool) -> SendResult:
        inner = data.get("data")
        if not isinstance(inner, Mapping):
            inner = {}
        message_id = str(inner.get("message_id") or "")
        return SendResult(message_id=message_id, user_id=user_id, fell_back_to_text=fell_back)


def _answer(resp: requests.Response, path: str) -> dict[str, Any]:
    """The JSON body of a 200, or the error it carries."""
    if resp.status_code >= 500:
        raise ZaloRetryable(resp.status_code, f"HTTP {resp.status_code} from {path}")
    if resp.status_code == 401:
        raise ZaloAuthError(resp.status_code, f"HTTP 401 from {path}")
    if resp.status_code != 200:
        raise ZaloPermanent(resp.status_code, f"HTTP {resp.status_code} from {path}")
    try:
        data = resp.json()
    except ValueError as exc:
        raise ZaloRetryable(BAD_RESPONSE, f"unreadable answer from {path}") from exc
    if not isinstance(data, dict):
        raise ZaloRetryable(BAD_RESPONSE, f"unexpected answer from {path}")
    code = _int(data.get("error", 0), BAD_RESPONSE)
    if code != 0:
        raise classify(code, str(data.get("message") or data.get("error_name") or ""))
    return data


def _from_oa_since(item: Any, since_ms: int) -> bool:
    if not isinstance(item, Mapping) or str(item.get("src")) != str(FROM_OA):
        return False
    return _int(item.get("time"), 0) >= since_ms


def _int(raw: Any, default: int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def _session(proxy: str) -> requests.Session:
    """A session with an explicit proxy (if any) instead of re-reading the environment on
    every call, which costs about half a millisecond per request."""
    session = requests.Session()
    session.trust_env = False
    if proxy:
        session.proxies = {"http": proxy, "https": proxy}
    return session
