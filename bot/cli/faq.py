"""`flask faq check|ask|predict|eval`: the content and understanding, without Redis or Zalo."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from bot.config import Settings, load_settings
from bot.content.loader import Content, load
from bot.content.validate import check as check_content
from bot.dialogue import evaluation
from bot.dialogue.turn import Thresholds
from bot.errors import ContentError
from bot.language.normalise import normalise
from bot.model import Session
from intents import REGISTRY, respond

faq_cli = AppGroup("faq", help="Check the FAQ content and test how messages are understood.")

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_EVAL = REPO_ROOT.parent / "shared" / "eval" / "dev-queries.yaml"


def _settings() -> Settings:
    try:
        ext = current_app.extensions.get("bot")
    except RuntimeError:  # no application context
        ext = None
    settings = getattr(ext, "settings", None)
    return settings if isinstance(settings, Settings) else load_settings()


def _thresholds(s: Settings) -> Thresholds:
    return Thresholds()


def _now(s: Settings) -> datetime:
    return datetime.now(s.timezone)


def _content(s: Settings) -> Content:
    try:
        return load(s.faq_path, s.hotlines_path)
    except ContentError as exc:
        raise click.ClickException(f"content is invalid: {exc}") from exc


@faq_cli.command("check")
def check_cmd() -> None:
    """Validate faq.yaml and hotlines.yaml; exit 1 when there are errors."""
    s = _settings()
    report = check_content(s.faq_path, s.hotlines_path, today=_now(s).date())
    overlaps = set(report.conflicts)
    for issue in report.errors + [w for w in report.warnings if w not in overlaps]:
        click.echo(str(issue))
    if report.conflicts:
        click.echo(
            f"Cách hỏi khớp với mục khác hơn mục của mình ({len(report.conflicts)} cặp mục; "
            "trùng nhẹ giữa các chủ đề gần nhau là bình thường):"
        )
        for issue in report.conflicts:
            click.echo(f"  {issue}")
    entries = len(report.content.entries) if report.content else 0
    others = len(report.warnings) - len(report.conflicts)
    click.echo(
        f"{len(report.errors)} lỗi, {others} cảnh báo, {len(report.conflicts)} cặp mục có cách hỏi "
        f"gần nhau, {entries} mục"
    )
    if report.errors:
        sys.exit(1)


@faq_cli.command("ask")
@click.argument("text")
def ask_cmd(text: str) -> None:
    """Show how TEXT is understood: normalised forms, decision, candidates and scores."""
    s = _settings()
    content = _content(s)
    norm = normalise(text)
    d = respond(text, session=Session(), content=content, now=_now(s), thresholds=_thresholds(s))
    click.echo(f"accented: {norm.accented}\nfolded:   {norm.folded}")
    click.echo(f"domain:   {content.index.domain.verdict(norm)}")
    click.echo(f"intent:   {d.intent}  action: {d.action}  outcome: {d.outcome}  faq: {d.faq_id}")
    click.echo("candidates (score = fuzzy · overlap · cosine):")
    for row in content.index.scored(norm)[:5]:
        parts = f"{row.fuzzy:.0f} · {row.overlap:.0f} · {row.cosine:.0f}"
        click.echo(f"  {row.score:5.1f}  {row.faq_id}  ({parts})")
    for effect in d.effects:
        click.echo(f"effect:   {effect.kind} {dict(effect.args)}")
    click.echo("reply:\n" + d.reply.text)
    for b in d.reply.buttons:
        click.echo(f"  [{b.title}] {b.kind}: {b.payload}")


@faq_cli.command("predict")
def predict_cmd() -> None:
    """Read one message per line on stdin, write one JSON object per line (fresh session each)."""
    s = _settings()
    content, thresholds, now = _content(s), _thresholds(s), _now(s)
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        out = evaluation.predict(
            text, content=content, now=now, thresholds=thresholds, registry=REGISTRY
        )
        click.echo(json.dumps(out, ensure_ascii=False))


@faq_cli.command("eval")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--min-accuracy", type=float, default=None, help="Exit 1 below this accuracy.")
@click.option("--baseline", is_flag=True, help="Also score plain WRatio over question titles.")
def eval_cmd(paths: tuple[str, ...], min_accuracy: float | None, baseline: bool) -> None:
    """Score one or more dev-queries-format files through the same code path as live messages:
    per file, then all together when there are several."""
    s = _settings()
    content, thresholds, now = _content(s), _thresholds(s), _now(s)

    def bot(text: str) -> dict[str, Any]:
        return evaluation.predict(
            text, content=content, now=now, thresholds=thresholds, registry=REGISTRY
        )

    files = list(paths) or [str(DEFAULT_EVAL)]
    everything = evaluation.Report()
    for path in files:
        queries = evaluation.load_queries(path)
        report = evaluation.evaluate(queries, bot)
        everything.rows.extend(report.rows)
        click.echo(evaluation.format_report(report, f"bot: {path} ({len(queries)} messages)"))
        if baseline:
            base = evaluation.evaluate(queries, evaluation.baseline_predictor(content, thresholds))
            click.echo(evaluation.format_report(base, "baseline: WRatio over question titles"))
    if len(files) > 1:
        title = f"bot: all {len(files)} files ({len(everything.rows)} messages)"
        click.echo(evaluation.format_summary(everything, title))
    overall = everything.metrics()["overall"] or 0.0
    if min_accuracy is not None and overall < min_accuracy:
        click.echo(f"accuracy {overall:.3f} is below {min_accuracy:.3f}", err=True)
        sys.exit(1)
