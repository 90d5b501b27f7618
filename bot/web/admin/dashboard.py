"""The dashboard: messages per day, outcome shares, top topics, subscribers, system health."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from bot.services.runtime import Runtime
from bot.store.stats import Stats
from bot.web.admin import charts, figures
from bot.web.admin.access import requires, runtime
from bot.web.admin.blueprint import admin
from bot.web.health import health_report

DAYS = 14
TOP_TOPICS = 8
OUTCOMES = (
    ("answered", "Trả lời được"),
    ("clarified", "Gợi ý để chọn"),
    ("fallback", "Chưa trả lời được"),
    ("emergency", "Cấp cứu"),
)


@admin.get("/")
def home() -> Response:
    return redirect(url_for("admin.dashboard"))


@admin.get("/dashboard")
@requires("dashboard")
def dashboard() -> str:
    rt = runtime()
    days = last_days(rt.now().date(), DAYS)
    daily = [Stats(rt.redis, rt.keys).day(d.isoformat()) for d in days]
    report, problems = health_report(rt)
    subscribers = figures.subscriber_counts(rt)
    return render_template(
        "admin/dashboard.html",
        days=DAYS,
        today=daily[-1].get("messages", 0),
        week=sum(d.get("messages", 0) for d in daily[-7:]),
        messages_chart=charts.columns(
            [(d.strftime("%d/%m"), c.get("messages", 0)) for d, c in zip(days, daily, strict=True)],
            f"Số tin nhắn người dân gửi mỗi ngày, {DAYS} ngày gần nhất",
        ),
        outcome_chart=charts.shares(outcome_shares(daily), "Tỉ lệ kết quả trả lời"),
        topics_chart=charts.rows(top_topics(rt, daily), "Chủ đề được hỏi nhiều nhất"),
        subscribers=subscribers,
        subscriber_charts=[
            (topic, charts.rows(rows, f"Số người đăng ký {topic['name']} theo huyện"))
            for topic, rows in subscribers["by_district"]
        ],
        health=health_tiles(rt, report),
        problems=problems,
    )


def last_days(today: date, count: int) -> list[date]:
    return [today - timedelta(days=count - 1 - i) for i in range(count)]


def outcome_shares(daily: list[dict[str, int]]) -> list[tuple[str, int, str]]:
    totals: Counter[str] = Counter()
    for counters in daily:
        for key, value in counters.items():
            if key.startswith("outcome:"):
                totals[key.removeprefix("outcome:")] += value
    named = [(label, totals.pop(key, 0), key) for key, label in OUTCOMES]
    return [*named, ("Khác (lệnh, chuyển cán bộ…)", sum(totals.values()), "other")]


def top_topics(rt: Runtime, daily: list[dict[str, int]]) -> list[tuple[str, int]]:
    totals: Counter[str] = Counter()
    for counters in daily:
        for key, value in counters.items():
            if key.startswith("faq:"):
                totals[key.removeprefix("faq:")] += value
    entries = figures.entries(rt)
    return [
        (getattr(entries.get(faq_id), "question", faq_id), n)
        for faq_id, n in totals.most_common(TOP_TOPICS)
    ]


def health_tiles(rt: Runtime, report: dict[str, Any]) -> list[dict[str, str]]:
    """Zalo token, workers, queue, content and Redis as (label, value, level) tiles."""
    tiles = [_token_tile(report.get("token"), rt.settings.local_mode)]
    workers = report.get("workers") or {}
    live = int(workers.get("live", 0))
    age = workers.get("heartbeat_age")
    tiles.append(
        {
            "label": "Tiến trình xử lý (worker)",
            "value": f"{live} đang chạy",
            "note": f"nhịp gần nhất {age:.0f} giây trước" if age is not None else "chưa có nhịp",
            "level": "ok" if live else "bad",
        }
    )
    queue = report.get("queue") or {}
    waiting = int(queue.get("unprocessed", 0))
    tiles.append(
        {
            "label": "Tin chờ xử lý",
            "value": str(waiting),
            "note": "",
            "level": "ok" if waiting < 100 else "warn",
        }
    )
    content = report.get("content") or {}
    errors = content.get("errors") or []
    tiles.append(
        {
            "label": "Nội dung hỏi đáp",
            "value": _version_text(content.get("version")),
            "note": f"{len(errors)} lỗi trong bản sửa mới" if errors else "hợp lệ",
            "level": "bad" if not content.get("version") else "warn" if errors else "ok",
        }
    )
    redis_ok = (report.get("redis") or {}).get("ok")
    tiles.append(
        {
            "label": "Cơ sở dữ liệu Redis",
            "value": "hoạt động" if redis_ok else "mất kết nối",
            "note": "",
            "level": "ok" if redis_ok else "bad",
        }
    )
    return tiles


TOKEN_WORDS = {
    "ok": ("còn hạn", "ok"),
    "expiring": ("sắp hết hạn, đang làm mới", "warn"),
    "dead": ("hỏng — cần cấp quyền lại", "bad"),
    "missing": ("chưa có", "bad"),
}


def _token_tile(token: dict[str, Any] | None, local_mode: bool) -> dict[str, str]:
    label = "Mã truy cập Zalo"
    if local_mode:
        return {
            "label": label,
            "value": "chế độ thử",
            "level": "warn",
            "note": "chưa cấu hình Zalo, tin trả lời vào trang /sandbox",
        }
    status = str((token or {}).get("status", "missing"))
    words, level = TOKEN_WORDS.get(status, (status, "warn"))
    left = (token or {}).get("seconds_left")
    note = f"còn {int(left) // 3600} giờ {int(left) % 3600 // 60} phút" if left and left > 0 else ""
    return {"label": label, "value": words, "note": note, "level": level}


def _version_text(version: object) -> str:
    """ "faq 2026.11.27 · hotlines 2026.11.27" as staff read it."""
    if not version:
        return "chưa nạp"
    names = {"faq": "hỏi đáp", "hotlines": "số điện thoại"}
    parts = []
    for part in str(version).split(" · "):
        kind, _, number = part.partition(" ")
        parts.append(f"{names[kind]} {number}" if kind in names and number else part)
    return " · ".join(parts)
