"""`flask --app app users add|remove|passwd|list`: console accounts."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from bot.services import accounts
from bot.services.runtime import Runtime

users_cli = AppGroup("users", help="Accounts of the admin console (officers, approvers, staff).")
CLI_ACTOR = "cli"


def _rt() -> Runtime:
    rt: Runtime = current_app.extensions["bot"]
    return rt


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu"))


def _fail(exc: accounts.AccountError) -> None:
    raise click.ClickException(str(exc))


@users_cli.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(accounts.ROLES), help="Vai trò.")
@click.option("--password-stdin", is_flag=True, help="Read the password from one stdin line.")
def add(name: str, role: str, password_stdin: bool) -> None:
    """Create an account; the password is asked twice (or read from stdin)."""
    try:
        accounts.check_name(name)
        account = accounts.add_user(_rt(), name, role, _read_password(password_stdin), by=CLI_ACTOR)
    except accounts.AccountError as exc:
        _fail(exc)
        return
    click.echo(f"Đã tạo tài khoản {account.name} ({account.role}).")


@users_cli.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Delete an account; its open console sessions end at their next request."""
    try:
        accounts.remove_user(_rt(), name, by=CLI_ACTOR)
    except accounts.AccountError as exc:
        _fail(exc)
        return
    click.echo(f"Đã xoá tài khoản {name.strip().lower()}.")


@users_cli.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from one stdin line.")
def passwd(name: str, password_stdin: bool) -> None:
    """Set a new password; the account's open sessions end."""
    rt = _rt()
    if accounts.account(rt, name.strip().lower()) is None:
        raise click.ClickException(f"Không có tài khoản {name.strip().lower()}")
    try:
        accounts.set_password(rt, name, _read_password(password_stdin), by=CLI_ACTOR)
    except accounts.AccountError as exc:
        _fail(exc)
        return
    click.echo(f"Đã đổi mật khẩu của {name.strip().lower()}.")


@users_cli.command("list")
def list_() -> None:
    """List accounts with their roles."""
    rows = accounts.list_users(_rt())
    if not rows:
        click.echo("Chưa có tài khoản nào. Tạo bằng: flask --app app users add NAME --role admin")
        return
    tz = _rt().settings.timezone
    for row in rows:
        created = datetime.fromtimestamp(int(row["created_ms"]) / 1000, tz)
        click.echo(f"{row['name']:<24} {row['role']:<9} tạo lúc {created:%Y-%m-%d %H:%M}")
