"""Content tools for health staff: the question tester, content status, unanswered questions,
residents' feedback per entry."""

from __future__ import annotations

from flask import render_template, request

from bot.language.mask import mask_numbers
from bot.store.stats import Stats
from bot.web.admin import figures, snippets, tester, wording
from bot.web.admin.access import audit, requires, runtime
from bot.web.admin.blueprint import admin

MAX_QUESTION = 500
UNANSWERED_SHOWN = 100


@admin.get("/content/test")
@requires("content")
def content_tester() -> str:
    return render_template("admin/content_tester.html", text="", result=None, wording=wording)


@admin.post("/content/test")
@requires("content")
def content_tester_run() -> str:
    text = request.form.get("text", "").strip()[:MAX_QUESTION]
    rt = runtime()
    result = tester.try_question(rt, text) if text else None
    if result is not None:
        # The question may be a resident's own words: the audit keeps only what was decided.
        audit("content.test", result.get("faq_id") or "", f"intent={result.get('intent')}")
    return render_template("admin/content_tester.html", text=text, result=result, wording=wording)


@admin.get("/content")
@requires("content")
def content_status() -> str:
    rt = runtime()
    content = figures.content_or_none(rt)
    status = tester.watcher_status(rt)
    entries = getattr(content, "entries", {}) if content is not None else {}
    return render_template(
        "admin/content_status.html",
        status=status,
        entry_count=len(entries),
        hotline_count=len(getattr(content, "hotlines", ())),
        settings=rt.settings,
    )


# What the bot did instead of answering from the FAQ, as staff read it.
BOT_DID = {
    "fallback": "Bot xin lỗi, chưa có câu trả lời",
    "covid_other": "Bot báo ngoài phạm vi (COVID-19 nhưng không về tiêm)",
    "clarify": "Bot chưa chắc, đưa gợi ý để người dân chọn",
    "greeting": "Bot chỉ chào lại",
    "thanks": "Bot chỉ đáp lời cảm ơn",
    "help": "Bot gửi danh mục hướng dẫn",
}


@admin.get("/content/unanswered")
@requires("content")
def unanswered() -> str:
    rt = runtime()
    content = figures.content_or_none(rt)
    rows = []
    stats = Stats(rt.redis, rt.keys)
    found = stats.unanswered(UNANSWERED_SHOWN)
    did = stats.unanswered_did([text for text, _ in found])
    for (text, count), action in zip(found, did, strict=True):
        masked = mask_numbers(text)  # stored masked already; masked again in case of old data
        nearest = tester.nearest_entry(rt, masked) if content is not None else None
        rows.append(
            {
                "text": masked,
                "count": count,
                "did": BOT_DID.get(action, action),
                "nearest": nearest,
                "snippet": snippets.variant_snippet(masked, nearest, content),
            }
        )
    choices = [(e.id, e.question) for e in getattr(content, "entries", {}).values()]
    return render_template("admin/unanswered.html", rows=rows, entry_choices=choices)


@admin.get("/content/feedback")
@requires("content")
def feedback() -> str:
    rt = runtime()
    stats = Stats(rt.redis, rt.keys)
    rows = []
    for faq_id, entry in figures.entries(rt).items():
        votes = stats.feedback_of(faq_id)
        up, down = votes.get("up", 0), votes.get("down", 0)
        rows.append({"id": faq_id, "question": entry.question, "up": up, "down": down})
    rows.sort(key=lambda r: (-r["down"], -(r["up"] + r["down"]), r["id"]))
    return render_template("admin/feedback.html", rows=rows)
