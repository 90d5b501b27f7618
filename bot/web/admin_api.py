"""The officers' JSON API under /admin/api: bearer token per officer, roles, every call audited."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, jsonify, request

from bot.services import accounts
from bot.services import broadcast_report as report
from bot.services import broadcasts as svc
from bot.services.runtime import Runtime
from bot.services.subscriptions import subscriber_counts
from bot.store.accounts import LoginAttempts
from bot.store.broadcasts import Broadcast
from bot.web.admin.access import client_address
from bot.web.jsonbody import json_object

log = logging.getLogger(__name__)

admin_api = Blueprint("admin_api", __name__, url_prefix="/admin/api")

ROLES = frozenset({"officer", "approver", "staff", "reviewer", "admin"})
PAGE_DEFAULT, PAGE_MAX = 100, 5000
API_MAX_FAILURES = 30  # calls with a wrong or missing token per address per window
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Officer:
    name: str
    role: str


def parse_tokens(spec: str) -> list[tuple[str, Officer]]:
    """ "name:role:token,..." → [(token, Officer)]; malformed entries are left out (and logged)."""
    found: list[tuple[str, Officer]] = []
    for position, item in enumerate(filter(None, (x.strip() for x in spec.split(","))), 1):
        name, role, token = [*item.split(":", 2), "", ""][:3]
        if not name.strip() or role.strip() not in ROLES or len(token.strip()) < 16:
            log.warning("ADMIN_API_TOKENS entry ignored", extra={"position": position})
            continue
        found.append((token.strip(), Officer(name.strip(), role.strip())))
    return found


def _officer(header: str) -> Officer | None:
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return None
    given_bytes = given.strip().encode()
    match: Officer | None = None
    for token, officer in parse_tokens(_rt().settings.admin_api_tokens):
        if hmac.compare_digest(token.encode(), given_bytes):  # every entry compared: no timing hint
            match = officer
    return match


def _rt() -> Runtime:
    rt: Runtime = current_app.extensions["bot"]
    return rt


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), status


@admin_api.before_request
def authenticate() -> tuple[Response, int] | None:
    """Identify the officer; calls without a valid token are counted and rate-limited per
    address, not audited (anyone can make them)."""
    g.api_officer = None
    rt = _rt()
    attempts = LoginAttempts(rt.redis, rt.keys, accounts.FAILURE_WINDOW_SECONDS)
    who = f"api:{client_address()}"
    if attempts.count(who) >= API_MAX_FAILURES:
        accounts.refused(rt, "api_throttled")
        return _error(429, "too many calls without a valid token; try again later")
    officer = _officer(request.headers.get("Authorization", ""))
    if officer is None:
        attempts.failed(who)
        accounts.refused(rt, "api_token")
        return _error(401, "a valid bearer token is needed")
    # A token speaks for a console account: its name is that account's, so four eyes compares
    # the same names in the console, the API and the commands.
    account = accounts.named_account(rt, officer.name)
    if account is None:
        accounts.refused(rt, "api_no_account")
        return _error(403, f"the token's name {officer.name!r} is not a console account")
    g.api_officer = Officer(account.name, officer.role)
    return None


@admin_api.after_request
def audit_call(response: Response) -> Response:
    """Every call of an identified officer, allowed or not, lands in the audit stream: who,
    what, on what, outcome."""
    officer: Officer | None = g.get("api_officer")
    if officer is None:
        return response
    endpoint = (request.endpoint or "unknown").rsplit(".", 1)[-1]
    target = str((request.view_args or {}).get("broadcast_id", ""))
    outcome = "ok" if response.status_code < 400 else f"refused {response.status_code}"
    detail = f"{request.method} {request.path} via api"
    accounts.audit(_rt(), officer.name, f"api.{endpoint}", target, detail, outcome=outcome)
    return response


def requires(permission: str) -> Callable[[F], F]:
    """The console's permission table decides what each role may do here too."""
    accounts.PERMISSIONS[permission]  # an unknown permission fails at import

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not accounts.allowed(g.api_officer.role, permission):
                return _error(403, f"role {g.api_officer.role} may not do this")
            try:
                return view(*args, **kwargs)
            except svc.BroadcastNotFound as exc:
                return _error(404, str(exc))
            except svc.FourEyes as exc:
                return _error(403, str(exc))
            except svc.NotPermitted as exc:
                return _error(409, str(exc))
            except svc.BroadcastError as exc:
                return _error(400, str(exc))

        return wrapped  # type: ignore[return-value]

    return decorate


