"""What residents see, on the real content: buttons that say where they lead, no doubled
numbers, topics offered when the bot greets or cannot answer, and a bare district understood."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.content.loader import Content, load
from bot.dialogue.turn import Thresholds
from bot.model import Decision, Session
from intents import respond
from tests.conftest import ROOT

MONDAY_10 = datetime(2022, 3, 7, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(scope="module")
def content() -> Content:
    return load(ROOT / "faq.yaml", ROOT / "hotlines.yaml")


def say(content: Content, text: str, session: Session | None = None) -> Decision:
    return respond(
        text, session=session or Session(), content=content, now=MONDAY_10, thresholds=Thresholds()
    )


def topic_payloads(content: Content) -> list[str]:
    return [f"#nhom {gid}" for gid in content.groups]


def test_suggestion_buttons_carry_the_entries_short_titles(content: Content) -> None:
    d = respond(
        "mui 2", session=Session(), content=content, now=MONDAY_10,
        thresholds=Thresholds(answer=99, suggest=1),
    )  # fmt: skip
    assert d.action == "clarify" and len(d.candidates) >= 2
    titles = [b.title for b in d.reply.buttons]
    assert titles == [content.entries[c.faq_id].title for c in d.candidates]
    assert all(t and not t.isdigit() for t in titles)
    assert say(content, "2", d.session).faq_id == d.candidates[1].faq_id  # typing still works


def test_the_hotline_reply_never_repeats_a_number_after_its_name(content: Content) -> None:
    text = say(content, "số điện thoại liên hệ").reply.text
    assert "Cấp cứu 115 (24/7)" in text and "115: 115" not in text
    assert "1900 9095" in text


def test_greeting_offers_the_main_topics(content: Content) -> None:
    d = say(content, "xin chào")
    assert d.intent == "greeting"
    payloads = [b.payload for b in d.reply.buttons]
    assert payloads == [*topic_payloads(content)[:4], "#dangky lich-tiem"]
    assert all(b.title for b in d.reply.buttons)


def test_fallback_offers_the_main_topics_and_then_the_hotline(content: Content) -> None:
    first = say(content, "giá vàng hôm nay")
    assert first.intent == "fallback"
    assert [b.payload for b in first.reply.buttons][:2] == topic_payloads(content)[:2]
    second = say(content, "giá xăng hôm nay", first.session)
    payloads = [b.payload for b in second.reply.buttons]
    assert payloads[0] == "19009095" and topic_payloads(content)[0] in payloads


def test_subscribing_without_a_topic_asks_which(content: Content) -> None:
    d = say(content, "đăng ký nhận tin")
    assert d.intent == "subscribe" and d.outcome == "clarified"
    assert not any(e.kind == "subscribe" for e in d.effects)
    assert "loại tin nào" in d.reply.text
    assert [b.payload for b in d.reply.buttons] == ["#dangky lich-tiem", "#dangky tin-tuc"]
    named = say(content, "đăng ký nhận lịch tiêm ở Hải Hậu")  # a topic named: no question
    assert [e.kind for e in named.effects][:1] == ["subscribe"]


@pytest.mark.parametrize("text", ["Nam Trực", "nam truc", "huyện Nam Trực", "em ở Nam Trực ạ"])
def test_a_bare_district_is_remembered_and_answered_with_what_the_bot_does_there(
    content: Content, text: str
) -> None:
    d = say(content, text)
    assert d.intent == "help" and d.action == "answer" and d.session.last_intent == "district"
    assert d.session.district == "nam-truc"
    assert {"kind": "remember_district", "district": "nam-truc"} in [
        {"kind": e.kind, **e.args} for e in d.effects
    ]
    assert "Nam Trực" in d.reply.text and "số điện thoại" in d.reply.text
    payloads = [b.payload for b in d.reply.buttons]
    assert "#dangky lich-tiem nam-truc" in payloads
    # Its buttons lead where they say: the hotline button answers for Nam Trực.
    hotline = say(content, d.reply.buttons[0].payload, d.session)
    assert hotline.intent == "hotline" and "Nam Trực" in hotline.reply.text


def test_a_district_inside_a_question_is_still_the_question(content: Content) -> None:
    assert say(content, "số điện thoại Nam Trực").intent == "hotline"
    assert say(content, "lịch tiêm ở Nam Trực").session.last_intent != "district"
