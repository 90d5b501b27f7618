"""Helpers for the console's tests: an app with the console mounted, accounts, logging in."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.cli.users import users_cli
from bot.config import settings_from
from bot.content.watcher import ContentWatcher
from bot.services import accounts
from bot.services.runtime import Runtime
from bot.web.admin import admin
from tests.conftest import ROOT

PASSWORD = "mat-khau-du-dai"
ROLES = ("officer", "approver", "staff", "admin")


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheaper scrypt for the many accounts tests create; the cost is stored in each hash."""
    monkeypatch.setattr(accounts, "SCRYPT_N", 2**10)


def console_env(redis_url: str, instance: Path, **extra: str) -> dict[str, str]:
    return {
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": "adm:",
        "INSTANCE_PATH": str(instance),
        "FAQ_PATH": str(ROOT / "faq.yaml"),
        "HOTLINES_PATH": str(ROOT / "hotlines.yaml"),
        "SUBSCRIPTIONS_PATH": str(ROOT / "subscriptions.yaml"),
        "BROADCAST_QUIET_HOURS": "",
        "ADMIN_COOKIE_SECURE": "false",
        **extra,
    }


def console_app(env: Mapping[str, str]) -> Flask:
    """A small app with the console, its commands and (when present) the broadcast API."""
    app = Flask("console_test", root_path=str(ROOT))
    app.config.update(SECRET_KEY="test-secret-key", TESTING=True)
    rt = Runtime(settings_from(env))
    rt.__dict__["content_watcher"] = shared_watcher(rt.settings.faq_path, rt.settings.hotlines_path)
    app.extensions["bot"] = rt
    app.register_blueprint(admin)
    app.cli.add_command(users_cli)
    return app


@functools.cache
def shared_watcher(faq_path: str, hotlines_path: str) -> ContentWatcher:
    """The shipped content, loaded once for all these tests (a load takes about a second)."""
    return ContentWatcher(faq_path, hotlines_path)


def make_users(rt: Runtime, *roles: str) -> None:
    """One account per role, named after it (officer, approver, ...), plus officer2."""
    for role in roles or ROLES:
        accounts.add_user(rt, role, role, PASSWORD, by="test")


def csrf_of(client: FlaskClient, path: str = "/admin/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client: FlaskClient, name: str, password: str = PASSWORD, **kw: object):  # type: ignore[no-untyped-def]
    token = csrf_of(client)
    return client.post(
        "/admin/login", data={"name": name, "password": password, "csrf_token": token}, **kw
    )


def post(client: FlaskClient, path: str, data: Mapping[str, object] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    """POST a console form with the session's CSRF token, as the browser would."""
    with client.session_transaction() as sess:
        token = sess.get("csrf", "")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kw)
