"""`flask --app app zalo tokens`: the token state, never the token values."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from bot.cli.display import duration, local_time

zalo_cli = AppGroup("zalo", help="Kết nối với Official Account trên Zalo.")

STATUS = {
    "ok": "dùng được",
    "expiring": "sắp hết hạn, sẽ được làm mới",
    "dead": "mã làm mới (refresh token) đã hỏng: quản trị viên OA cần cấp quyền lại tại "
    "/zalo/oauth/start",
    "missing": "chưa có: đặt ZALO_ACCESS_TOKEN/ZALO_REFRESH_TOKEN hoặc cấp quyền tại "
    "/zalo/oauth/start",
}
SOURCE = {
    "env": "cặp mã trong biến môi trường (ZALO_ACCESS_TOKEN/ZALO_REFRESH_TOKEN)",
    "oauth": "cặp mã nhận qua cấp quyền OAuth (/zalo/oauth/callback)",
}


@zalo_cli.command("tokens")
@click.option("--json", "as_json", is_flag=True, help="Trạng thái dạng JSON (cho máy đọc).")
def tokens(as_json: bool) -> None:
    """Trạng thái mã truy cập Zalo, không hiện giá trị mã."""
    rt = current_app.extensions["bot"]
    if rt.settings.local_mode:
        click.echo(
            "Chế độ cục bộ: chưa cấu hình Zalo (ZALO_APP_ID, ZALO_APP_SECRET và một cặp mã), "
            "không gửi gì tới Zalo."
        )
        return
    state = rt.tokens.state()
    if as_json:
        click.echo(json.dumps(state, ensure_ascii=False, indent=2))
        return
    click.echo(describe(state, rt.settings.timezone))


def describe(state: dict[str, Any], tz: Any) -> str:
    lines = [f"Trạng thái: {STATUS.get(state['status'], state['status'])}"]
    if state["status"] == "missing":
        return lines[0]
    source = SOURCE.get(state.get("source") or "", "không rõ")
    lines.append(f"Đang dùng: {source}, từ {local_time(state.get('since'), tz)}")
    if state.get("expires_at"):
        left = state.get("seconds_left") or 0
        until = local_time(state["expires_at"], tz)
        lines.append(
            f"Mã truy cập hết hạn lúc {until} (còn {duration(left)})"
            if left > 0
            else f"Mã truy cập đã hết hạn lúc {until}"
        )
    count = state.get("refresh_count") or 0
    if state.get("last_refresh"):
        lines.append(f"Làm mới gần nhất: {local_time(state['last_refresh'], tz)} ({count} lần)")
    else:
        lines.append("Chưa làm mới lần nào")
    if state["status"] == "dead":
        lines.append(
            f"Hỏng từ {local_time(state.get('dead_at'), tz)} (mã lỗi Zalo {state.get('dead_code')})"
        )
    return "\n".join(lines)
