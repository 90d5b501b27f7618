"""Long, polite, story-like messages: answered like their bare question, arbitrated fairly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.content.loader import Content, load
from bot.dialogue import evaluation, wording
from bot.dialogue.evaluation import Prediction, Report
from bot.dialogue.turn import Thresholds
from bot.model import Decision, Session
from intents import REGISTRY, respond

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

# The floors the issue sets for ../shared/eval/dev-long.yaml (tuned on freely).
LONG_FLOORS = {
    "faq_top1": 0.85,
    "faq_top1_or_suggestion": 0.95,
    "emergency_recall": 1.0,
    "intent_accuracy": 0.9,
}
SHORT_FLOORS = {"faq_top1": 0.97, "emergency_recall": 1.0}

# A greeting, a two-sentence story that names no topic, and thanks — in the styles residents
# write: with diacritics, without, and formal, with and without punctuation.
WRAPPINGS = (
    "Chào ad ạ. {q} Em cảm ơn ạ.",
    "Dạ em chào bác sĩ. Nhà em ở xã Hải Phương, cả nhà đang bàn chuyện này mãi. "
    "Em đọc trên mạng nhiều nhưng vẫn chưa rõ. {q}? Em cảm ơn bác sĩ nhiều ạ.",
    "ad oi cho e hoi. nha e o nam truc, ca nha dang ban chuyen nay. "
    "e doc tren mang ma van chua ro. {q} e cam on ad",
    "Kính gửi Ban quản trị,\nTôi có một việc muốn hỏi, mong được giải đáp.\n{q}\n"
    "Trân trọng cảm ơn.",
)


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load(ROOT / "faq.yaml", ROOT / "hotlines.yaml")


def predict(content: Content, text: str) -> Prediction:
    return evaluation.predict(
        text, content=content, now=NOW, thresholds=Thresholds(), registry=REGISTRY
    )


def say(content: Content, text: str) -> Decision:
    return respond(text, session=Session(), content=content, now=NOW, thresholds=Thresholds())


def report(content: Content, name: str) -> Report:
    queries = evaluation.load_queries(EVAL / name)
    return evaluation.evaluate(queries, lambda text: predict(content, text))


@pytest.fixture(scope="module")
def long_report(shipped: Content) -> Report:
    return report(shipped, "dev-long.yaml")


@pytest.mark.parametrize("metric", sorted(LONG_FLOORS))
def test_long_dev_set_floor(long_report: Report, metric: str) -> None:
    value = long_report.metrics()[metric]
    assert value is not None and value >= LONG_FLOORS[metric], evaluation.format_report(long_report)


def test_long_dev_set_rarely_answers_out_of_scope(long_report: Report) -> None:
    value = long_report.metrics()["out_of_scope_false_answer"]
    assert value is not None and value <= 0.05, evaluation.format_report(long_report)


def _past_history_section() -> list[evaluation.Query]:
    """dev-long's section of past red-flag history asked about before vaccination."""
    text = (EVAL / "dev-long.yaml").read_text("utf-8")
    section = text.split("# ── Past red-flag history", 1)[1].split("# ── Out of scope", 1)[0]
    items = yaml.safe_load(section.split("\n", 1)[1])
    return [evaluation.Query(i["text"], i["expect"], tuple(i.get("also") or ())) for i in items]


def test_past_signs_are_answered_with_their_entry_not_115(shipped: Content) -> None:
    past = _past_history_section()
    assert len(past) == 8
    rep = evaluation.evaluate(past, lambda text: predict(shipped, text))
    assert not [p for _, p, _ in rep.rows if p["intent"] == "emergency"]
    right = sum(ok for _, _, ok in rep.rows)
    assert right >= 7, evaluation.format_report(rep)
    for q, p, _ in rep.rows:
        if p["intent"] == "faq" and p["action"] == "answer":
            assert wording.PAST_SIGN in say(shipped, q.text).reply.text


@pytest.mark.parametrize("metric", sorted(SHORT_FLOORS))
def test_short_dev_set_keeps_its_floor(shipped: Content, metric: str) -> None:
    rep = report(shipped, "dev-queries.yaml")
    value = rep.metrics()[metric]
    assert value is not None and value >= SHORT_FLOORS[metric], evaluation.format_report(rep)


