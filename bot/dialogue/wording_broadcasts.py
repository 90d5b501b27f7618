"""What residents read about subscriptions and announcements: confirmations, lists, notices."""

from __future__ import annotations

from collections.abc import Sequence

from bot.model import Button, Reply

MAX_TEXT = 2000
NOTICE_PREFIX = "Bạn có 1 thông báo mới:"
STOP_HINT = 'Nhắn "#huy" bất cứ lúc nào để ngừng nhận tin.'


def where(district_name: str | None) -> str:
    """ " ở huyện Hải Hậu", or " trên toàn tỉnh" for a district-wise topic with no district."""
    return f" ở {district_name}" if district_name else " trên toàn tỉnh"


def _scope(district_name: str | None, by_district: bool) -> str:
    return where(district_name) if by_district else ""


def subscribed(topic_name: str, district_name: str | None, *, by_district: bool) -> Reply:
    text = (
        f"Đã đăng ký nhận {topic_name}{_scope(district_name, by_district)}. "
        f"Bạn sẽ nhận thông báo khi có tin mới.\n{STOP_HINT}"
    )
    return Reply(text)


def already_subscribed(topic_name: str, district_name: str | None, *, by_district: bool) -> Reply:
    text = (
        f"Bạn đã đăng ký nhận {topic_name}{_scope(district_name, by_district)} từ trước rồi ạ. "
        f"Bot sẽ gửi khi có tin mới.\n{STOP_HINT}"
    )
    return Reply(text)


def subscriptions_full() -> Reply:
    return Reply(
        'Bạn đã đăng ký quá nhiều mục. Nhắn "#tin" để xem các mục đang nhận, '
        '"#huy" để ngừng nhận tất cả rồi đăng ký lại.'
    )


def unknown_topic(choices: Sequence[tuple[str, str]]) -> Reply:
    """choices: (topic id, topic name)."""
    lines = [f'• {name}: nhắn "#dangky {tid}"' for tid, name in choices]
    text = "Dạ, bot chưa có mục tin này. Bạn có thể đăng ký:\n" + "\n".join(lines)
    return Reply(text, offer_buttons(choices))


def unknown_district(topic_name: str, district_names: Sequence[str]) -> Reply:
    names = ", ".join(district_names)
    return Reply(
        f"Dạ, bot chưa nhận ra huyện/thành phố bạn chọn để nhận {topic_name}. "
        f"Các huyện/thành phố: {names}."
    )


def unsubscribed(items: Sequence[str]) -> Reply:
    """items: what was stopped, e.g. "lịch tiêm ở huyện Hải Hậu"."""
    listed = "; ".join(items)
    return Reply(
        f"Đã ngừng gửi cho bạn: {listed}. Bạn có thể đăng ký lại bất cứ lúc nào "
        '(nhắn "#tin" để xem các mục còn nhận).'
    )


def unsubscribed_all() -> Reply:
    return Reply(
        "Đã ngừng gửi mọi thông báo cho bạn. Bạn vẫn có thể hỏi bot bất cứ lúc nào, "
        'và nhắn "#dangky" để đăng ký lại.'
    )


def nothing_to_unsubscribe(topic_name: str | None) -> Reply:
    if topic_name:
        return Reply(f"Bạn chưa đăng ký nhận {topic_name} nên không cần hủy ạ.")
    return Reply("Bạn chưa đăng ký nhận tin nào nên không cần hủy ạ.")


def subscription_list(items: Sequence[str]) -> Reply:
    """items: e.g. "lịch tiêm ở huyện Hải Hậu (#huy lich-tiem)"."""
    text = (
        "Bạn đang nhận:\n"
        + "\n".join(f"• {i}" for i in items)
        + '\nNhắn "#huy <mã>" để ngừng một mục, "#huy" để ngừng tất cả.'
    )
    return Reply(text)


def no_subscriptions(choices: Sequence[tuple[str, str]]) -> Reply:
    return Reply(
        "Bạn chưa đăng ký nhận tin nào. Bạn có muốn nhận lịch tiêm hoặc tin tức, khuyến cáo "
        "của ngành Y tế Nam Định qua Zalo không?",
        offer_buttons(choices),
    )


def subscription_offer(choices: Sequence[tuple[str, str]]) -> Reply:
    """Offered to a new follower: one button per topic."""
    return Reply(
        "Bạn có muốn nhận lịch tiêm và tin tức, khuyến cáo của ngành Y tế Nam Định qua Zalo "
        "không? Chọn mục bạn muốn nhận:",
        offer_buttons(choices),
    )


def offer_buttons(choices: Sequence[tuple[str, str]]) -> tuple[Button, ...]:
    buttons = [Button(_title(f"Nhận {name}"), "query", f"#dangky {tid}") for tid, name in choices]
    return tuple(buttons[:5])


def _title(text: str, limit: int = 35) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def broadcast_message(text: str, opt_out_line: str) -> str:
    """The text residents receive: the officer's text and the line on how to stop."""
    return f"{text.rstrip()}\n{opt_out_line}"


def notice_block(messages: Sequence[str]) -> str:
    head = NOTICE_PREFIX if len(messages) == 1 else f"Bạn có {len(messages)} thông báo mới:"
    return head + "\n" + "\n\n".join(messages)


def notices_that_fit(reply: Reply, notices: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The notices (broadcast id, message) that fit after the reply in one Zalo message."""
    chosen: list[tuple[str, str]] = []
    for notice in notices:
        trial = [*chosen, notice]
        if len(_joined(reply.text, [m for _, m in trial])) <= MAX_TEXT:
            chosen = trial
    return chosen


def with_notices(reply: Reply, notices: Sequence[tuple[str, str]]) -> Reply:
    """The reply followed by the pending notices that fit (see `notices_that_fit`)."""
    chosen = notices_that_fit(reply, notices)
    if not chosen:
        return reply
    return Reply(_joined(reply.text, [m for _, m in chosen]), reply.buttons)


def _joined(text: str, messages: Sequence[str]) -> str:
    return f"{text.rstrip()}\n\n{notice_block(messages)}"


# What happened to a broadcast, as its history reads (console and `flask broadcast show`).
HISTORY = {
    "created": "soạn bản nháp",
    "approved": "duyệt",
    "scheduled": "lên lịch gửi",
    "sending started": "bắt đầu gửi",
    "paused": "tạm dừng",
    "done": "gửi xong",
    "expired": "hết hạn",
    "cancelled": "huỷ",
    "closed": "khép lại",
}

# A broadcast's status as officers read it (console, API errors and commands).
STATUS = {
    "draft": "Bản nháp",
    "approved": "Đã duyệt",
    "scheduled": "Chờ đến giờ gửi",
    "sending": "Đang gửi",
    "done": "Đã gửi xong",
    "cancelled": "Đã huỷ",
    "expired": "Hết hạn",
}
