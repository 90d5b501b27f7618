"""`flask --app app worker [--burst]`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.services.worker import Worker


@click.command("worker")
@click.option("--burst", is_flag=True, help="Process what is due, then exit.")
@click.option("--name", default=None, help="Worker name shown in /healthz.")
@with_appcontext
def worker_command(burst: bool, name: str | None) -> None:
    """Consume the inbound queue and run due broadcasts."""
    w = Worker(current_app.extensions["bot"], burst=burst, name=name)
    w.install_signals()
    w.run()
