"""FAQ entries in the console: list, entry page, editor with live checking and "Thử câu hỏi" on
the draft, changes waiting for medical review with a field-by-field diff, history and rollback."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from bot.content.documents import ENTRY_FIELDS, HOTLINES, Doc, dump_yaml, field_diffs, jsonable
from bot.content.loader import load_groups
from bot.language.lexicon import fold
from bot.language.mask import mask_numbers
from bot.services import content_changes as svc
from bot.services.runtime import Runtime
from bot.web.admin import tester
from bot.web.admin.access import audit, current, requires, runtime
from bot.web.admin.blueprint import admin

DUE_SOON_DAYS = 30
MAX_TRY = 500


# the list -----------------------------------------------------------------------------------
def _folded(text: str) -> str:
    return fold(" ".join(str(text).lower().split()))


def _review_state(review_by: Any, today: date) -> str:
    try:
        day = date.fromisoformat(str(review_by))
    except ValueError:
        return "none"
    if day < today:
        return "overdue"
    return "soon" if day <= today + timedelta(days=DUE_SOON_DAYS) else "ok"


def _answers_this_month(rt: Runtime, today: date) -> dict[str, int]:
    counts: dict[str, int] = {}
    with rt.redis.pipeline(transaction=False) as pipe:
        for d in range(1, today.day + 1):
            pipe.hgetall(rt.keys.stats(today.replace(day=d).isoformat()))
        days = pipe.execute()
    for fields in days:
        for key, value in (fields or {}).items():
            if str(key).startswith("faq:"):
                counts[str(key)[4:]] = counts.get(str(key)[4:], 0) + int(value)
    return counts


def _feedback(rt: Runtime, ids: list[str]) -> dict[str, dict[str, int]]:
    with rt.redis.pipeline(transaction=False) as pipe:
        for faq_id in ids:
            pipe.hgetall(rt.keys.feedback(faq_id))
        rows = pipe.execute()
    return {i: {k: int(v) for k, v in (r or {}).items()} for i, r in zip(ids, rows, strict=True)}


def _live(rt: Runtime) -> tuple[int, Any]:
    try:
        return svc.live(rt)
    except svc.ContentChangeError as exc:
        abort(409, description=str(exc))


@admin.get("/content/entries")
@requires("content")
def content_entries() -> str:
    rt = runtime()
    rev, snap = _live(rt)
    q, group = request.args.get("q", "").strip()[:200], request.args.get("group", "")
    today = rt.now().date()
    answered = _answers_this_month(rt, today)
    votes = _feedback(rt, list(snap.entries))
    needle = _folded(q)
    rows = []
    for entry in snap.entries.values():
        if group and entry.get("group") != group:
            continue
        if needle:
            fields = [entry.get("id", ""), entry.get("question", ""), entry.get("title", "")]
            fields += [*entry.get("variants", []), entry.get("answer", "")]
            if not any(needle in _folded(f) for f in fields):
                continue
        rows.append(
            {
                "id": entry["id"],
                "question": entry.get("question", ""),
                "group": entry.get("group", ""),
                "review_by": entry.get("review_by", ""),
                "review_state": _review_state(entry.get("review_by"), today),
                "up": votes[entry["id"]].get("up", 0),
                "down": votes[entry["id"]].get("down", 0),
                "answered": answered.get(entry["id"], 0),
            }
        )
    pending = svc.changes(rt, "pending")
    return render_template(
        "admin/content_entries.html",
        rows=rows, rev=rev, q=q, group=group, groups=load_groups(), pending=len(pending),
        total=len(snap.entries),
    )  # fmt: skip


# one entry ----------------------------------------------------------------------------------
def _resident_view(rt: Runtime, entry_id: str) -> str:
    """The answer as the served content renders it for a resident."""
    from bot.dialogue import render

    try:
        content = rt.content()
    except Exception:  # no good version loaded: the page shows the stored fields only
        return ""
    entry = content.entries.get(entry_id)
    if entry is None:
        return ""
    related = [content.entries[r] for r in entry.related if r in content.entries]
    return render.plain_text(render.answer(entry, related))


@admin.get("/content/entries/<entry_id>")
@requires("content")
def content_entry(entry_id: str) -> str:
    rt = runtime()
    rev, snap = _live(rt)
    doc = snap.doc(entry_id)
    if doc is None:
        abort(404)
    pending = [c for c in svc.changes(rt, "pending") if entry_id in c.get("docs", {})]
    versions = svc.store(rt).version_count(entry_id)
    return render_template(
        "admin/content_entry.html",
        entry_id=entry_id, doc=doc, rev=rev, pending=pending, versions=versions,
        resident=_resident_view(rt, entry_id) if entry_id != HOTLINES else "",
        yaml_text=dump_yaml(doc) if entry_id == HOTLINES else "",
        groups=load_groups(),
    )  # fmt: skip


# the editor -----------------------------------------------------------------------------------
def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def form_of(doc: Doc) -> dict[str, str]:
    """An entry as the editor's fields (lists one item per line)."""
    links = [f"{x.get('title', '')} | {x.get('url', '')}" for x in doc.get("links") or []]
    return {
        "id": str(doc.get("id", "")),
        "group": str(doc.get("group", "")),
        "question": str(doc.get("question", "")),
        "title": str(doc.get("title", "")),
        "variants": "\n".join(doc.get("variants") or []),
        "answer": str(doc.get("answer", "")),
        "details": str(doc.get("details", "")),
        "source": str(doc.get("source", "")),
        "references": "\n".join(doc.get("references") or []),
        "related": "\n".join(doc.get("related") or []),
        "links": "\n".join(links),
        "reviewed": str(doc.get("reviewed", "")),
        "review_by": str(doc.get("review_by", "")),
    }