def _faq_messages() -> list[str]:
    return [q.text for q in evaluation.load_queries(EVAL / "dev-queries.yaml") if q.kind == "faq"]


@pytest.mark.parametrize("text", _faq_messages())
def test_a_question_reaches_the_same_entry_bare_or_wrapped(shipped: Content, text: str) -> None:
    bare = predict(shipped, text)
    assert bare["intent"] == "faq"
    expected = bare["faq_id"] or bare["candidates"][0]["faq_id"]
    for wrapping in WRAPPINGS:
        wrapped = predict(shipped, wrapping.format(q=text))
        got = wrapped["faq_id"] or (wrapped["candidates"] or [{}])[0].get("faq_id")
        assert wrapped["intent"] == "faq" and got == expected, (wrapping, wrapped)
        if bare["action"] == "answer":
            assert wrapped["action"] == "answer", (wrapping, wrapped)


def test_a_greeting_before_a_question_gets_the_answer(shipped: Content) -> None:
    d = say(shipped, "Chào ad ạ, cho em hỏi tiêm xong bị sốt thì làm sao ạ? Em cảm ơn.")
    assert d.intent == "faq" and d.faq_id == "sot-sau-tiem"
    assert say(shipped, "Chào ad ạ").intent == "greeting"
    assert say(shipped, "Em cảm ơn ad nhiều lắm ạ, chúc ad mạnh khỏe").intent == "thanks"


def test_a_second_question_is_offered_as_a_button(shipped: Content) -> None:
    text = (
        "Chào bác sĩ ạ. Em đang cho con bú 3 tháng, có tiêm vắc xin được không ạ? "
        "Còn tiêm xong thì cần chuẩn bị giấy tờ gì mang theo ạ? Em cảm ơn."
    )
    p = predict(shipped, text)
    assert p["intent"] == "faq" and p["action"] == "answer"
    answered, others = p["faq_id"], p.get("others", [])
    assert {answered, *others} >= {"cho-con-bu", "giay-to-mang-theo"}, p
    d = say(shipped, text)
    payloads = [b.payload for b in d.reply.buttons]
    assert any(f"#faq {o}" == pl for o in others for pl in payloads)
    assert wording.ALSO_ASKED in d.reply.text


def test_covid_but_not_vaccination_gets_an_honest_fallback(shipped: Content) -> None:
    text = (
        "Chào ad, chồng em là F0 đang cách ly tại nhà, đã tiêm đủ 3 mũi. "
        "Cho em hỏi điều trị tại nhà thì uống thuốc gì, bao giờ được hết cách ly ạ?"
    )
    p = predict(shipped, text)
    assert p["intent"] == "fallback" and p["reason"] == "covid_other", p
    d = say(shipped, text)
    assert "1900 9095" in d.reply.text and "Trạm Y tế" in d.reply.text
    assert {e.kind: e.args.get("did") for e in d.effects}["log_unanswered"] == "covid_other"
    # a question about vaccination after COVID-19 is still answered
    after = predict(shipped, "em là F0 khỏi được 2 tháng, bao lâu thì tiêm mũi 3 được ạ?")
    assert after["intent"] == "faq" and after["faq_id"] == "da-mac-covid", after


def test_a_past_sign_gets_its_screening_answer_and_the_115_line(shipped: Content) -> None:
    text = (
        "Chào bác sĩ. Bố em 59 tuổi, cách đây 5 năm tiêm kháng sinh bị sốc phản vệ, phải cấp "
        "cứu. Bố em có tiêm vắc xin covid được không ạ?"
    )
    d = say(shipped, text)
    assert d.intent == "faq" and d.faq_id in ("di-ung", "chong-chi-dinh"), d
    assert wording.PAST_SIGN in d.reply.text


def test_a_sign_now_after_a_greeting_and_a_denial_is_an_emergency(shipped: Content) -> None:
    text = (
        "Chào ad, vợ em tiêm mũi 2 được 10 ngày, không sốt, không có tiền sử động kinh, "
        "nhưng giờ bắp chân sưng tím và vừa bị co giật. Em phải làm sao?"
    )
    assert say(shipped, text).intent == "emergency"


