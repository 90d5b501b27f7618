"""`flask broadcast …`: draft, approve, cancel, list, show, preview and report announcements."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from bot.services import accounts
from bot.services import broadcast_report as report
from bot.services import broadcasts as svc
from bot.services.runtime import Runtime

broadcast_cli = AppGroup("broadcast", help="Announcements to subscribers (four eyes).")


def _rt() -> Runtime:
    return current_app.extensions["bot"]


def _fail(exc: svc.BroadcastError) -> click.ClickException:
    return click.ClickException(str(exc))


@broadcast_cli.command("create")
@click.option("--topic", required=True, help="topic id, e.g. lich-tiem or tin-tuc")
@click.option("--district", "districts", multiple=True, help="district slug (repeatable)")
@click.option("--text", default=None, help="the announcement")
@click.option("--text-file", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--at", default=None, help="send time, ISO (local time unless an offset is given)")
@click.option("--expires", default=None, help="expiry, ISO (default: 3 days after sending starts)")
@click.option("--by", required=True, help="the officer drafting it")
def create_command(
    topic: str,
    districts: tuple[str, ...],
    text: str | None,
    text_file: str | None,
    at: str | None,
    expires: str | None,
    by: str,
) -> None:
    """Draft a broadcast; prints its id as the last line."""
    if (text is None) == (text_file is None):
        raise click.UsageError("give exactly one of --text and --text-file")
    body = text if text is not None else Path(str(text_file)).read_text(encoding="utf-8")
    try:
        b = svc.create(
            _rt(), topic=topic, districts=districts, text=body, at=at, expires=expires, by=by
        )
    except svc.BroadcastError as exc:
        raise _fail(exc) from exc
    click.echo(
        f"draft created for {b.topic} ({','.join(b.districts) or 'all districts'}); "
        f"approve with: flask broadcast approve {b.id} --by <another officer>"
    )
    click.echo(b.id)


@broadcast_cli.command("approve")
@click.argument("broadcast_id")
@click.option(
    "--by", required=True, help="the approver's console account (an approver, not the creator)"
)
def approve_command(broadcast_id: str, by: str) -> None:
    """Approve a draft and schedule it."""
    try:
        who = accounts.approver(_rt(), by)
        b = svc.approve(_rt(), broadcast_id, by=who.name)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    except svc.BroadcastError as exc:
        raise _fail(exc) from exc
    click.echo(f"{b.id} {b.status}")


@broadcast_cli.command("cancel")
@click.argument("broadcast_id")
@click.option("--by", required=True)
def cancel_command(broadcast_id: str, by: str) -> None:
    """Cancel a broadcast (no further sends, pending notices dropped)."""
    try:
        b = svc.cancel(_rt(), broadcast_id, by=by)
    except svc.BroadcastError as exc:
        raise _fail(exc) from exc
    click.echo(f"{b.id} {b.status}")


@broadcast_cli.command("list")
@click.option("--limit", default=50, show_default=True)
def list_command(limit: int) -> None:
    """Recent broadcasts, newest first."""
    rt = _rt()
    click.echo("id\tstatus\ttopic\tdistricts\tsend at\tcreated by\tprogress")
    for b in svc.list_broadcasts(rt, limit):
        click.echo(report.describe(rt, b))


@broadcast_cli.command("show")
@click.argument("broadcast_id")
@click.option("--json", "as_json", is_flag=True, help="machine-readable")
def show_command(broadcast_id: str, as_json: bool) -> None:
    """One broadcast: record, counts, reasons, history."""
    try:
        data = report.show(_rt(), broadcast_id)
    except svc.BroadcastError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key in ("id", "status", "topic", "districts", "send_at", "expires_at", "created_by",
                "approved_by", "cancelled_by", "started_at", "finished_at"):  # fmt: skip
        value = data[key]
        if value:
            click.echo(f"{key}: {','.join(value) if isinstance(value, list) else value}")
    click.echo("counts: " + ", ".join(f"{k} {v}" for k, v in data["counts"].items()))
    click.echo("message:\n" + data["message"])
    click.echo("history:")
    for entry in data["history"]:
        click.echo(f"  {entry['at']} {entry['by']}: {entry['action']} {entry['detail']}".rstrip())


@broadcast_cli.command("preview")
@click.argument("broadcast_id")
def preview_command(broadcast_id: str) -> None:
    """Audience size, reachable now, and how many would get a pending notice."""
    try:
        data = svc.preview(_rt(), broadcast_id)
    except svc.BroadcastError as exc:
        raise _fail(exc) from exc
    for key, value in data.items():
        click.echo(f"{key}: {value}")


@broadcast_cli.command("report")
@click.argument("broadcast_id")
@click.option("--csv", "as_csv", is_flag=True, help="every recipient's state as CSV")
def report_command(broadcast_id: str, as_csv: bool) -> None:
    """Counts and failure reasons (Zalo codes), or per-recipient states as CSV."""
    rt = _rt()
    try:
        if as_csv:
            click.echo(report.recipients_csv(rt, broadcast_id), nl=False)
            return
        data = report.report(rt, broadcast_id)
    except svc.BroadcastError as exc:
        raise _fail(exc) from exc
    click.echo(f"broadcast {data['id']} ({data['status']})")
    for key, value in data["counts"].items():
        click.echo(f"  {key}: {value}")
    for kind, reasons in data["reasons"].items():
        listed = ", ".join(f"{r} × {n}" for r, n in reasons.items())
        click.echo(f"  {kind} by reason: {listed}")