def doc_of(form: MultiDict[str, str], base: Doc) -> Doc:
    """The editor's fields as an entry; fields the form does not show are kept from `base`."""
    values: dict[str, Any] = {}
    for key in ("id", "group", "question", "title", "answer", "details", "source"):
        values[key] = form.get(key, "").replace("\r\n", "\n").strip()
    for key in ("variants", "references", "related"):
        values[key] = _lines(form.get(key, ""))
    links = []
    for line in _lines(form.get("links", "")):
        title, sep, url = line.rpartition("|")
        links.append(
            {"title": title.strip(), "url": url.strip()} if sep else {"title": "", "url": line}
        )
    values["links"] = links
    for key in ("reviewed", "review_by"):
        values[key] = form.get(key, "").strip()
    doc = {k: v for k, v in base.items() if k not in values}
    ordered: Doc = {}
    for key in [*ENTRY_FIELDS, *doc]:
        value = values.get(key, doc.get(key))
        if key in values and value in ("", []) and key != "variants":
            continue
        if key in values or key in doc:
            ordered[key] = value
    return ordered


def _hotlines_doc(form: MultiDict[str, str]) -> Doc:
    from bot.content.lines import load_strict

    try:
        data = load_strict(form.get("yaml", "").replace("\r\n", "\n"))
    except Exception as exc:  # a YAML error of any kind: shown on the form
        raise svc.Invalid([f"YAML không đọc được: {exc}"]) from exc
    if not isinstance(data, dict):
        raise svc.Invalid(["hotlines.yaml phải có 'version', 'lines' và 'districts'."])
    return dict(jsonable(data))


def _draft(entry_id: str, form: MultiDict[str, str], base: Doc) -> tuple[str, Doc]:
    if entry_id == HOTLINES:
        return HOTLINES, _hotlines_doc(form)
    doc = doc_of(form, base)
    return str(doc.get("id") or entry_id), doc


def _check(rt: Runtime, name: str, doc: Doc) -> svc.Validation:
    _, snap = _live(rt)
    return svc.validate(snap.with_docs({name: doc}), {name: doc})


def _try(rt: Runtime, checked: svc.Validation, text: str) -> dict[str, Any]:
    """The bot's understanding of `text` on the draft content: which entry, with what score."""
    from bot.dialogue.evaluation import predict
    from intents import REGISTRY

    if checked.content is None:
        return {"error": "Bản nháp còn lỗi nên chưa thử được; sửa các lỗi bên dưới trước."}
    result = dict(
        predict(
            text,
            content=checked.content,
            now=rt.now(),
            thresholds=tester._thresholds(rt),
            registry=REGISTRY,
        )
    )
    entries = checked.content.entries
    result["question"] = getattr(entries.get(result.get("faq_id") or ""), "question", "")
    result["candidates"] = [
        {**c, "question": getattr(entries.get(c.get("faq_id")), "question", "")}
        for c in result.get("candidates", [])
    ]
    return result


