"""Every sentence residents read, in one place (Vietnamese)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.model import Button, Reply

HOTLINE = "1900 9095"
HOTLINE_DIAL = "19009095"
EMERGENCY = "115"

CALL_HOTLINE = Button(f"Gọi {HOTLINE}", "phone", HOTLINE_DIAL)
CALL_EMERGENCY = Button(f"Gọi {EMERGENCY}", "phone", EMERGENCY)

TOPIC_NAMES = {"lich-tiem": "lịch tiêm", "tin-tuc": "tin tức, khuyến cáo"}
DAY_NAMES = {"mon-fri": "thứ Hai–thứ Sáu", "mon-sat": "thứ Hai–thứ Bảy", "daily": "hằng ngày"}

WELCOME = (
    "Chào bạn! Đây là kênh hỏi đáp về tiêm vắc xin phòng COVID-19 của ngành Y tế tỉnh Nam Định.\n"
    "Các câu trả lời theo hướng dẫn của Bộ Y tế trong chiến dịch tiêm chủng 2021–2022, "
    "có ghi văn bản và ngày ban hành; nội dung được rà soát lần cuối ngày 02/12/2026.\n"
    "Bạn có thể hỏi bằng tiếng Việt có dấu hoặc không dấu, "
    'ví dụ: "tiêm xong bị sốt phải làm sao".\n'
    f"Khi khẩn cấp, hãy gọi ngay {EMERGENCY}."
)
WELCOME_BUTTONS = (
    Button("An toàn vắc xin", "query", "#nhom an-toan"),
    Button("Đăng ký tiêm", "query", "#nhom dang-ky"),
    Button("Sau khi tiêm", "query", "#nhom sau-tiem"),
    Button("Sổ sức khỏe điện tử", "query", "#nhom so-suc-khoe"),
    Button("Nhận lịch tiêm", "query", "#dangky lich-tiem"),
)
GREETING = "Dạ, chào bạn! Bạn cần hỏi gì về tiêm vắc xin phòng COVID-19 ạ?"
THANKS = "Dạ không có gì ạ! Bạn cần hỏi thêm thì cứ nhắn cho kênh nhé."
MEDIA = (
    "Xin lỗi, kênh chưa đọc được hình ảnh, âm thanh hay tệp đính kèm. "
    "Bạn vui lòng nhắn câu hỏi bằng chữ nhé."
)
FLOOD = "Bạn gửi tin quá nhanh, vui lòng chờ một chút rồi nhắn tiếp nhé."
INFO_RECEIVED = "Dạ, kênh đã nhận thông tin của bạn. Cảm ơn bạn!"
PAUSED = "Dạ, cán bộ y tế đang trả lời bạn, vui lòng chờ trong giây lát."
HANDOFF = (
    "Dạ, kênh đã chuyển cuộc trò chuyện cho cán bộ y tế. Cán bộ sẽ trả lời trong giờ làm việc "
    f"(giờ hành chính). Nếu khẩn cấp, gọi {EMERGENCY} hoặc {HOTLINE}."
)
EMERGENCY_TEXT = (
    f"⚠️ Đây có thể là phản ứng nặng sau tiêm. Hãy GỌI NGAY {EMERGENCY} hoặc đưa người bệnh đến "
    "cơ sở y tế gần nhất.\n"
    "Luôn có người ở bên cạnh người bệnh; báo cho nhân viên y tế tên vắc xin và giờ tiêm.\n"
    f"Cần tư vấn thêm: đường dây nóng ngành Y tế {HOTLINE} (miễn phí, 24/7)."
)
FALLBACK = (
    "Xin lỗi, kênh này chỉ trả lời về tiêm vắc xin phòng COVID-19 nên chưa có thông tin bạn cần. "
    'Bạn thử hỏi lại bằng câu ngắn hơn, ví dụ: "tiêm xong bị sốt phải làm sao", '
    "hoặc hỏi Trạm Y tế xã/phường nơi cư trú."
)
FALLBACK_AGAIN = (
    "Xin lỗi, kênh vẫn chưa tìm được câu trả lời phù hợp. "
    "Câu hỏi của bạn đã được chuyển cho cán bộ "
    f"để bổ sung. Bạn có thể gọi đường dây nóng ngành Y tế {HOTLINE} (miễn phí, 24/7) "
    "hoặc hỏi Trạm Y tế xã/phường nơi cư trú."
)
CLARIFY = "Bạn muốn hỏi nội dung nào ạ? Chọn hoặc nhắn số:"
HELP = "Bạn có thể hỏi bất cứ điều gì về tiêm vắc xin phòng COVID-19. Các nhóm chủ đề (nhắn số):"
HELP_TAIL = (
    'Nhắn "#dangky lich-tiem" để nhận lịch tiêm, "#huy" để ngừng nhận tin, '
    '"gặp cán bộ" để nói chuyện với cán bộ y tế.'
)
MORE = "Xem thêm"
GROUP_INTRO = "Các câu hỏi về {group} (nhắn số hoặc chọn):"
FEEDBACK_UP = "Cảm ơn bạn đã góp ý! Rất vui vì câu trả lời có ích."
FEEDBACK_DOWN = (
    "Cảm ơn bạn đã góp ý! Kênh sẽ cải thiện câu trả lời. Bạn có thể hỏi lại theo cách khác, "
    f"hoặc gọi {HOTLINE} để được tư vấn."
)
UNKNOWN_COMMAND = 'Xin lỗi, kênh chưa hiểu lệnh này. Nhắn "trợ giúp" để xem hướng dẫn.'
SOURCE = "Nguồn: {source}"
NOTICE_PREFIX = "Bạn có {n} thông báo mới:"

ASK_DISTRICT_SUBSCRIBE = "Dạ, bạn ở huyện/thành phố nào để kênh gửi đúng {topic}?"
ASK_DISTRICT_HOTLINE = "Dạ, bạn ở huyện/thành phố nào để kênh chỉ đúng nơi liên hệ?"
OTHER_DISTRICT = "Khác…"
STOP_HINT = 'Nhắn "#huy" bất cứ lúc nào để ngừng nhận tin.'
SUBSCRIBED = "Đã đăng ký nhận {topic}{where}. Bạn sẽ nhận thông báo khi có tin mới.\n" + STOP_HINT
UNSUBSCRIBED = 'Đã ngừng gửi {topic} cho bạn. Nhắn "#dangky {slug}" nếu muốn nhận lại.'
UNSUBSCRIBED_ALL = 'Đã ngừng gửi mọi thông báo cho bạn. Nhắn "#dangky lich-tiem" nếu muốn nhận lại.'
NO_SUBSCRIPTIONS = 'Bạn chưa đăng ký nhận tin nào. Nhắn "#dangky lich-tiem" để nhận lịch tiêm.'
SUBSCRIPTIONS = "Bạn đang nhận:\n{items}\n" + STOP_HINT
SUBSCRIBE_BUTTON = "Nhận lịch tiêm"
ASK_TOPIC = "Dạ, bạn muốn nhận loại tin nào ạ? Chọn một mục bên dưới:"
TOPIC_BUTTONS = {"lich-tiem": "Lịch tiêm", "tin-tuc": "Tin tức, khuyến cáo"}
DISTRICT_NOTED = (
    "Dạ, kênh đã ghi nhận bạn ở {district}. Ở {district}, kênh có thể:\n"
    "• cho số điện thoại nơi liên hệ về tiêm chủng;\n"
    "• gửi lịch tiêm ở {district} khi có lịch mới;\n"
    "• trả lời câu hỏi về tiêm vắc xin phòng COVID-19.\n"
    "Bạn chọn bên dưới hoặc nhắn câu hỏi nhé."
)
DISTRICT_HOTLINE_BUTTON = "Số liên hệ ở {short}"
DISTRICT_SUBSCRIBE_BUTTON = "Nhận lịch tiêm ở {short}"
NO_SUCH_CHOICE = "Dạ, không có lựa chọn số {n}; bạn chọn từ 1 đến {count} ạ."

HOTLINE_NATIONAL = "Đường dây nóng ngành Y tế {phone} ({hours}{free}). Cấp cứu: 115."
HOTLINE_DISTRICT_NONE = (
    "Dạ, để hỏi về tiêm chủng ở {district}, bạn liên hệ Trạm Y tế xã/thị trấn nơi bạn ở, "
    "hoặc đường dây nóng ngành Y tế {hotline} (miễn phí, 24/7). Cấp cứu: 115."
)
HOTLINE_DISTRICT = "Dạ, {centre} ({district}): {phone}, {hours}.{closed}"
HOTLINE_GENERAL = (
    "Dạ, để hỏi về tiêm vắc xin phòng COVID-19, bạn liên hệ Trạm Y tế xã/phường nơi cư trú, "
    "hoặc các số sau:"
)
HOTLINE_CLOSED = " Hiện đang ngoài giờ làm việc của số này; khi cần gấp, gọi {hotline} hoặc 115."
HOTLINE_LINE = "• {name}: {phone} ({hours})"
HOTLINE_LINE_NAMED = "• {name} ({hours})"  # the name already carries the number: "Cấp cứu 115"
ALWAYS_OPEN = "24/7"
FREE = ", miễn phí"


def hours_text(always: bool, days: str = "daily", start: str = "", end: str = "") -> str:
    """'24/7' or 'thứ Hai–thứ Sáu, 7:30–17:00'."""
    if always:
        return ALWAYS_OPEN
    return f"{DAY_NAMES.get(days, days)}, {start}–{end}"


def numbered(lines: Iterable[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


def welcome() -> Reply:
    return Reply(WELCOME, WELCOME_BUTTONS)


def flood_warning() -> Reply:
    return Reply(FLOOD)


def media_not_supported() -> Reply:
    return Reply(MEDIA)


def info_received() -> Reply:
    return Reply(INFO_RECEIVED)


def paused() -> Reply:
    return Reply(PAUSED)


def notice_prefix(n: int) -> str:
    return NOTICE_PREFIX.format(n=n)


# --- Long messages: a second question, a sign in the past, COVID-19 beyond vaccination ---------
ALSO_ASKED = "Bạn còn hỏi thêm nội dung khác, mời chọn bên dưới:"
PAST_SIGN = f"Nếu bây giờ bạn đang có dấu hiệu này, hãy gọi {EMERGENCY} ngay."
COVID_NOT_VACCINATION = (
    "Dạ, kênh này chỉ trả lời các câu hỏi về tiêm vắc xin phòng COVID-19, nên chưa trả lời được "
    "câu hỏi về điều trị, cách ly, xét nghiệm hay đi lại. Bạn vui lòng hỏi Trạm Y tế xã/phường "
    f"nơi cư trú, hoặc gọi đường dây nóng ngành Y tế {HOTLINE} (miễn phí, 24/7). "
    f"Khi khó thở hay có dấu hiệu nặng, gọi ngay {EMERGENCY}."
)
