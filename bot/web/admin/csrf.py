"""CSRF protection: one random token per session, required on every POST of the console."""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

SESSION_KEY = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def token() -> str:
    """The session's token, created on first use (also before login: the login form has one)."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(32)
        session[SESSION_KEY] = value
    return value


def check() -> None:
    """Reject a state-changing request whose token is missing or wrong (400)."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FORM_FIELD) or request.headers.get(HEADER) or ""
    if not isinstance(expected, str) or not expected:
        abort(400, description="csrf")
    # Bytes: compare_digest refuses str with non-ASCII characters, and a form can send anything.
    if not hmac.compare_digest(expected.encode(), sent.encode("utf-8", "replace")):
        abort(400, description="csrf")