def _editor(entry_id: str, new: bool, **values: Any) -> str:
    return render_template(
        "admin/content_edit.html", entry_id=entry_id, new=new, groups=load_groups(),
        is_hotlines=entry_id == HOTLINES, **values,
    )  # fmt: skip


@admin.get("/content/entries/new")
@requires("content.edit")
def content_entry_new() -> str:
    form = form_of({"group": request.args.get("group", "")})
    return _editor("", True, form=form, errors=[], warnings=[], result=None, try_text="")


@admin.get("/content/entries/<entry_id>/edit")
@requires("content.edit")
def content_entry_edit(entry_id: str) -> str:
    rt = runtime()
    _, snap = _live(rt)
    doc = snap.doc(entry_id)
    if doc is None:
        abort(404)
    redo = request.args.get("from_change", "")
    if redo:
        change = svc.store(rt).change(redo)
        if change and isinstance(change.get("docs", {}).get(entry_id), dict):
            doc = change["docs"][entry_id]
    added = mask_numbers(request.args.get("add_variant", "").strip())[:MAX_TRY]
    if added and entry_id != HOTLINES:
        doc = {**doc, "variants": [*doc.get("variants", []), added]}
    form = form_of(doc) if entry_id != HOTLINES else {"yaml": dump_yaml(doc)}
    return _editor(entry_id, False, form=form, errors=[], warnings=[], result=None, try_text=added)


@admin.post("/content/entries/<entry_id>/edit")
@admin.post("/content/entries/new", defaults={"entry_id": ""})
@requires("content.edit")
def content_entry_save(entry_id: str) -> str | Response:
    rt = runtime()
    new = entry_id == ""
    _, snap = _live(rt)
    base = snap.doc(entry_id) if not new else {}
    if base is None:
        abort(404)
    action = request.form.get("action", "check")
    form = dict(request.form) if entry_id != HOTLINES else {"yaml": request.form.get("yaml", "")}
    try_text = request.form.get("try_text", "").strip()[:MAX_TRY]
    try:
        name, doc = _draft(entry_id, request.form, base)
    except svc.Invalid as exc:
        return _editor(entry_id, new, form=form, errors=exc.errors, warnings=[], result=None,
                       try_text=try_text)  # fmt: skip
    if action == "submit":
        try:
            change = svc.propose(rt, {name: doc}, by=current().name, kind="new" if new else "edit")
        except svc.Invalid as exc:
            errors = exc.errors
        except svc.ContentChangeError as exc:
            errors = [str(exc)]
        else:
            flash(f"Đã gửi thay đổi số {change['id']} để duyệt chuyên môn.", "ok")
            return redirect(url_for("admin.content_change", change_id=change["id"]))
        return _editor(entry_id, new, form=form, errors=errors, warnings=[], result=None,
                       try_text=try_text)  # fmt: skip
    checked = _check(rt, name, doc)
    result = None
    if action == "try" and try_text:
        result = _try(rt, checked, try_text)
        audit("content.try", name, f"draft faq={result.get('faq_id') or ''}")
    return _editor(
        entry_id, new, form=form, errors=[svc.issue_text(i) for i in checked.errors],
        warnings=[svc.issue_text(i) for i in checked.warnings], result=result, try_text=try_text,
    )  # fmt: skip


@admin.post("/content/entries/<entry_id>/check")
@admin.post("/content/entries/new/check", defaults={"entry_id": ""})
@requires("content.edit")
def content_entry_check(entry_id: str) -> Response:
    """Live checking while typing (JSON): the same validator as `faq check`."""
    rt = runtime()
    _, snap = _live(rt)
    base = snap.doc(entry_id) if entry_id else {}
    if base is None:
        abort(404)
    try:
        name, doc = _draft(entry_id, request.form, base)
    except svc.Invalid as exc:
        return jsonify({"errors": exc.errors, "warnings": []})
    checked = _check(rt, name, doc)
    return jsonify(
        {
            "errors": [svc.issue_text(i) for i in checked.errors],
            "warnings": [svc.issue_text(i) for i in checked.warnings],
        }
    )


