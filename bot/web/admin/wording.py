"""Vietnamese names the console shows for broadcast statuses, recipient states and reasons."""

from __future__ import annotations

from bot.dialogue.wording_broadcasts import HISTORY, STATUS

STATE = {
    "sent": "Đã nhận",
    "pending": "Chờ gửi kèm tin trả lời",
    "failed": "Không gửi được",
    "skipped": "Bỏ qua",
    "expired": "Hết hạn trước khi gửi được",
    "in_progress": "Đang xử lý",
}
# Zalo's codes as documented for the OA API, and the bot's own reasons.
REASON = {
    "cs": "gửi trực tiếp (đã tương tác trong 7 ngày)",
    "template": "gửi bằng mẫu tin đã duyệt",
    "notice": "gửi kèm câu trả lời kế tiếp",
    "window": "quá 7 ngày chưa tương tác với OA",
    "-230": "quá 7 ngày chưa tương tác với OA (mã -230)",
    "-232": "hết thời hạn tương tác (mã -232)",
    "-213": "không còn quan tâm OA (mã -213)",
    "-217": "đã chặn tin từ OA (mã -217)",
    "-227": "tài khoản bị khoá hoặc không hoạt động quá 45 ngày (mã -227)",
    "-244": "đã tắt loại tin này từ OA (mã -244)",
    "-234": "không được gửi ban đêm 22:00–06:00 (mã -234)",
    "-32": "vượt giới hạn gọi API của Zalo (mã -32)",
    "unsubscribed": "đã huỷ đăng ký trước khi gửi",
    "daily-cap": "đã nhận đủ số thông báo trong ngày",
    "cancelled": "thông báo bị huỷ",
    "in-doubt": "không rõ đã nhận chưa (tiến trình dừng giữa chừng) — không gửi lại để tránh trùng",
    "forgotten": "người dân yêu cầu xoá dữ liệu",
    "error": "lỗi hệ thống",
}


def status_name(status: str) -> str:
    return STATUS.get(status, status)


def state_name(state: str) -> str:
    return STATE.get(state, state)


def reason_name(reason: str) -> str:
    if reason in REASON:
        return REASON[reason]
    return f"mã lỗi Zalo {reason}" if reason.lstrip("-").isdigit() else reason


def history_name(action: str) -> str:
    return HISTORY.get(action, action)


INTENT = {
    "faq": "Hỏi đáp (câu hỏi thường gặp)",
    "emergency": "Khẩn cấp: phản ứng nặng sau tiêm",
    "hotline": "Hỏi số điện thoại, đường dây nóng",
    "greeting": "Chào hỏi",
    "thanks": "Cảm ơn",
    "help": "Hỏi cách dùng kênh",
    "subscribe": "Đăng ký nhận tin",
    "unsubscribe": "Huỷ nhận tin",
    "handoff": "Muốn gặp cán bộ",
    "district": "Cho biết huyện/thành phố đang ở",
    "feedback": "Góp ý 👍/👎 cho câu trả lời",
    "pending": "Trả lời câu bot vừa hỏi",
    "fallback": "Chưa hiểu, chuyển câu hỏi cho cán bộ",
}


def intent_name(intent: str) -> str:
    return INTENT.get(intent, intent)
