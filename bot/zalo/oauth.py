"""OAuth v4 for an Official Account: refresh and code exchange, PKCE, the consent URL."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from bot.errors import ZaloError

TOKEN_PATH = "/v4/oa/access_token"
PERMISSION_PATH = "/v4/oa/permission"
OA_INFO_PATH = "/v2.0/oa/getoa"
DEFAULT_LIFETIME = 90_000.0  # 25 h, the documented access-token lifetime
# Refresh token already used, expired, or rejected as invalid_grant: only a person can fix it.
DEAD_REFRESH_CODES = frozenset({-14014, -14020, -118})
NO_ANSWER = -1  # our own code: the token endpoint could not be reached or read


class OAuthError(ZaloError):
    """The token endpoint gave no access token."""


class RefreshTokenDead(OAuthError):
    """The refresh token will never work again; an OA admin must authorise the app anew."""


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds

    def __repr__(self) -> str:  # never print token values by accident
        return f"TokenPair(expires_at={self.expires_at:.0f})"


def refresh_tokens(
    oauth_base: str,
    app_id: str,
    app_secret: str,
    refresh_token: str,
    *,
    timeout: float = 5.0,
    session: requests.Session | None = None,
    now: Callable[[], float] = time.time,
) -> TokenPair:
    """Trade the single-use refresh token for a new pair (both tokens rotate)."""
    form = {"refresh_token": refresh_token, "app_id": app_id, "grant_type": "refresh_token"}
    data = _post(oauth_base, app_secret, form, timeout, session)
    pair = _pair(data, now(), dead_codes=DEAD_REFRESH_CODES)
    if not pair.refresh_token:  # should not happen; the old one is spent, keep it for the record
        pair = TokenPair(pair.access_token, refresh_token, pair.expires_at)
    return pair


def exchange_code(
    oauth_base: str,
    app_id: str,
    app_secret: str,
    code: str,
    code_verifier: str,
    *,
    timeout: float = 5.0,
    session: requests.Session | None = None,
    now: Callable[[], float] = time.time,
) -> TokenPair:
    """Trade the consent callback's code (valid 10 min, single use) for a token pair."""
    form = {
        "code": code,
        "app_id": app_id,
        "grant_type": "authorization_code",
        "code_verifier": code_verifier,
    }
    return _pair(_post(oauth_base, app_secret, form, timeout, session), now())


def oa_id_of(
    api_base: str,
    access_token: str,
    *,
    timeout: float = 5.0,
    session: requests.Session | None = None,
) -> str:
    """The id of the Official Account an access token speaks for (GET /v2.0/oa/getoa).

    Sources disagree on the field's name (`oa_id` or `oaid`), so both are read.
    """
    http = session if session is not None else requests.Session()
    try:
        resp = http.get(
            api_base.rstrip("/") + OA_INFO_PATH,
            headers={"access_token": access_token},
            timeout=(min(timeout, 3.05), timeout),
            allow_redirects=False,
        )
        body = resp.json()
    except requests.RequestException as exc:
        raise OAuthError(NO_ANSWER, f"OA info unreachable: {type(exc).__name__}") from exc
    except ValueError as exc:
        raise OAuthError(NO_ANSWER, f"OA info answered HTTP {resp.status_code}") from exc
    finally:
        if session is None:
            http.close()
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or _int(body.get("error"), 0) != 0:
        code = _int(body.get("error"), NO_ANSWER) if isinstance(body, dict) else NO_ANSWER
        raise OAuthError(code, "OA info refused")
    found = data.get("oa_id") or data.get("oaid")
    if isinstance(found, int) and not isinstance(found, bool):
        found = str(found)
    if not isinstance(found, str) or not found:
        raise OAuthError(NO_ANSWER, "OA info has no oa_id")
    return found


def new_pkce() -> tuple[str, str]:
    """(verifier of 43 characters, its S256 challenge), both base64url without padding."""
    verifier = _b64url(secrets.token_bytes(32))
    return verifier, challenge_for(verifier)


def challenge_for(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def authorize_url(
    oauth_base: str, app_id: str, redirect_uri: str, challenge: str, state: str
) -> str:
    """Where an OA admin grants the app access; Zalo redirects back with code, oa_id, state."""
    query = urlencode(
        {
            "app_id": app_id,
            "redirect_uri": redirect_uri,
            "code_challenge": challenge,
            "state": state,
        }
    )
    return f"{oauth_base.rstrip('/')}{PERMISSION_PATH}?{query}"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _post(
    oauth_base: str,
    app_secret: str,
    form: Mapping[str, str],
    timeout: float,
    session: requests.Session | None,
) -> dict[str, Any]:
    http = session if session is not None else requests.Session()
    try:
        resp = http.post(
            oauth_base.rstrip("/") + TOKEN_PATH,
            data=dict(form),  # form-encoded; the secret travels only in the header
            headers={"secret_key": app_secret},
            timeout=(min(timeout, 3.05), timeout),
            allow_redirects=False,
        )
        data = resp.json()
    except requests.RequestException as exc:
        raise OAuthError(NO_ANSWER, f"token endpoint unreachable: {type(exc).__name__}") from exc
    except ValueError as exc:
        raise OAuthError(NO_ANSWER, f"token endpoint answered HTTP {resp.status_code}") from exc
    finally:
        if session is None:
            http.close()
    if not isinstance(data, dict):
        raise OAuthError(NO_ANSWER, "token endpoint answered something other than an object")
    return data


def _pair(
    data: Mapping[str, Any], now: float, dead_codes: frozenset[int] = frozenset()
) -> TokenPair:
    access = data.get("access_token")
    if not access or not isinstance(access, str):
        code = _int(data.get("error"), NO_ANSWER)
        name = str(data.get("error_name") or data.get("error_description") or "no access_token")
        raise (RefreshTokenDead if code in dead_codes else OAuthError)(code, name)
    lifetime = _float(data.get("expires_in"), DEFAULT_LIFETIME)
    return TokenPair(access, str(data.get("refresh_token") or ""), now + lifetime)


def _int(raw: Any, default: int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def _float(raw: Any, default: float) -> float:
    # expires_in arrives as the string "90000" in practice, sometimes as a number.
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default