@admin.get("/content/add-variant")
@requires("content.edit")
def content_add_variant() -> Response:
    """From the unanswered questions: open the chosen entry's editor with the question added."""
    entry_id = request.args.get("entry", "")
    text = request.args.get("text", "")
    if not entry_id:
        return redirect(url_for("admin.unanswered"))
    return redirect(url_for("admin.content_entry_edit", entry_id=entry_id, add_variant=text))


# review ---------------------------------------------------------------------------------------
@admin.get("/content/changes")
@requires("content")
def content_changes() -> str:
    rows = svc.changes(runtime())
    rows.sort(key=lambda c: c.get("status") != "pending")
    return render_template("admin/content_changes.html", rows=rows, kinds=svc.KIND_NAMES)


def _change_or_404(rt: Runtime, change_id: str) -> dict[str, Any]:
    try:
        return svc.get_change(rt, change_id)
    except svc.ChangeNotFound:
        abort(404)


@admin.get("/content/changes/<change_id>")
@requires("content")
def content_change(change_id: str) -> str:
    rt = runtime()
    change = _change_or_404(rt, change_id)
    st = svc.store(rt)
    docs = []
    for name, value in change.get("docs", {}).items():
        before = _before(st.history(name), change, name)
        docs.append(
            {
                "name": name,
                "diffs": field_diffs(before, value),
                "is_new": before is None,
                "removed": value is None,
            }
        )
    return render_template(
        "admin/content_change.html", change=change, docs=docs, kinds=svc.KIND_NAMES,
        is_author=current().name == change.get("author"),
    )  # fmt: skip


def _before(rows: list[dict[str, Any]], change: dict[str, Any], name: str) -> Doc | None:
    """What the document was before the change: the version it went live over, once approved;
    the version it was written on, while it waits."""
    for i, row in enumerate(rows):
        if row.get("change_id") == change["id"]:
            return rows[i - 1]["value"] if i else None
    base = int(change.get("base", {}).get(name, 0))
    return rows[base - 1]["value"] if 0 < base <= len(rows) else None


def _decide(change_id: str, action: str) -> Response:
    rt = runtime()
    who = current().name
    try:
        if action == "approve":
            done = svc.approve(rt, change_id, by=who)
            flash(f"Đã duyệt: thay đổi đã có hiệu lực (phiên bản nội dung {done['rev']}).", "ok")
        else:
            svc.reject(rt, change_id, by=who, comment=request.form.get("comment", ""))
            flash("Đã trả lại thay đổi cho người soạn kèm góp ý.", "ok")
    except svc.Invalid as exc:
        for error in exc.errors:
            flash(error, "error")
    except svc.ContentChangeError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.content_change", change_id=change_id))


@admin.post("/content/changes/<change_id>/approve")
@requires("content.review")
def content_change_approve(change_id: str) -> Response:
    return _decide(change_id, "approve")


@admin.post("/content/changes/<change_id>/reject")
@requires("content.review")
def content_change_reject(change_id: str) -> Response:
    return _decide(change_id, "reject")


# history --------------------------------------------------------------------------------------
@admin.get("/content/entries/<entry_id>/history")
@requires("content")
def content_history(entry_id: str) -> str:
    rt = runtime()
    try:
        rows = list(reversed(svc.store(rt).history(entry_id)))
    except svc.ChangeNotFound:
        abort(404)
    if not rows:
        abort(404)
    versions = []
    for i, row in enumerate(rows):
        older = rows[i + 1]["value"] if i + 1 < len(rows) else None
        diffs = field_diffs(older, row["value"]) if i + 1 < len(rows) else []
        versions.append({**row, "diffs": diffs, "live": i == 0, "first": i + 1 == len(rows)})
    return render_template(
        "admin/content_history.html", entry_id=entry_id, versions=versions, kinds=svc.KIND_NAMES
    )


@admin.post("/content/entries/<entry_id>/rollback")
@requires("content.review")
def content_rollback(entry_id: str) -> Response:
    rt = runtime()
    try:
        version = int(request.form.get("version", ""))
        svc.rollback(rt, entry_id, version, by=current().name)
        flash(f"Đã quay lại bản {version}: bản này đang được dùng.", "ok")
    except ValueError:
        flash("Chọn một bản để quay lại.", "error")
    except svc.Invalid as exc:
        for error in exc.errors:
            flash(error, "error")
    except svc.ContentChangeError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.content_history", entry_id=entry_id))