def test_misses_are_recorded_with_what_the_bot_did(shipped: Content) -> None:
    menu = say(
        shipped,
        "Chào ad, em mới theo dõi trang, số em 0912 345 678. Kênh này hỗ trợ được những gì ạ?",
    )
    notes = [e.args for e in menu.effects if e.kind == "log_unanswered"]
    assert menu.intent == "help"
    assert notes and notes[0]["did"] == "help" and "0912" not in notes[0]["text"]
    clarify = say(shipped, "đăng ký")
    assert clarify.action == "clarify", clarify
    assert [e.args["did"] for e in clarify.effects if e.kind == "log_unanswered"] == ["clarify"]
    for social in ("Chào ad", "Chào ad ạ, em ở Hải Hậu, mới theo dõi trang.", "cảm ơn ad"):
        assert not [e for e in say(shipped, social).effects if e.kind == "log_unanswered"]


def test_the_menu_answers_a_long_what_can_you_do(shipped: Content) -> None:
    text = (
        "Chào ad, em mới theo dõi trang. Cho em hỏi kênh này hỗ trợ được những gì ạ? "
        "Em không rành công nghệ lắm. Em cảm ơn."
    )
    assert say(shipped, text).intent == "help"


CONTRACT_INTENTS = {"faq", "emergency", "hotline", "greeting", "thanks", "help", "subscribe",
                    "unsubscribe", "handoff", "fallback"}  # fmt: skip


def test_every_prediction_keeps_the_firm_format(shipped: Content) -> None:
    texts = [q.text for name in ("dev-queries.yaml", "dev-long.yaml")
             for q in evaluation.load_queries(EVAL / name)]  # fmt: skip
    texts += ["Nam Trực", "xem thêm", "#xemthem benh-nen", "👍", "", "   "]
    for text in texts:
        p = predict(shipped, text)
        assert p["intent"] in CONTRACT_INTENTS, p
        assert {"text", "intent", "action", "faq_id", "score", "candidates"} <= set(p)
        assert p["action"] in ("answer", "clarify") and 0 <= p["score"] <= 100


# The floors for tests/fixtures/tuning-long.yaml (long greetings, thanks, questions about the
# channel and off-subject messages, tuned on): a little under what it scores.
TUNING_FLOORS = {"overall": 0.78, "intent_accuracy": 0.94}


@pytest.mark.parametrize("metric", sorted(TUNING_FLOORS))
def test_own_long_tuning_set_floor(shipped: Content, metric: str) -> None:
    queries = evaluation.load_queries(ROOT / "tests" / "fixtures" / "tuning-long.yaml")
    rep = evaluation.evaluate(queries, lambda text: predict(shipped, text))
    value = rep.metrics()[metric]
    assert value is not None and value >= TUNING_FLOORS[metric], evaluation.format_report(rep)


@pytest.mark.parametrize(
    "text",
    [
        "chao ad, duong lien xa cho nha minh o Hai Hau bi hong nang may thang nay, troi mua la "
        "ngap. minh muon phan anh thi gui cho ai a. cam on ad",
        "Kính gửi Ban quản trị, con tôi năm nay thi vào lớp 10. Xin hỏi bao giờ có lịch thi, "
        "điểm chuẩn các trường công lập ở thành phố Nam Định năm ngoái là bao nhiêu? Xin cảm ơn.",
    ],
)
def test_a_long_message_that_never_speaks_of_vaccination_gets_no_vaccine_suggestions(
    shipped: Content, text: str
) -> None:
    p = predict(shipped, text)
    assert p["intent"] == "fallback", p


def test_a_word_or_two_without_a_vaccination_cue_is_still_offered_what_it_may_mean(
    shipped: Content,
) -> None:
    assert say(shipped, "đăng ký").action == "clarify"


