"""Flask blueprints: the thin adapter between HTTP and the services."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from bot.web import health, home, metrics, oauth, sandbox, webhook
    from bot.web.admin import admin
    from bot.web.admin_api import admin_api
    from bot.web.admin_content_api import content_api

    for module in (webhook, health, metrics, sandbox, oauth, home):
        app.register_blueprint(module.bp)
    app.register_blueprint(admin)
    app.register_blueprint(admin_api)
    app.register_blueprint(content_api)
