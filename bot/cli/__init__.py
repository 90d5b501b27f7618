"""`flask --app app ...` commands: thin wrappers over the services."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from bot.cli import chat, worker, zalo

    for command in (worker.worker_command, chat.chat_command, zalo.zalo_cli):
        app.cli.add_command(command)
    _optional(app)


def _optional(app: Flask) -> None:
    try:
        from bot.cli.faq import faq_cli

        app.cli.add_command(faq_cli)
    except ImportError:
        pass
    try:
        from bot.cli.broadcast import broadcast_cli

        app.cli.add_command(broadcast_cli)
    except ImportError:
        pass
