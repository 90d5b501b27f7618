"""`faq predict` lines and `faq eval` tables: the same code path as a live message."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from bot.content.loader import Content
from bot.dialogue.arbiter import Registry, respond
from bot.dialogue.turn import Thresholds
from bot.model import Session

Prediction = dict[str, Any]
Predictor = Callable[[str], Prediction]


def predict(
    text: str, *, content: Content, now: datetime, thresholds: Thresholds, registry: Registry
) -> Prediction:
    """One message → the §6 JSON object, with a fresh session; nothing is sent or stored.

    Extra keys: `reason` when a fallback has one (`covid_other`: COVID-19 but not
    vaccination), `others` when the message also asked about other entries (offered as buttons).
    """
    d = respond(
        text, registry=registry, session=Session(), content=content, now=now, thresholds=thresholds
    )
    out: Prediction = {
        "text": text,
        "intent": d.intent,
        "action": d.action,
        "faq_id": d.faq_id,
        "score": round(d.score, 1),
        "candidates": [{"faq_id": c.faq_id, "score": round(c.score, 1)} for c in d.candidates],
    }
    if d.intent == "fallback" and d.outcome != "fallback":
        out["reason"] = d.outcome
    if d.also:
        out["others"] = list(d.also)
    return out


def baseline_predictor(content: Content, thresholds: Thresholds) -> Predictor:
    """Plain rapidfuzz WRatio over the question titles only: what the bot must beat."""
    ids = list(content.entries)
    titles = [default_process(content.entries[i].question) for i in ids]

    def run(text: str) -> Prediction:
        found = process.extract(
            default_process(text), titles, scorer=fuzz.WRatio, processor=None, limit=3
        )
        cands: list[dict[str, Any]] = [
            {"faq_id": ids[i], "score": round(s, 1)} for _, s, i in found
        ]
        best: dict[str, Any] = cands[0] if cands else {"faq_id": None, "score": 0.0}
        score = float(best["score"])
        if score >= thresholds.answer:
            out = ("faq", "answer", best["faq_id"])
        elif score >= thresholds.suggest:
            out = ("faq", "clarify", None)
        else:
            out, cands = ("fallback", "answer", None), []
        return {
            "text": text,
            "intent": out[0],
            "action": out[1],
            "faq_id": out[2],
            "score": best["score"],
            "candidates": cands,
        }

    return run


@dataclass(frozen=True)
class Query:
    text: str
    expect: str
    also: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """faq | emergency | fallback | intent."""
        return self.expect.split(":", 1)[0]

    @property
    def accepted(self) -> tuple[str, ...]:
        return (self.expect, *self.also)


def load_queries(path: str | Path) -> list[Query]:
    data = yaml.safe_load(Path(path).read_text("utf-8")) or []
    return [
        Query(str(q["text"]), str(q["expect"]), tuple(str(a) for a in q.get("also") or ()))
        for q in data
    ]


def _label(p: Prediction) -> str:
    """The prediction in the expectation's terms."""
    if p["intent"] == "faq" and p["action"] == "answer":
        return f"faq:{p['faq_id']}"
    if p["intent"] in ("emergency", "fallback"):
        return str(p["intent"])
    if p["intent"] == "faq":
        return "clarify:" + ",".join(c["faq_id"] for c in p["candidates"])
    return f"intent:{p['intent']}"


def _suggested(q: Query, p: Prediction) -> bool:
    """The right entry was offered: among the suggestions, or as the button for another
    question of the message beside the answer to its best one."""
    if p["intent"] != "faq":
        return False
    if p["action"] == "clarify":
        offered = {f"faq:{c['faq_id']}" for c in p["candidates"]}
    else:
        offered = {f"faq:{i}" for i in p.get("others", ())}
    return bool(offered & set(q.accepted))


LENGTHS = (("≤ 80", 0, 80), ("81–160", 81, 160), ("> 160", 161, 10**9))


