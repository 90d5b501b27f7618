"""Flask blueprints: the thin adapter between HTTP and the services."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from bot.web import health, home, oauth, sandbox, webhook

    for module in (webhook, health, sandbox, oauth, home):
        app.register_blueprint(module.bp)
    _optional(app)


def _optional(app: Flask) -> None:
    """Blueprints of parts that may not be installed in every build."""
    try:
        from bot.web.admin_api import admin_api
    except ImportError:
        return
    app.register_blueprint(admin_api)
