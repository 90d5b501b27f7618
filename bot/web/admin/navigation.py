"""The console's menu, showing each role only what it may open."""

from __future__ import annotations

from typing import NamedTuple

from bot.services.accounts import Account


class MenuItem(NamedTuple):
    endpoint: str
    label: str
    permission: str
    section: str  # endpoints starting with this belong to the item (marks the current page)


MENU = (
    MenuItem("admin.dashboard", "Tổng quan", "dashboard", "admin.dashboard"),
    MenuItem("admin.broadcast_list", "Thông báo", "broadcasts.view", "admin.broadcast"),
    MenuItem("admin.content_tester", "Thử câu hỏi", "content", "admin.content_tester"),
    MenuItem("admin.content_entries", "Mục hỏi đáp", "content", "admin.content_entr"),
    MenuItem("admin.content_changes", "Chờ duyệt", "content", "admin.content_change"),
    MenuItem("admin.content_status", "Nội dung", "content", "admin.content_status"),
    MenuItem("admin.unanswered", "Câu chưa trả lời", "content", "admin.unanswered"),
    MenuItem("admin.feedback", "Đánh giá", "content", "admin.feedback"),
    MenuItem("admin.accounts", "Tài khoản", "accounts", "admin.account"),
    MenuItem("admin.audit_log", "Nhật ký", "audit", "admin.audit"),
)


def nav_items(account: Account | None, endpoint: str | None) -> list[tuple[str, str, bool]]:
    """(endpoint, label, is the current section) for each item the account may open."""
    if account is None:
        return []
    here = endpoint or ""
    return [
        (item.endpoint, item.label, here.startswith(item.section))
        for item in MENU
        if account.can(item.permission)
    ]