@dataclass
class Report:
    rows: list[tuple[Query, Prediction, bool]] = field(default_factory=list)

    def _of(self, kind: str) -> list[tuple[Query, Prediction, bool]]:
        return [r for r in self.rows if r[0].kind == kind]

    @staticmethod
    def _rate(rows: Sequence[Any], hit: Callable[[Any], bool]) -> float | None:
        return sum(1 for r in rows if hit(r)) / len(rows) if rows else None

    def metrics(self) -> dict[str, float | None]:
        faq, oos = self._of("faq"), self._of("fallback")
        return {
            "overall": self._rate(self.rows, lambda r: r[2]),
            "faq_top1": self._rate(faq, lambda r: r[2]),
            "faq_top1_or_suggestion": self._rate(faq, lambda r: r[2] or _suggested(r[0], r[1])),
            "emergency_recall": self._rate(self._of("emergency"), lambda r: r[2]),
            "out_of_scope_false_answer": self._rate(
                oos, lambda r: r[1]["action"] == "answer" and r[1]["intent"] != "fallback"
            ),
            "intent_accuracy": self._rate(self._of("intent"), lambda r: r[2]),
        }

    def per_length(self) -> dict[str, tuple[int, int, int, int]]:
        """Per length bucket: (right, messages, FAQ right, FAQ messages)."""
        out: dict[str, tuple[int, int, int, int]] = {}
        for name, low, high in LENGTHS:
            rows = [r for r in self.rows if low <= len(r[0].text) <= high]
            faq = [r for r in rows if r[0].kind == "faq"]
            if rows:
                out[name] = (
                    sum(1 for r in rows if r[2]),
                    len(rows),
                    sum(1 for r in faq if r[2]),
                    len(faq),
                )
        return out

    def per_kind(self) -> dict[str, tuple[int, int]]:
        kinds = sorted({r[0].kind for r in self.rows})
        return {k: (sum(1 for r in self._of(k) if r[2]), len(self._of(k))) for k in kinds}

    @property
    def misses(self) -> list[tuple[Query, Prediction]]:
        return [(q, p) for q, p, ok in self.rows if not ok]


def evaluate(queries: Iterable[Query], predictor: Predictor) -> Report:
    report = Report()
    for q in queries:
        p = predictor(q.text)
        report.rows.append((q, p, _label(p) in q.accepted))
    return report


METRIC_NAMES = {
    "overall": "overall accuracy",
    "faq_top1": "FAQ top-1",
    "faq_top1_or_suggestion": "FAQ top-1 or right suggestion",
    "emergency_recall": "emergency recall",
    "out_of_scope_false_answer": "out-of-scope false answers",
    "intent_accuracy": "intent accuracy",
}


def format_report(report: Report, title: str = "") -> str:
    """A plain-text table: metrics, per-kind accuracy, then every miss."""
    out = [title] if title else []
    for key, value in report.metrics().items():
        shown = "n/a" if value is None else f"{value:.3f}"
        out.append(f"  {METRIC_NAMES[key]:<32} {shown}")
    out.append("  per kind:")
    for kind, (ok, n) in report.per_kind().items():
        out.append(f"    {kind:<10} {ok:>3}/{n:<3} {ok / n:.3f}")
    out.append("  per length (characters): all right · FAQ top-1")
    for name, (ok, n, fok, fn) in report.per_length().items():
        faq = f"{fok:>3}/{fn:<3} {fok / fn:.3f}" if fn else "  n/a"
        out.append(f"    {name:<10} {ok:>3}/{n:<3} {ok / n:.3f}   {faq}")
    out.append(f"  misses ({len(report.misses)}):")
    for q, p in report.misses:
        out.append(f"    {q.text!r}: expected {q.expect}, got {_label(p)} ({p['score']})")
    return "\n".join(out)


def format_summary(report: Report, title: str = "") -> str:
    """The metrics and per-kind and per-length tables, without the misses."""
    full = format_report(report, title)
    return full.split("\n  misses (")[0]
