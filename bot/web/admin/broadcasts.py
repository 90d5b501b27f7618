"""Broadcast pages: list, compose, preview, approve, cancel, live progress, report, CSV."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from bot.services import broadcast_report as reports
from bot.services import broadcasts as service
from bot.services.runtime import Runtime
from bot.services.subscriptions import topics_of
from bot.store.broadcasts import Broadcast
from bot.web.admin import charts, compose, wording
from bot.web.admin.access import audit, current, requires, runtime
from bot.web.admin.blueprint import admin

LIST_LIMIT = 100
PREVIEWABLE = ("draft", "approved", "scheduled")


def _load(rt: Runtime, broadcast_id: str) -> Broadcast:
    try:
        return service.get(rt, broadcast_id)
    except service.BroadcastNotFound:
        abort(404)


def progress(rt: Runtime, b: Broadcast) -> dict[str, Any]:
    """Counts and a one-line summary for the progress bar."""
    counts = reports.counts(rt, b)
    handled = counts["total"] - counts["in_progress"]
    label = (
        f"{handled}/{counts['total']} người đã xử lý: {counts['sent']} đã nhận, "
        f"{counts['pending']} chờ gửi kèm tin trả lời, {counts['failed']} không gửi được, "
        f"{counts['skipped'] + counts['expired']} bỏ qua/hết hạn"
    )
    return {
        "status": b.status,
        "status_name": reports.status_label(rt, b),
        "schedule": reports.schedule_note(rt, b),
        "total": counts["total"],
        "handled": handled,
        "counts": counts,
        "label": label,
    }


def breakdown(p: dict[str, Any]) -> Markup:
    """The recipients split by state, as one bar with a legend."""
    c = p["counts"]
    parts = [
        (wording.state_name("sent"), c["sent"], "sent"),
        (wording.state_name("pending"), c["pending"], "pending"),
        (wording.state_name("failed"), c["failed"], "failed"),
        ("Bỏ qua hoặc hết hạn", c["skipped"] + c["expired"], "skipped"),
        (wording.state_name("in_progress"), c["in_progress"], "waiting"),
    ]
    return charts.shares(parts, "Người nhận theo tình trạng")


@admin.get("/broadcasts")
@requires("broadcasts.view")
def broadcast_list() -> str:
    rt = runtime()
    items = service.list_broadcasts(rt, LIST_LIMIT)
    topics = topics_of(rt)
    rows = [
        {
            "b": b,
            "progress": progress(rt, b),
            "topic": topics.topic_name(b.topic),
            "districts": [topics.district_name(d) for d in b.districts],
        }
        for b in items
    ]
    return render_template("admin/broadcasts.html", rows=rows, wording=wording)


@admin.get("/broadcasts/new")
@requires("broadcasts.create")
def broadcast_new() -> str:
    rt = runtime()
    return render_template("admin/broadcast_new.html", **compose.form_context(rt, compose.Draft()))


@admin.post("/broadcasts/new")
@requires("broadcasts.create")
def broadcast_create() -> tuple[str, int] | Response:
    rt = runtime()
    draft = compose.check(rt, compose.read(request.form))
    if not draft.errors:
        try:
            b = service.create(
                rt,
                topic=draft.topic,
                text=draft.text,
                by=current().name,
                districts=draft.districts,
                at=draft.send_at or None,
                expires=draft.expires or None,
            )
        except service.BroadcastError as exc:
            draft.errors["form"] = f"Không lưu được: {exc}"
        else:
            audit("broadcast.create", b.id, f"topic={b.topic}")
            flash("Đã lưu bản nháp. Kiểm tra phần xem trước, rồi nhờ một người khác duyệt.", "ok")
            return redirect(url_for("admin.broadcast_detail", broadcast_id=b.id))
    context = compose.form_context(rt, draft)
    return render_template("admin/broadcast_new.html", **context), 422


@admin.get("/broadcasts/<broadcast_id>")
@requires("broadcasts.view")
def broadcast_detail(broadcast_id: str) -> str:
    rt = runtime()
    b = _load(rt, broadcast_id)
    topics = topics_of(rt)
    me = current()
    four_eyes = rt.settings.broadcast_four_eyes
    shown = progress(rt, b)
    return render_template(
        "admin/broadcast_detail.html",
        b=b,
        topic=topics.topic_name(b.topic),
        districts=[topics.district_name(d) for d in b.districts],
        audience=service.preview(rt, b.id) if b.status in PREVIEWABLE else None,
        progress=shown,
        breakdown=breakdown(shown) if b.total else None,
        history=reports.show(rt, b.id)["history"],
        wording=wording,
        own=four_eyes and service.same_person(b.created_by, me.name),
        can_approve=me.can("broadcasts.approve") and b.status == "draft",
        can_cancel=me.can("broadcasts.cancel") and b.status in service.CANCELLABLE,
    )


@admin.post("/broadcasts/<broadcast_id>/approve")
@requires("broadcasts.approve")
def broadcast_approve(broadcast_id: str) -> Response:
    rt = runtime()
    b = _load(rt, broadcast_id)
    if rt.settings.broadcast_four_eyes and service.same_person(b.created_by, current().name):
        audit("broadcast.approve", b.id, "own broadcast", outcome="refused")
        flash(
            "Bạn đã soạn thông báo này nên không thể tự duyệt; cần một người duyệt khác.", "error"
        )
        return redirect(url_for("admin.broadcast_detail", broadcast_id=b.id))
    try:
        service.approve(rt, b.id, by=current().name)
    except service.BroadcastError as exc:
        audit("broadcast.approve", b.id, str(exc), outcome="refused")
        flash(f"Không duyệt được: {exc}", "error")
    else:
        audit("broadcast.approve", b.id)
        flash("Đã duyệt. Thông báo sẽ được gửi khi đến giờ.", "ok")
    return redirect(url_for("admin.broadcast_detail", broadcast_id=b.id))


@admin.post("/broadcasts/<broadcast_id>/cancel")
@requires("broadcasts.cancel")
def broadcast_cancel(broadcast_id: str) -> Response:
    rt = runtime()
    b = _load(rt, broadcast_id)
    try:
        service.cancel(rt, b.id, by=current().name)
    except service.BroadcastError as exc:
        audit("broadcast.cancel", b.id, str(exc), outcome="refused")
        flash(f"Không huỷ được: {exc}", "error")
    else:
        audit("broadcast.cancel", b.id)
        flash("Đã huỷ thông báo. Những người chưa nhận sẽ không nhận nữa.", "ok")
    return redirect(url_for("admin.broadcast_detail", broadcast_id=b.id))


@admin.get("/broadcasts/<broadcast_id>/progress")
@requires("broadcasts.view")
def broadcast_progress(broadcast_id: str) -> Response:
    rt = runtime()
    return jsonify(progress(rt, _load(rt, broadcast_id)))


@admin.get("/broadcasts/<broadcast_id>/report")
@requires("broadcasts.view")
def broadcast_report(broadcast_id: str) -> str:
    rt = runtime()
    b = _load(rt, broadcast_id)
    data = reports.report(rt, b.id)
    return render_template(
        "admin/broadcast_report.html", b=b, report=data, progress=progress(rt, b), wording=wording
    )


@admin.get("/broadcasts/<broadcast_id>/recipients.csv")
@requires("broadcasts.view")
def broadcast_csv(broadcast_id: str) -> Response:
    rt = runtime()
    b = _load(rt, broadcast_id)
    audit("broadcast.export", b.id, "csv")
    body = reports.recipients_csv(rt, b.id)
    headers = {"Content-Disposition": f'attachment; filename="thong-bao-{b.id}-nguoi-nhan.csv"'}
    # A byte-order mark so spreadsheet programs on office PCs read the file as UTF-8.
    return Response("\ufeff" + body, mimetype="text/csv", headers=headers)
