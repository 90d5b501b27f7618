"""`flask --app app zalo tokens`: the token state, never the token values."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

zalo_cli = AppGroup("zalo", help="Zalo Official Account connection.")


@zalo_cli.command("tokens")
def tokens() -> None:
    """Show the access/refresh token state without secrets."""
    rt = current_app.extensions["bot"]
    if rt.settings.local_mode:
        click.echo("local mode: no Zalo credentials configured (ZALO_APP_ID and a token seed)")
        return
    click.echo(json.dumps(rt.tokens.state(), ensure_ascii=False, indent=2))
