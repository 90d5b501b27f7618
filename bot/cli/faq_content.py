"""`flask faq export|import|changes|approve|reject|history`: the approved content in Redis and the
readable files, from the command line, with the same medical review as the console."""

from __future__ import annotations

import json

import click
from flask import current_app

from bot.cli.faq import faq_cli
from bot.services import content_changes as svc
from bot.services import content_files
from bot.services.runtime import Runtime


def _rt() -> Runtime:
    rt: Runtime = current_app.extensions["bot"]
    return rt


def _fail(exc: svc.ContentChangeError) -> click.ClickException:
    if isinstance(exc, svc.Invalid):
        return click.ClickException("\n".join(exc.errors))
    return click.ClickException(str(exc))


@faq_cli.command("export")
@click.option(
    "--faq",
    "faq_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="where to write faq.yaml (default: FAQ_PATH)",
)
@click.option("--hotlines", "hot_path", type=click.Path(dir_okay=False), default=None,
              help="where to write hotlines.yaml (default: HOTLINES_PATH)")  # fmt: skip
def export_cmd(faq_path: str | None, hot_path: str | None) -> None:
    """Write faq.yaml and hotlines.yaml from the approved content being served."""
    rt = _rt()
    faq = faq_path or rt.settings.faq_path
    hot = hot_path or rt.settings.hotlines_path
    try:
        rev = content_files.export(rt, faq, hot)
    except svc.ContentChangeError as exc:
        raise _fail(exc) from exc
    click.echo(f"wrote {faq} and {hot} from content revision {rev}")


@faq_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--by", required=True, help="who proposes the change (cannot approve it)")
def import_cmd(file: str, by: str) -> None:
    """Turn a faq.yaml- or hotlines.yaml-shaped FILE into one change for review; prints its id."""
    try:
        change = content_files.import_file(_rt(), file, by=by)
    except svc.ContentChangeError as exc:
        raise _fail(exc) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {file}: {exc}") from exc
    click.echo(f"change {change['id']} waits for review: {', '.join(change['docs'])}")
    for warning in change.get("warnings", []):
        click.echo(f"warning: {warning}")
    click.echo(f"approve with: flask faq approve {change['id']} --by <another reviewer>")
    click.echo(change["id"])


@faq_cli.command("changes")
@click.option("--status", type=click.Choice(["pending", "approved", "rejected"]), default=None)
def changes_cmd(status: str | None) -> None:
    """List content changes, newest first."""
    for c in svc.changes(_rt(), status or ""):
        docs = ", ".join(c.get("docs", {}))
        click.echo(f"{c['id']}\t{c['status']}\t{c['kind']}\t{c['author']}\t{docs}")


@faq_cli.command("approve")
@click.argument("change_id")
@click.option("--by", required=True, help="the reviewer (never the change's author)")
def approve_cmd(change_id: str, by: str) -> None:
    """Approve a change: it goes live everywhere within seconds."""
    try:
        done = svc.approve(_rt(), change_id, by=by)
    except svc.ContentChangeError as exc:
        raise _fail(exc) from exc
    click.echo(f"change {change_id} approved by {by}: content revision {done['rev']}")


@faq_cli.command("reject")
@click.argument("change_id")
@click.option("--by", required=True, help="the reviewer")
@click.option("--comment", required=True, help="what the author should change")
def reject_cmd(change_id: str, by: str, comment: str) -> None:
    """Return a change to its author with a comment."""
    try:
        svc.reject(_rt(), change_id, by=by, comment=comment)
    except svc.ContentChangeError as exc:
        raise _fail(exc) from exc
    click.echo(f"change {change_id} returned to its author")


@faq_cli.command("history")
@click.argument("entry")
@click.option("--json", "as_json", is_flag=True, help="one JSON document")
def history_cmd(entry: str, as_json: bool) -> None:
    """Every approved version of an entry (or hotlines.yaml), newest first."""
    try:
        rows = svc.history(_rt(), entry)
    except svc.ContentChangeError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        reviewer = f" reviewed by {r['reviewer']}" if r["reviewer"] else ""
        click.echo(f"{r['version']}\t{r['at']}\t{r['kind']}\t{r['author']}{reviewer}")