# (COVID-19 itself, told in the story; the same kind of story asking about vaccination)
COVID_STORIES = [
    (  # a COVID-19 subject, and vaccination never mentioned
        "Chào ad ạ, em khỏi covid được 1 tháng nhưng ăn uống không thấy mùi vị gì, ngủ không "
        "ngon. Tình trạng này bao lâu thì hết, em có cần đi khám không ạ? Em cảm ơn.",
        "Chào ad, mẹ em 70 tuổi vừa khỏi covid, test nhanh âm tính được 1 tuần. Xã gọi đi "
        "tiêm mũi 3. Bà đi tiêm được chưa ạ?",
    ),
    (  # COVID-19 now, after vaccination, and not over
        "Chào ad, em đã tiêm 3 mũi rồi. Tối qua em test nhanh lên 2 vạch, người hơi sốt, đau "
        "họng. Em phải báo cho ai, có phải khai báo với trạm y tế không ạ? Em cảm ơn.",
        "Chào ad, em dương tính hồi tháng trước, giờ đã khỏi và âm tính rồi. Xã gọi đi tiêm "
        "mũi 3. Em đi được chưa ạ?",
    ),
]


@pytest.mark.parametrize(("covid", "vaccination"), COVID_STORIES)
def test_covid_itself_is_read_from_the_story_and_a_vaccination_question_stays_one(
    shipped: Content, covid: str, vaccination: str
) -> None:
    p = predict(shipped, covid)
    assert p["intent"] == "fallback" and p.get("reason") == "covid_other", p
    assert say(shipped, vaccination).intent == "faq"


def test_the_menu_answers_how_the_channel_is_used_even_after_an_address(shipped: Content) -> None:
    text = (
        "Chào ad ạ, bố em 65 tuổi mới dùng Zalo. Ad cho em hỏi trang này trả lời được những câu "
        "hỏi gì, có bấm nút chọn được không hay phải gõ chữ ạ? Em cảm ơn."
    )
    assert say(shipped, text).intent == "help"


@pytest.mark.parametrize(
    "text",
    [
        "Dạ em chào ad. Trang này hay quá, thông tin rõ ràng dễ hiểu, em đã chia sẻ cho cả nhóm "
        "Zalo của xóm. Cảm ơn các anh chị đã làm trang này ạ.",
        "Chào buổi sáng ad, chúc ad một ngày làm việc vui vẻ. Em không hỏi gì đâu, chỉ muốn gửi "
        "lời cảm ơn các y bác sĩ đã vất vả chống dịch ạ.",
        # thanks inside a sentence of the story, with no greeting
        "Mẹ em tiêm mũi 3 hôm qua về vẫn khỏe, cả nhà em rất cảm ơn các cô chú ở trạm y tế đã "
        "tận tình.",
    ],
)
def test_hello_praise_and_thank_you_gets_the_thanks(shipped: Content, text: str) -> None:
    assert say(shipped, text).intent == "thanks"


def test_a_vet_appointment_is_not_a_vaccine_question(shipped: Content) -> None:
    text = (
        "Chào ad, nhà em nuôi 2 con mèo, tháng này đến lịch tiêm phòng dại cho mèo. Cho em hỏi "
        "thú y xã tiêm vào ngày nào, có mất tiền không ạ? Em cảm ơn."
    )
    assert predict(shipped, text)["intent"] == "fallback"


def test_thanks_for_something_done_is_thanks_but_a_request_closing_with_it_is_not(
    shipped: Content,
) -> None:
    grateful = (
        "Bác sĩ ơi cho cháu gửi lời cảm ơn, hôm qua bà cháu tiêm về không sao cả, bà khỏe lắm "
        "ạ. Cháu chúc bác sĩ mạnh khỏe ạ."
    )
    assert say(shipped, grateful).intent == "thanks"
    request = (
        "Chào ad, nhà em ở Xuân Trường. Sau này có lịch tiêm mũi mới ở huyện thì ad nhắn cho "
        "em biết với ạ, em hay đi làm về muộn không nghe được loa. Em cảm ơn."
    )
    assert say(shipped, request).intent != "thanks"


def test_asking_to_be_told_later_subscribes_but_asking_to_be_told_now_is_a_question(
    shipped: Content,
) -> None:
    later = (
        "Chào ad, nhà em ở Xuân Trường. Sau này có lịch tiêm mũi mới ở huyện thì ad nhắn cho "
        "em biết với ạ, em hay đi làm về muộn không nghe được loa. Em cảm ơn."
    )
    assert say(shipped, later).intent == "subscribe"
    now = "Chào ad, ad báo cho em biết lịch tiêm mũi 3 ở phường Lộc Hạ với ạ. Em cảm ơn."
    assert say(shipped, now).intent == "faq"
