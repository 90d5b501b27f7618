"""Who is logged in, what their role lets them do, and the audit of what they did."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from bot.services import accounts
from bot.services.accounts import Account
from bot.services.runtime import Runtime
from bot.store.accounts import Sessions
from bot.web.admin import csrf

F = TypeVar("F", bound=Callable[..., Any])
SESSION_SECONDS = 12 * 3600
PUBLIC_ENDPOINTS = frozenset({"admin.login", "admin.login_post", "admin.static"})


def runtime() -> Runtime:
    from flask import current_app

    rt: Runtime = current_app.extensions["bot"]
    return rt


def current() -> Account:
    account: Account | None = g.get("account")
    if account is None:
        abort(401)
    return account


def load_account() -> Response | None:
    """Before each console request: find the logged-in account or send the person to log in."""
    g.account = session_account()
    if g.account is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if request.method == "GET" and not _wants_json():
            return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
        abort(401)
    return None


def session_account() -> Account | None:
    """The account logged in on this request's session, if any (console or OAuth pages)."""
    name, gen, at = session.get("user"), session.get("gen"), session.get("at")
    sid = session.get("sid")
    if not isinstance(name, str) or not isinstance(gen, int) or not isinstance(at, int):
        return None
    if time.time() * 1000 - at > SESSION_SECONDS * 1000 or not isinstance(sid, str):
        return None
    if _sessions().holder(sid) != name:  # logged out (or never logged in on this server)
        return None
    # A changed password, role or a removed account ends every open login at once.
    return accounts.account(runtime(), name, gen)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def client_address() -> str:
    """The person's address: behind a trusted proxy, the last hop it appended."""
    direct = request.remote_addr or "-"
    trusted = {a.strip() for a in runtime().settings.forwarded_allow_ips.split(",") if a.strip()}
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and ("*" in trusted or direct in trusted):
        return forwarded.split(",")[-1].strip() or direct
    return direct


def _sessions() -> Sessions:
    rt = runtime()
    return Sessions(rt.redis, rt.keys, SESSION_SECONDS)


def start_session(account: Account) -> None:
    """Log in: a fresh session (no fixation), remembering the account's generation."""
    session.clear()
    session["sid"] = _sessions().open(account.name)
    session["user"], session["gen"] = account.name, account.generation
    session["at"] = int(time.time() * 1000)
    csrf.token()  # a new token: one seen before logging in is worth nothing after


def end_session() -> None:
    """Log out: the session id is deleted, so a copy of the cookie is worth nothing."""
    sid = session.get("sid")
    if isinstance(sid, str):
        _sessions().close(sid)
    session.clear()


def requires(permission: str) -> Callable[[F], F]:
    """Allow the view only to roles with `permission` (403 otherwise)."""
    accounts.PERMISSIONS[permission]

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current().can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def audit(action: str, target: str = "", detail: str = "", *, outcome: str = "ok") -> None:
    """Record what the logged-in person just did (or tried to do: `outcome` "refused")."""
    account: Account | None = g.get("account")
    who = account.name if account else "-"
    accounts.audit(runtime(), who, action, target, detail, outcome=outcome)
