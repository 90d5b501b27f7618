"""The content API under /admin/api/content: entries, changes for review, history, rollback.

Bearer tokens, the audit of every call and the role table are the officers' API's own
(`bot.web.admin_api`); a change's author can never approve it (403).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, jsonify, request

from bot.content.documents import HOTLINES
from bot.services import accounts
from bot.services import content_changes as svc
from bot.services.runtime import Runtime
from bot.web import admin_api as api

content_api = Blueprint("admin_content_api", __name__, url_prefix="/admin/api/content")
content_api.before_request(api.authenticate)
content_api.after_request(api.audit_call)

F = TypeVar("F", bound=Callable[..., Any])


def _rt() -> Runtime:
    rt: Runtime = current_app.extensions["bot"]
    return rt


def requires(permission: str) -> Callable[[F], F]:
    accounts.PERMISSIONS[permission]

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            role = g.api_officer.role
            if not accounts.allowed(role, permission):
                return jsonify({"error": f"vai trò {role} không được làm việc này"}), 403
            try:
                return view(*args, **kwargs)
            except svc.Invalid as exc:
                return jsonify({"errors": exc.errors}), 422
            except svc.ContentChangeError as exc:
                return jsonify({"error": str(exc)}), exc.status

        return wrapped  # type: ignore[return-value]

    return decorate


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise svc.Invalid(["Hãy gửi một đối tượng JSON."])
    return data


@content_api.get("/entries")
@requires("content")
def list_entries() -> Response:
    rev, snap = svc.live(_rt())
    resp = jsonify(list(snap.entries.values()))
    resp.headers["X-Content-Revision"] = str(rev)
    return resp


@content_api.get("/entries/<entry_id>")
@requires("content")
def show_entry(entry_id: str) -> Response | tuple[Response, int]:
    rev, snap = svc.live(_rt())
    doc = snap.doc(entry_id)
    if doc is None:
        return jsonify({"error": f"Không có mục {entry_id}."}), 404
    resp = jsonify(doc)
    resp.headers["X-Content-Revision"] = str(rev)
    return resp


@content_api.put("/entries/<entry_id>")
@requires("content.edit")
def put_entry(entry_id: str) -> tuple[Response, int]:
    change = svc.propose(_rt(), {entry_id: _body()}, by=g.api_officer.name, kind="edit")
    return jsonify({"change_id": change["id"], "warnings": change["warnings"]}), 202


@content_api.post("/entries")
@requires("content.edit")
def post_entry() -> tuple[Response, int]:
    body = _body()
    entry_id = str(body.get("id") or "")
    if not entry_id or entry_id == HOTLINES:
        raise svc.Invalid(["Mục mới cần có mã (id)."])
    change = svc.propose(_rt(), {entry_id: body}, by=g.api_officer.name, kind="new")
    return jsonify({"change_id": change["id"], "warnings": change["warnings"]}), 202


@content_api.get("/changes")
@requires("content")
def list_changes() -> Response:
    return jsonify(svc.changes(_rt(), request.args.get("status", "")))


@content_api.get("/changes/<change_id>")
@requires("content")
def show_change(change_id: str) -> Response:
    return jsonify(svc.get_change(_rt(), change_id))


@content_api.post("/changes/<change_id>/approve")
@requires("content.review")
def approve_change(change_id: str) -> Response:
    return jsonify(svc.approve(_rt(), change_id, by=g.api_officer.name))


@content_api.post("/changes/<change_id>/reject")
@requires("content.review")
def reject_change(change_id: str) -> Response:
    comment = str(_body().get("comment") or "")
    return jsonify(svc.reject(_rt(), change_id, by=g.api_officer.name, comment=comment))


@content_api.get("/history")
@requires("content")
def history() -> Response:
    entry_id = request.args.get("entry", "")
    if not entry_id:
        raise svc.Invalid(["Hãy chọn mục: ?entry=<mã mục>."])
    rows = svc.history(_rt(), entry_id)
    return jsonify(
        [
            {
                "version": r["version"],
                "author": r["author"],
                "reviewer": r["reviewer"],
                "at": r["at"],
                "kind": r["kind"],
                "revision": r["rev"],
                "change_id": r["change_id"],
                "comment": r["comment"],
                "content": r["value"],
            }
            for r in rows
        ]
    )


@content_api.post("/entries/<entry_id>/rollback")
@requires("content.review")
def rollback(entry_id: str) -> Response:
    version = _body().get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise svc.Invalid(["'version' phải là một số nguyên."])
    return jsonify(svc.rollback(_rt(), entry_id, version, by=g.api_officer.name))
