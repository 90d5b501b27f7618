"""Composition root: `create_app(test_config=None)`; nothing imports this module."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from bot import logs
from bot.config import Settings, load_settings_or_exit
from bot.services.runtime import Runtime

log = logging.getLogger("bot")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web app; `test_config` (environment-style names) wins over the environment."""
    settings = load_settings_or_exit(test_config)
    logs.configure(settings.log_level)
    instance = settings.instance_dir.resolve()
    app = Flask(__name__, instance_path=str(instance))
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key or _instance_secret(instance),
        MAX_CONTENT_LENGTH=max(settings.webhook_max_bytes, 1024 * 1024),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.session_interface = ConsoleOnlySessions()
    app.extensions["bot"] = Runtime(settings)

    from bot import cli, web

    web.init_app(app)
    cli.init_app(app)
    _announce(settings)
    return app


class ConsoleOnlySessions(SecureCookieSessionInterface):
    """No cookie session for Zalo's webhook: it never uses one, and it is the hot path."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith("/webhook/"):
            return self.null_session_class()
        return super().open_session(app, request)


def _instance_secret(instance: Path) -> str:
    """A session key kept under instance/ so logins survive restarts when SECRET_KEY is unset."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        instance.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(32)
        path.write_text(value)
        path.chmod(0o600)
        return value


_announced = False


def _announce(settings: Settings) -> None:
    """How this process runs, in the log: at info for the web app, at debug under a `flask`
    command, whose output is its answer (the worker logs its own start)."""
    global _announced
    if _announced:
        return
    _announced = True
    level = logging.DEBUG if click.get_current_context(silent=True) is not None else logging.INFO
    if settings.local_mode:
        log.log(
            level,
            "local mode: no Zalo credentials, nothing is sent to Zalo; replies go to /sandbox",
        )
    if not settings.redis_url:
        log.log(level, "REDIS_URL unset: using the embedded redis-server under instance/")
