"""Message analysis: sentences, clauses and the role each clause plays."""

from __future__ import annotations

import pytest

from bot.language.analysis import CONTEXT, GREETING, QUESTION, THANKS, analyse


def roles(text: str) -> list[tuple[str, str]]:
    return [(c.role, c.norm.accented) for c in analyse(text).clauses]


def test_a_long_polite_message_has_greeting_context_question_and_thanks() -> None:
    text = (
        "Chào bác sĩ ạ. Mẹ em 68 tuổi, bị tiểu đường hơn 10 năm nay. "
        "Bà có tiêm vắc xin được không ạ? Em cảm ơn bác sĩ nhiều ạ."
    )
    got = [role for role, _ in roles(text)]
    assert got == [GREETING, CONTEXT, CONTEXT, QUESTION, THANKS]
    a = analyse(text)
    assert a.focus.accented == "bà có tiêm vắc xin được không ạ"
    assert a.background is not None and "tiểu đường" in a.background.accented
    assert a.greets and a.thanks and not a.social_only


@pytest.mark.parametrize(
    "text",
    [
        "Chào ad ạ",
        "Kính gửi Ban quản trị",
        "alo ad oi cho e hoi",
        "Em cảm ơn ad nhiều ạ",
        "Trân trọng cảm ơn.",
        "Chúc các bác sĩ, cán bộ y tế luôn mạnh khỏe, vững vàng trong mùa dịch ạ.",
        "Chào ad ạ, em là người dân ở xã Hải Đông, huyện Hải Hậu, mới theo dõi trang.",
        "Tôi có một việc muốn hỏi, mong được giải đáp.",
    ],
)
def test_politeness_alone_is_social(text: str) -> None:
    assert analyse(text).social_only, roles(text)


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("em tiêm mũi 2 rồi, có cần tiêm mũi 3 không ạ", "có cần tiêm mũi nhắc lại không ạ"),
        ("ad ơi cho mk hỏi tiêm ở đâu", "tiêm ở đâu"),
        ("mẹ em bị tiểu đường. tiêm được ko", "tiêm được không"),
        ("Xin hỏi mũi 4 dành cho những ai", "mũi nhắc lại lần 2 dành cho những ai"),
    ],
)
def test_questions_are_found_by_their_words_or_mark(text: str, question: str) -> None:
    asked = [c.norm.accented for c in analyse(text).questions]
    assert question in asked, roles(text)


def test_greeting_and_thanks_are_peeled_off_an_unpunctuated_clause() -> None:
    got = roles("chào ad em muốn hỏi tiêm ở đâu gần nhà em cảm ơn ad")
    assert [r for r, _ in got] == [GREETING, QUESTION, THANKS]
    assert got[1][1] == "tiêm ở đâu gần nhà"


def test_decimals_and_abbreviations_do_not_break_sentences() -> None:
    a = analyse("Con em sốt 38.5 độ, TP.HCM về. Mũi 2 cách 8–12 tuần?")
    assert len({c.sentence for c in a.clauses}) == 2
    assert any("38.5" in c.norm.accented for c in a.clauses)


def test_a_negation_is_not_a_question_but_a_final_khong_is() -> None:
    assert [r for r, _ in roles("em không sốt")] == [CONTEXT]
    assert [r for r, _ in roles("em sốt có sao không")] == [QUESTION]


def test_cough_typed_bare_is_not_a_word_of_address() -> None:
    assert [r for r, _ in roles("chồng em sốt, ho, đau họng")] == [CONTEXT] * 3


def test_odd_input_never_raises() -> None:
    for text in ("", "   ", "???", "\u200b\u200b", "😀" * 50, "a" * 10_000, "\ud800x"):
        analyse(text)


def test_an_address_word_before_a_demonstrative_is_what_is_asked_of() -> None:
    a = analyse("Ad cho em hỏi trang này trả lời được những câu hỏi gì?")
    asked = [c.norm.accented for c in a.questions]
    assert asked and asked[0].startswith("trang này"), a.clauses


def test_saying_one_asks_nothing_is_not_a_question() -> None:
    a = analyse("Em không hỏi gì đâu, chỉ muốn gửi lời cảm ơn ạ.")
    assert not a.questions, a.clauses


def test_asking_after_the_admin_is_a_greeting() -> None:
    a = analyse("ad oi ad co khoe ko a, hom nay nong qua")
    assert a.clauses[0].role == GREETING, a.clauses
