"""Every intent through respond(): emergency, pending, hotline, subscriptions, FAQ, fallback."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import intents
from bot.content.loader import Content, load
from bot.dialogue import render
from bot.dialogue.turn import Thresholds
from bot.model import Decision, Session
from intents import respond

FIX = Path(__file__).resolve().parent / "fixtures"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_10 = datetime(2022, 3, 7, 10, 0, tzinfo=TZ)
SUNDAY_10 = datetime(2022, 3, 6, 10, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def content() -> Content:
    return load(FIX / "faq.yaml", FIX / "hotlines.yaml")


def say(content: Content, text: str, session: Session | None = None, **kw: object) -> Decision:
    return respond(
        text,
        session=session or Session(),
        content=content,
        now=kw.pop("now", MONDAY_10),  # type: ignore[arg-type]
        thresholds=Thresholds(),
        **kw,  # type: ignore[arg-type]
    )


def effects(d: Decision) -> dict[str, dict[str, str]]:
    return {e.kind: dict(e.args) for e in d.effects}


def test_registry_is_explicit_and_ordered() -> None:
    names = [m.NAME for m in intents.REGISTRY.modules]
    assert names[0] == "emergency" and names[-1] == "fallback"
    assert {"pending", "hotline", "greeting", "thanks", "help", "handoff"} <= set(names)
    assert {"subscribe", "unsubscribe", "faq"} <= set(names)


@pytest.mark.parametrize(
    "text",
    [
        "me toi vua tiem xong bi kho tho, moi tim",
        "tiem xong bi ngat",
        "con tôi sốt 39.5 độ uống thuốc không hạ",
        "bé nhà em sốt 38,8 độ uống thuốc vẫn không giảm",
        "chào bạn, bố tôi tiêm về bị đau ngực",
    ],
)
def test_emergency_answers_115_first(content: Content, text: str) -> None:
    d = say(content, text)
    assert d.intent == "emergency" and d.outcome == "emergency"
    assert d.reply.text.index("115") < d.reply.text.index("1900 9095")
    assert [b.title for b in d.reply.buttons] == ["Gọi 115", "Gọi 1900 9095"]


@pytest.mark.parametrize(
    "text",
    ["toi khong kho tho, chi hoi met thoi", "mẹ ko bị khó thở", "hết khó thở rồi", "sốt 38 độ"],
)
def test_negated_or_mild_is_not_an_emergency(content: Content, text: str) -> None:
    assert say(content, text).intent != "emergency"


def test_emergency_beats_a_pending_question(content: Content) -> None:
    waiting = Session(pending=("sot-sau-tiem", "dau-hieu-nguy-hiem"), pending_kind="faq")
    assert say(content, "bé bị co giật", waiting).intent == "emergency"


def test_faq_answer_with_source_and_buttons(content: Content) -> None:
    d = say(content, "tiem xong bi sot phai lam sao")
    assert (d.intent, d.action, d.faq_id) == ("faq", "answer", "sot-sau-tiem")
    assert "\nNguồn: Bộ Y tế" in d.reply.text
    payloads = [b.payload for b in d.reply.buttons]
    assert "#faq dau-hieu-nguy-hiem" in payloads and "19009095" in payloads
    assert "#fb+ sot-sau-tiem" in payloads and "#fb- sot-sau-tiem" in payloads


def test_close_call_offers_numbered_suggestions_and_2_picks(content: Content) -> None:
    d = say(
        content,
        "mui 2",
    )
    if d.action == "answer":  # a confident answer is fine too; force a clarification
        d = respond(
            "mui 2",
            session=Session(),
            content=content,
            now=MONDAY_10,
            thresholds=Thresholds(answer=99, sure=99, suggest=1),
        )
    assert d.action == "clarify" and d.outcome == "clarified"
    assert 2 <= len(d.candidates) <= 3
    # Each button carries the entry's short title, never a bare "1", "2", "3".
    titles = [render.faq_button(content.entries[c.faq_id]).title for c in d.candidates]
    assert [b.title for b in d.reply.buttons] == titles
    assert not any(t.isdigit() for t in titles)
    assert [b.payload for b in d.reply.buttons] == [f"#faq {c.faq_id}" for c in d.candidates]
    assert "1. " in d.reply.text and "2. " in d.reply.text
    picked = say(content, "2", d.session)
    assert picked.intent == "faq" and picked.faq_id == d.candidates[1].faq_id
    assert picked.session.pending == ()


def test_suggestion_tap_works_without_session(content: Content) -> None:
    d = say(content, "#faq tre-hen-mui-2")
    assert d.faq_id == "tre-hen-mui-2" and d.outcome == "command"


def test_feedback_taps(content: Content) -> None:
    up, down = say(content, "#fb+ sot-sau-tiem"), say(content, "#fb- sot-sau-tiem")
    assert effects(up)["feedback"] == {"faq_id": "sot-sau-tiem", "vote": "up"}
    assert effects(down)["feedback"] == {"faq_id": "sot-sau-tiem", "vote": "down"}


def test_hotline_for_a_named_district_with_a_verified_number(content: Content) -> None:
    d = say(content, "số điện thoại trung tâm y tế hải hậu")
    assert d.intent == "hotline" and "0228 3877 000" in d.reply.text
    assert effects(d)["remember_district"] == {"district": "hai-hau"}
    assert d.session.district == "hai-hau"
    closed = say(content, "số điện thoại trung tâm y tế hải hậu", now=SUNDAY_10)
    assert "ngoài giờ làm việc" in closed.reply.text


def test_hotline_without_verified_number_points_to_station(content: Content) -> None:
    d = say(content, "đường dây nóng giao thủy")
    assert "Trạm Y tế" in d.reply.text and "1900 9095" in d.reply.text
    assert "None" not in d.reply.text


def test_hotline_asks_district_then_completes(content: Content) -> None:
    d = say(content, "cho xin số đường dây nóng")
    assert d.intent == "hotline" and d.session.pending_kind == "hotline"
    assert "1900 9095" in d.reply.text
    done = say(content, "Hải Hậu", d.session)
    assert done.intent == "hotline" and "0228 3877 000" in done.reply.text


def test_remembered_district_is_used(content: Content) -> None:
    d = say(content, "đường dây nóng", Session(district="hai-hau"))
    assert "Hải Hậu" in d.reply.text


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("chào bạn", "greeting"),
        ("hello", "greeting"),
        ("cảm ơn", "thanks"),
        ("cam on ad nhieu", "thanks"),
        ("👍", "thanks"),
        ("trợ giúp", "help"),
        ("hướng dẫn sử dụng", "help"),
        ("gặp nhân viên tư vấn", "handoff"),
        ("toi muon noi chuyen voi nguoi that", "handoff"),
        ("hủy đăng ký nhận tin", "unsubscribe"),
        ("dung gui tin", "unsubscribe"),
    ],
)
def test_conversation_intents(content: Content, text: str, intent: str) -> None:
    assert say(content, text).intent == intent


def test_help_menu_fits_and_opens_a_group(content: Content) -> None:
    d = say(content, "menu")
    assert len(d.reply.buttons) <= 5 and "8. " in d.reply.text
    group = say(content, "5", d.session)
    assert group.intent == "help" and "Bị sốt sau khi tiêm" in group.reply.text


def test_handoff_effect(content: Content) -> None:
    d = say(content, "cho tôi gặp cán bộ")
    assert d.outcome == "handoff" and "handoff" in effects(d) and "115" in d.reply.text


def test_subscribe_asks_district_then_subscribes(content: Content) -> None:
    d = say(content, "mình muốn nhận lịch tiêm")
    assert d.intent == "subscribe" and d.session.pending_kind == "subscribe"
    assert "subscribe" not in effects(d)
    done = say(content, "Hải Hậu", d.session)
    assert effects(done)["subscribe"] == {"topic": "lich-tiem", "district": "hai-hau"}
    assert "#huy" in done.reply.text


def test_subscribe_in_one_message_and_by_command(content: Content) -> None:
    d = say(content, "đăng ký nhận lịch tiêm ở Hải Hậu")
    assert effects(d)["subscribe"] == {"topic": "lich-tiem", "district": "hai-hau"}
    news = say(content, "dang ky nhan tin tuc")
    assert effects(news)["subscribe"] == {"topic": "tin-tuc"}
    which = say(content, "dang ky nhan tin")  # no topic named: the bot asks which
    assert "subscribe" not in effects(which) and which.outcome == "clarified"
    cmd = say(content, "#dangky lich-tiem hai-hau")
    assert effects(cmd)["subscribe"] == {"topic": "lich-tiem", "district": "hai-hau"}
    assert cmd.outcome == "command"


def test_unsubscribe_and_list_commands(content: Content) -> None:
    assert effects(say(content, "#huy"))["unsubscribe"] == {}
    assert effects(say(content, "#huy lich-tiem"))["unsubscribe"] == {"topic": "lich-tiem"}
    listed = say(content, "#tin", subscriptions={("lich-tiem", "hai-hau")})
    assert "list_subscriptions" in effects(listed) and "Hải Hậu" in listed.reply.text


@pytest.mark.parametrize(
    "text", ["giá xăng hôm nay", "đăng ký khai sinh cho con", "cho tôi xin số taxi", "qwerty"]
)
def test_out_of_scope_falls_back_and_logs_masked(content: Content, text: str) -> None:
    d = say(content, text)
    assert d.intent == "fallback" and d.outcome == "fallback"
    assert "log_unanswered" in effects(d)


def test_second_miss_adds_hotline_and_masks_numbers(content: Content) -> None:
    first = say(content, "số cmnd của tôi 123456789 bị sai ở xổ số")
    assert first.session.misses == 1
    topics = [f"#nhom {gid}" for gid in content.groups]
    assert [b.payload for b in first.reply.buttons] == [*topics[:4], "#dangky lich-tiem"]
    assert effects(first)["log_unanswered"]["text"] == "số cmnd của tôi *** bị sai ở xổ số"
    second = say(content, "giá vàng hôm nay", first.session)
    assert second.session.misses == 2
    assert [b.payload for b in second.reply.buttons] == [
        "19009095",
        *topics[:3],
        "#dangky lich-tiem",
    ]
    assert say(content, "tiem xong bi sot", second.session).session.misses == 0


@pytest.mark.parametrize(
    "text",
    [
        "tiem xong ng noi man do khap nguoi va kho tho",  # "do" is red here, not "đỡ"
        "me em tiem xong tho khong noi",
    ],
)
def test_red_flags_behind_lookalike_negators(content: Content, text: str) -> None:
    assert say(content, text).intent == "emergency"


def test_asking_what_anaphylaxis_looks_like_is_not_an_emergency(content: Content) -> None:
    assert say(content, "dau hieu phan ve sau tiem la gi").intent != "emergency"


def test_a_vaccination_question_naming_the_health_station_is_not_a_hotline_request(
    content: Content,
) -> None:
    assert say(content, "mai có tiêm ở trạm y tế không ạ").intent != "hotline"
    assert say(content, "số điện thoại trạm y tế").intent == "hotline"


@pytest.fixture(scope="module")
def shipped() -> Content:
    root = Path(__file__).resolve().parent.parent
    return load(root / "faq.yaml", root / "hotlines.yaml")


@pytest.mark.parametrize(
    "text", ["so dien thoai hoi ve tiem o giao thuy", "cho xin so dien thoai tram y te"]
)
def test_phone_number_questions_without_diacritics_are_hotline(shipped: Content, text: str) -> None:
    decision = say(shipped, text)
    assert decision.intent == "hotline", decision
    assert "huyện Giao Thủy" in decision.reply.text or "1900 9095" in decision.reply.text


def test_district_names_read_in_lower_case_mid_sentence(shipped: Content) -> None:
    decision = say(shipped, "đăng ký nhận lịch tiêm ở Hải Hậu")
    assert "huyện Hải Hậu" in decision.reply.text and "Huyện Hải Hậu" not in decision.reply.text
