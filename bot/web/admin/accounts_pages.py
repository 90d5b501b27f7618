"""Admin pages: console accounts and the audit log."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.services import accounts
from bot.web.admin.access import current, requires, runtime
from bot.web.admin.blueprint import admin


@admin.get("/accounts", endpoint="accounts")
@requires("accounts")
def accounts_page() -> str:
    rows = accounts.list_users(runtime())
    return render_template(
        "admin/accounts.html", rows=rows, roles=accounts.ROLES, role_names=accounts.ROLE_NAMES
    )


@admin.post("/accounts")
@requires("accounts")
def account_add() -> Response:
    form = request.form
    try:
        made = accounts.add_user(
            runtime(),
            form.get("name", ""),
            form.get("role", ""),
            form.get("password", ""),
            by=current().name,
        )
        flash(f"Đã tạo tài khoản {made.name}.", "ok")
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.accounts"))


@admin.post("/accounts/<name>/remove")
@requires("accounts")
def account_remove(name: str) -> Response:
    if name == current().name:
        flash("Không thể tự xoá tài khoản đang đăng nhập.", "error")
        return redirect(url_for("admin.accounts"))
    try:
        accounts.remove_user(runtime(), name, by=current().name)
        flash(f"Đã xoá tài khoản {name}.", "ok")
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.accounts"))


@admin.post("/accounts/<name>/password")
@requires("accounts")
def account_password(name: str) -> Response:
    try:
        accounts.set_password(runtime(), name, request.form.get("password", ""), by=current().name)
        flash(f"Đã đặt mật khẩu mới cho {name}.", "ok")
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.accounts"))


@admin.get("/audit")
@requires("audit")
def audit_log() -> str:
    return render_template("admin/audit.html", rows=accounts.audit_entries(runtime(), 300))
