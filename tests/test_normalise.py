"""Normalisation of how residents type (facts.md Part 3) and number masking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.language.mask import mask_numbers
from bot.language.normalise import fold, normalise


def acc(text: str) -> str:
    return normalise(text).accented


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("tiêm xong dc k", "tiêm xong được không"),
        ("đc ko ad", "được không admin"),
        ("vacxin co an toan k", "vắc xin co an toan không"),
        ("chích ngừa vaccine", "tiêm vắc xin"),
        ("vắc-xin", "vắc xin"),
        ("sskđt ko hiện mũi 3", "sổ sức khỏe điện tử không hiện mũi nhắc lại"),
        ("AZ mũi 2", "astrazeneca mũi 2"),
        ("PC-Covid là j", "pc covid là gì"),
        ("mk hỏi bs", "mình hỏi bác sĩ"),
        ("cccd cmnd F0", "cccd cmnd f0"),
        ("có sao k ạ", "có sao không ạ"),
        ("k sao", "không sao"),
    ],
)
def test_chat_spellings(typed: str, expected: str) -> None:
    assert acc(typed) == expected


def test_capital_k_next_to_an_organ_is_cancer_but_chat_k_is_negation() -> None:
    assert acc("mổ K giáp tiêm được không") == "mổ ung thư giáp tiêm được không"
    assert acc("bị K gan") == "bị ung thư gan"
    assert acc("tiêm có đau k") == "tiêm có đau không"
    assert "không" not in acc("bé 20 kg tiêm được không").split()[:3]
    assert acc("đau hong") == "đau hong"  # a sore throat, not "không"


def test_no_diacritics_meet_full_diacritics() -> None:
    assert normalise("tiem xong bi sot").folded == normalise("tiêm xong bị sốt").folded
    assert fold("Đăng ký") == "Dang ky"


def test_old_and_new_tone_placement_are_unified() -> None:
    assert acc("hoà") == acc("hòa")
    assert acc("thuý") == acc("thúy")
    assert acc("khoẻ") == acc("khỏe")
    assert acc("hòang") == "hoàng"


def test_l_n_slips_of_nam_dinh() -> None:
    assert acc("nàm sao để đăng kí") == "làm sao để đăng ký"
    assert acc("có lên tiêm không") == "có nên tiêm không"
    assert acc("sốt lên 39 độ") == "sốt lên 39 độ"


def test_punctuation_emoji_numbers_whitespace() -> None:
    assert acc("  Sốt 38,5 độ!!! 😭😭   ") == "sốt 38.5 độ"
    assert acc("39.5") == "39.5"
    assert acc("mui2") == "mũi 2" or acc("mui2") == "mui 2"
    assert normalise("👍").tokens == ()


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_never_raises_and_is_idempotent(text: str) -> None:
    once = normalise(text).accented
    assert normalise(once).accented == once


@pytest.mark.parametrize(
    "text",
    ["Tiêm xong K sao đâu k", "mổ K giáp, K gan", "dc k ạ?", "hoà thuý ko 38,5", "\x00\ud800 İK"],
)
def test_idempotent_on_tricky_cases(text: str) -> None:
    once = normalise(text).accented
    assert normalise(once).accented == once


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("gọi 0912 345 678 nhé", "gọi *** nhé"),
        ("+84 912.345.678", "***"),
        ("cccd 036201001234", "cccd ***"),
        ("cmnd 123456789", "cmnd ***"),
        ("mã DN4010123456789", "mã ***"),
        ("sốt 39.5 độ, gọi 1900 9095 hoặc 115", "sốt 39.5 độ, gọi 1900 9095 hoặc 115"),
    ],
)
def test_mask_numbers(text: str, masked: str) -> None:
    assert mask_numbers(text) == masked


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("vo em dang co bau", "vợ em đang mang thai"),
        ("tiem xong dau tay", "tiêm xong đau cánh tay"),
        ("tiem cheo vac xin", "tiêm trộn vắc xin"),
        ("tiem covid co mien phi ko", "tiêm covid có mất tiền không"),
        ("app so suc khoe", "ứng dụng sskđt"),
    ],
)
def test_synonym_groups_meet(a: str, b: str) -> None:
    assert normalise(a).folded == normalise(b).folded


def test_idempotent_across_sentence_breaks() -> None:
    for text in ("DC!KG0", "tiêm rồi. K biết", "con nặng 20 kg. uống thuốc dc k"):
        once = normalise(text).accented
        assert normalise(once).accented == once, text


def test_dien_thoai_is_not_read_as_thoi() -> None:
    assert normalise("so dien thoai").folded == "so dien thoai"
    assert "thoai mai" in normalise("thoai mai").folded


@pytest.mark.parametrize(
    "text",
    [
        "gọi 0912\u00a0345\u00a0678 nhé",  # no-break spaces
        "gọi 0912  345  678 nhé",  # double spaces
        "gọi 0912\u200b345\u200b678 nhé",  # zero-width spaces
        "gọi 09\u200d12\u2060345\ufeff678 nhé",  # joiners and a BOM inside
        "gọi 0912,345,678 nhé",
        "gọi 0912_345_678 nhé",
        "gọi (091) 234-5678 nhé",
        "gọi 0912/345/678 nhé",
        "gọi ０９１２３４５６７８ nhé",  # full-width digits
        "gọi 0912 - 345 - 678 nhé",
        "gọi 0912\u2013345\u2013678 nhé",  # en dashes
    ],
)
def test_mask_numbers_whatever_sits_between_the_digits(text: str) -> None:
    assert mask_numbers(text) == "gọi *** nhé"


def test_mask_numbers_odd_separators_in_id_and_card_numbers() -> None:
    assert mask_numbers("CCCD: 036\u00a0201\u200b001\u00a0234") == "CCCD: ***"
    assert mask_numbers("thẻ DN\u00a04010_1234_56789") == "thẻ ***"
    assert mask_numbers("hẹn 12/12/2026, mũi 2 lúc 8 giờ") == "hẹn 12/12/2026, mũi 2 lúc 8 giờ"
