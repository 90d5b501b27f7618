"""The content tester: a question through the same decision path as `flask faq predict`."""

from __future__ import annotations

import logging
from typing import Any

from bot.services.runtime import Runtime
from bot.web.admin import figures

log = logging.getLogger(__name__)


def _thresholds(rt: Runtime) -> Any:
    from bot.dialogue.turn import Thresholds

    return Thresholds()


def predict(rt: Runtime, text: str) -> dict[str, Any]:
    """The §6 predict document for one message: fresh session, nothing sent or stored."""
    from bot.dialogue.evaluation import predict as predict_line
    from intents import REGISTRY

    return dict(
        predict_line(
            text,
            content=rt.content(),
            now=rt.now(),
            thresholds=_thresholds(rt),
            registry=REGISTRY,
        )
    )


def reply_preview(rt: Runtime, text: str) -> tuple[str, list[str]]:
    """The text and button titles the resident would get (fresh session, nothing sent)."""
    from bot.model import Session
    from intents import respond

    decision = respond(
        text, session=Session(), content=rt.content(), now=rt.now(), thresholds=_thresholds(rt)
    )
    return decision.reply.text, [b.title for b in decision.reply.buttons]


def try_question(rt: Runtime, text: str) -> dict[str, Any]:
    """The decision with each candidate's question title, ready for the page."""
    try:
        result = predict(rt, text)
    except Exception as exc:  # a broken content version must not break the page
        log.warning("content tester failed", extra={"error": type(exc).__name__})
        return {"error": str(exc)[:300]}
    entries = figures.entries(rt)
    result["candidates"] = [
        {**c, "question": getattr(entries.get(c.get("faq_id")), "question", "")}
        for c in result.get("candidates", [])
    ]
    chosen = entries.get(result.get("faq_id") or "")
    result["question"] = getattr(chosen, "question", "")
    result["reply"], result["buttons"] = reply_preview(rt, text)
    return result


def nearest_entry(rt: Runtime, text: str) -> dict[str, Any] | None:
    """The best-scoring FAQ entry for a message, with its question, if any scored."""
    try:
        candidates = predict(rt, text).get("candidates") or []
    except Exception:  # no content: no suggestion
        return None
    if not candidates:
        return None
    best = dict(candidates[0])
    best["question"] = getattr(figures.entries(rt).get(best["faq_id"]), "question", "")
    return best


def watcher_status(rt: Runtime) -> dict[str, Any]:
    """Loaded version, last reload and validation errors (file, line, entry, message)."""
    try:
        rt.content()
        return dict(rt.content_watcher.status())
    except Exception as exc:  # nothing valid loaded at all: show why
        return {
            "version": None,
            "errors": [{"file": "", "line": None, "entry": "", "message": str(exc)[:500]}],
        }
