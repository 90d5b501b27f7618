"""Red-flag signs read in their tense: now is an emergency, a past one is a screening question."""

from __future__ import annotations

import pytest

from bot.language.analysis import analyse
from bot.language.symptoms import assess


def when(text: str) -> tuple[bool, tuple[str, ...]]:
    a = assess(analyse(text))
    return a.emergency, a.past


@pytest.mark.parametrize(
    "text",
    [
        # informal phrasings
        "tiêm xong mẹ em nghẹn cổ họng, nói khó",
        "em tiem xong bi te ran tay chan",
        "chồng em tiêm astra được 10 ngày, bắp chân sưng đau tím",
        "ông em tiêm về bị co giật, mắt trợn",
        # words in between or in another order
        "em tiêm được 1 tiếng, ngực tức, tim đập rất nhanh",
        "con em tiêm xong thở hơi khó, môi hơi tím",
        "mẹ tiêm mũi 3 về, nổi mề đay đỏ rực toàn thân",
        # a greeting first, a denial of other signs, and an unrelated history
        "Chào ad, vợ em tiêm mũi 2 được 10 ngày, không sốt nhưng bắp chân sưng tím",
        "con em không có tiền sử động kinh mà tiêm xong bị co giật",
        "bố em không sốt, không đau đầu, nhưng giờ khó thở lắm",
        "không sốt, khó thở",
        "năm ngoái em bị hen, giờ tiêm xong khó thở quá",
        "con em có tiền sử co giật, tiêm xong lại bị co giật",
        "người ta bảo tiêm xong dễ mệt, nhưng giờ mẹ em khó thở thật",
    ],
)
def test_signs_now_are_emergencies(text: str) -> None:
    emergency, _ = when(text)
    assert emergency, text


@pytest.mark.parametrize(
    "text",
    [
        "hồi nhỏ có lần ăn tôm bị nổi mẩn khắp người, khó thở phải đi cấp cứu. em tiêm được không",
        "mui 1 astra e bi phan ve, kho tho. gio e khoe roi, tiem mui 2 duoc ko",
        "cách đây 5 năm bố em bị sốc phản vệ, ngừng thở. ông có tiêm được không",
        "năm 2019 mẹ em bị đau ngực phải đặt stent. nay bà tiêm được không",
        "em có tiền sử co giật, tiêm được không ạ",
        "lần tiêm mũi 1 bà có lúc tức ngực nhưng nghỉ là hết. mũi 2 tiêm được không",
    ],
)
def test_signs_in_the_past_are_history_not_emergencies(text: str) -> None:
    emergency, past = when(text)
    assert not emergency and past, text


@pytest.mark.parametrize(
    "text",
    [
        "sau tiêm có những dấu hiệu nào thì phải gọi 115",
        "nếu bị khó thở sau tiêm thì làm gì",
        "em không khó thở, chỉ hơi mệt",
        "em khỏi covid 2 tháng nhưng leo cầu thang là hụt hơi",
        "tiem vac xin vao co an toan that khong",
        "mẹ em xem facebook thấy người ta bảo tiêm xong bị liệt, bị đột quỵ nên sợ lắm",
    ],
)
def test_asked_about_or_denied_signs_are_neither(text: str) -> None:
    emergency, past = when(text)
    assert not emergency and not past, text


def test_a_fever_now_counts_but_a_fever_in_the_past_does_not() -> None:
    assert when("con em 7 tuổi sốt 39 độ uống hạ sốt không hạ")[0]
    assert not when("tháng trước tiêm mũi 1 em sốt 40 độ. mũi 2 tiêm được không")[0]
