"""`flask --app app worker [--burst]`."""

from __future__ import annotations

import contextlib
import gc

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.errors import ContentError
from bot.services.worker import Worker


@click.command("worker")
@click.option("--burst", is_flag=True, help="Process what is due, then exit.")
@click.option("--name", default=None, help="Worker name shown in /healthz.")
@with_appcontext
def worker_command(burst: bool, name: str | None) -> None:
    """Consume the inbound queue and run due broadcasts."""
    rt = current_app.extensions["bot"]
    with contextlib.suppress(ContentError):  # the error shows in /healthz and the log
        rt.content()  # load and index the FAQ before the first event, not during it
    gc.collect()
    gc.freeze()  # what lives as long as the process: out of every later full collection
    w = Worker(rt, burst=burst, name=name)
    w.install_signals()
    w.run()