@admin_api.get("/broadcasts")
@requires("broadcasts.view")
def list_broadcasts() -> Response:
    rt = _rt()
    limit = _int_arg("limit", 50, 500)
    return jsonify([_brief(rt, b) for b in svc.list_broadcasts(rt, limit)])


def _brief(rt: Runtime, b: Broadcast) -> dict[str, Any]:
    return {"id": b.id, "status": b.status, "topic": b.topic, "districts": list(b.districts),
            "created_by": b.created_by, "approved_by": b.approved_by,
            "counts": report.counts(rt, b)}  # fmt: skip


@admin_api.post("/broadcasts")
@requires("broadcasts.create")
def create_broadcast() -> tuple[Response, int]:
    data = json_object()
    if data is None:
        raise svc.BroadcastError("send a JSON object: topic, text, districts?, at?, expires?")
    districts = data.get("districts") or []
    if not isinstance(districts, list) or not all(isinstance(d, str) for d in districts):
        raise svc.BroadcastError("districts must be a list of district slugs")
    b = svc.create(_rt(), topic=str(data.get("topic", "")), text=str(data.get("text", "")),
                   districts=districts, at=_opt(data, "at"), expires=_opt(data, "expires"),
                   by=g.api_officer.name)  # fmt: skip
    return jsonify(report.show(_rt(), b.id)), 201


def _opt(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value in (None, "") else str(value)


@admin_api.get("/broadcasts/<broadcast_id>")
@requires("broadcasts.view")
def show_broadcast(broadcast_id: str) -> Response:
    return jsonify(report.show(_rt(), broadcast_id))


@admin_api.post("/broadcasts/<broadcast_id>/approve")
@requires("broadcasts.approve")
def approve_broadcast(broadcast_id: str) -> tuple[Response, int] | Response:
    try:
        who = accounts.approver(_rt(), g.api_officer.name)
    except accounts.AccountError as exc:
        return _error(403, str(exc))
    b = svc.approve(_rt(), broadcast_id, by=who.name)
    return jsonify(report.show(_rt(), b.id))


@admin_api.post("/broadcasts/<broadcast_id>/cancel")
@requires("broadcasts.cancel")
def cancel_broadcast(broadcast_id: str) -> Response:
    b = svc.cancel(_rt(), broadcast_id, by=g.api_officer.name)
    return jsonify(report.show(_rt(), b.id))


@admin_api.get("/broadcasts/<broadcast_id>/preview")
@requires("broadcasts.view")
def preview_broadcast(broadcast_id: str) -> Response:
    return jsonify(svc.preview(_rt(), broadcast_id))


@admin_api.get("/broadcasts/<broadcast_id>/report")
@requires("broadcasts.view")
def broadcast_report(broadcast_id: str) -> Response:
    return jsonify(report.report(_rt(), broadcast_id))


@admin_api.get("/broadcasts/<broadcast_id>/recipients")
@requires("broadcasts.view")
def broadcast_recipients(broadcast_id: str) -> Response:
    """One page of per-recipient states: ?offset=0&limit=100."""
    offset, limit = _int_arg("offset", 0, 10**9), _int_arg("limit", PAGE_DEFAULT, PAGE_MAX)
    rows = list(report.recipient_rows(_rt(), broadcast_id, offset, limit))
    return jsonify({"id": broadcast_id, "offset": offset, "recipients": rows})


@admin_api.get("/broadcasts/<broadcast_id>/recipients.csv")
@requires("broadcasts.view")
def broadcast_recipients_csv(broadcast_id: str) -> Response:
    body = report.recipients_csv(_rt(), broadcast_id)
    name = f"broadcast-{broadcast_id}-recipients.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, mimetype="text/csv", headers=headers)


@admin_api.get("/subscriptions")
@requires("dashboard")
def subscriptions() -> Response:
    """Subscribers per topic and district (counts only)."""
    return jsonify(subscriber_counts(_rt()))


def _int_arg(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name, "")
    try:
        value = int(raw) if raw else default
    except ValueError as exc:
        raise svc.BroadcastError(f"{name} must be a whole number") from exc
    return max(0, min(value, maximum))
