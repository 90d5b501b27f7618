"""GET /healthz: ok or not (503 when the bot cannot serve residents), and nothing else;
GET /healthz/details: what works and what does not, for operators only (nginx lets only the
addresses allowed to read /metrics reach it)."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from bot.services.runtime import Runtime
from bot.store.client import RedisError

bp = Blueprint("health", __name__)
WORKER_STALE_SECONDS = 30.0


def health_report(rt: Runtime) -> tuple[dict[str, Any], list[str]]:
    """The health document and the list of problems that make it unhealthy."""
    problems: list[str] = []
    report: dict[str, Any] = {"mode": "local" if rt.settings.local_mode else "zalo"}
    report["webhook_verifying"] = rt.settings.webhook_verifying
    report["content"] = _content(rt, problems)
    try:
        rt.redis.ping()
        report["redis"] = {"ok": True}
        report["queue"] = _queue(rt, problems)
        report["workers"] = _workers(rt, problems)
        report["token"] = _token(rt, problems)
    except RedisError as exc:
        report["redis"] = {"ok": False, "error": type(exc).__name__}
        problems.append("redis unreachable")
    report["problems"] = problems
    report["status"] = "ok" if not problems else "unhealthy"
    return report, problems


def _content(rt: Runtime, problems: list[str]) -> dict[str, Any]:
    try:
        rt.content()
    except Exception as exc:  # no good version at all: nothing to answer with
        problems.append("content not loaded")
        return {"ok": False, "error": str(exc)[:300]}
    status = dict(rt.content_watcher.status())
    if status.get("errors"):
        status["note"] = "an edit is invalid; the last good version is live"
    return status


def _queue(rt: Runtime, problems: list[str]) -> dict[str, int]:
    depth = rt.inbound.depth()
    cap = rt.settings.inbound_maxlen
    depth["cap"] = cap
    if depth["unprocessed"] > cap * 0.8:
        problems.append("inbound queue nearly full")
    return depth


def _workers(rt: Runtime, problems: list[str]) -> dict[str, Any]:
    ages = rt.workers.ages(time.time())
    live = {name: round(age, 1) for name, age in ages.items() if age < WORKER_STALE_SECONDS}
    if not live:
        problems.append("no worker heartbeat")
    youngest = min(ages.values()) if ages else None
    return {"live": len(live), "heartbeat_age": None if youngest is None else round(youngest, 1)}


def _token(rt: Runtime, problems: list[str]) -> dict[str, Any]:
    if rt.settings.local_mode:
        return {"status": "local mode"}
    state = rt.tokens.state()
    if state.get("status") in {"dead", "missing"}:
        problems.append(f"zalo token {state.get('status')}")
    return state


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """The public answer: token expiry, queue depth and content errors are nobody's business."""
    _report, problems = health_report(current_app.extensions["bot"])
    return jsonify({"status": "unhealthy" if problems else "ok"}), 503 if problems else 200


@bp.get("/healthz/details")
def healthz_details() -> tuple[Response, int]:
    report, problems = health_report(current_app.extensions["bot"])
    return jsonify(report), 503 if problems else 200
