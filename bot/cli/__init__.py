"""`flask --app app ...` commands: thin wrappers over the services."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from bot.cli import broadcast, chat, faq, faq_content, users, worker, zalo

    del faq_content  # imported for its `faq export|import|…` commands on the `faq` group

    for command in (
        worker.worker_command,
        chat.chat_command,
        zalo.zalo_cli,
        faq.faq_cli,
        broadcast.broadcast_cli,
        users.users_cli,
    ):
        app.cli.add_command(command)
