"""What the shipped answers must say for residents' safety (issue: content residents can trust)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.content.loader import Content, load
from bot.content.schema import FaqEntry

ROOT = Path(__file__).resolve().parent.parent

# Answers about caring for someone after vaccination: each must end with the warning signs and 115.
AFTER_CARE = (
    "sot-sau-tiem",
    "uong-thuoc-truoc-tiem",
    "nguoi-cao-tuoi",
    "tre-em",
    "phan-ung-thuong-gap",
    "theo-doi-tai-nha",
    "dau-cho-tiem",
    "sinh-hoat-sau-tiem",
)
WARNING_SIGNS = ("khó thở", "tê môi", "đau ngực", "ngất", "co giật", "sốt trên", "bầm tím")
PARACETAMOL = ("sot-sau-tiem", "uong-thuoc-truoc-tiem")
ANAPHYLAXIS = ("chong-chi-dinh", "chon-vac-xin", "kham-sang-loc", "di-ung")


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load(ROOT / "faq.yaml", ROOT / "hotlines.yaml")


def _last_line(entry: FaqEntry) -> str:
    return entry.answer.strip().splitlines()[-1]


@pytest.mark.parametrize("faq_id", AFTER_CARE)
def test_after_care_answers_end_with_warning_signs_and_115(shipped: Content, faq_id: str) -> None:
    last = _last_line(shipped.entries[faq_id])
    assert "gọi 115" in last, last
    assert any(sign in last for sign in WARNING_SIGNS), last


@pytest.mark.parametrize("faq_id", PARACETAMOL)
def test_children_paracetamol_has_the_daily_maximum(shipped: Content, faq_id: str) -> None:
    answer = shipped.entries[faq_id].answer  # shown first, not hidden behind "Xem thêm"
    assert "10–15 mg/kg mỗi lần" in answer
    assert "ít nhất 4–6 giờ" in answer
    assert "không quá 60 mg/kg một ngày" in answer
    assert "3/3/2022" in answer
    assert "chăm sóc tại nhà đối với trẻ em" in shipped.entries[faq_id].source


def test_every_paracetamol_dose_for_children_states_the_maximum(shipped: Content) -> None:
    for entry in shipped.entries.values():
        for text in (entry.answer, getattr(entry, "details", "")):
            if re.search(r"\d+\s*mg/kg", text):
                assert "60 mg/kg" in text and "4–6 giờ" in text, entry.id


def test_fever_over_48_hours_needs_a_doctor(shipped: Content) -> None:
    assert "39–40 °C kéo dài quá 48 giờ" in shipped.entries["sot-sau-tiem"].answer


@pytest.mark.parametrize("faq_id", ANAPHYLAXIS)
def test_past_severe_allergy_is_explained_in_plain_words(shipped: Content, faq_id: str) -> None:
    entry = shipped.entries[faq_id]
    text = f"{entry.answer}\n{getattr(entry, 'details', '')}"
    assert "cơ sở có khả năng cấp cứu phản vệ" in entry.answer
    assert "dị ứng nặng" in entry.answer
    assert "độ 3" not in text and "quá mẫn" not in text and "dị nguyên" not in text


def test_a_small_bruise_at_the_site_is_not_an_emergency(shipped: Content) -> None:
    answer = shipped.entries["dau-cho-tiem"].answer
    first = answer.splitlines()[0]
    assert "bầm nhỏ" in first and "không phải cấp cứu" in first
    assert "nơi khác" in _last_line(shipped.entries["dau-cho-tiem"])


# "Theo Quyết định 5785/QĐ-BYT ngày 21/12/2021 …": a named guidance and its date, in the answer.
GUIDANCE = re.compile(
    r"(Quyết định|Công văn|Công điện|Nghị quyết|Nghị định|Kế hoạch|hướng dẫn|khuyến cáo|"
    r"thông báo|thống nhất|quy trình|quy ước|Cục Công nghệ thông tin|thông tin của)"
    r"[^\n]{0,120}?(\d{1,2}/\d{1,2}/20\d\d|\d{1,2}/20\d\d|năm 20\d\d)",
    re.IGNORECASE,
)
UNDATED_NOW = re.compile(r"mới nhất|hiện nay|hiện tại", re.IGNORECASE)


def test_every_answer_names_a_dated_guidance(shipped: Content) -> None:
    missing = [
        e.id
        for e in shipped.entries.values()
        if not GUIDANCE.search(e.answer) or "theo" not in e.answer.lower()
    ]
    assert missing == []


def test_no_answer_calls_the_campaign_guidance_current(shipped: Content) -> None:
    stale = [
        e.id
        for e in shipped.entries.values()
        if UNDATED_NOW.search(f"{e.answer}\n{e.details}\n{e.question}")
    ]
    assert stale == []


def test_pc_covid_colours_say_the_same_in_both_entries(shipped: Content) -> None:
    for faq_id in ("chung-nhan-tiem-chung", "pc-covid-vneid"):
        entry = shipped.entries[faq_id]
        text = f"{entry.answer}\n{entry.details}"
        assert "từng tỉnh quy định" in text, faq_id  # the COVID card in PC-Covid
        assert "vàng" in text and "xanh" in text, faq_id  # the vaccination certificate


def test_welcome_says_whose_guidance_and_when_the_content_was_reviewed(shipped: Content) -> None:
    from bot.dialogue import wording

    text = wording.welcome().text
    assert "hướng dẫn của Bộ Y tế" in text and "2021–2022" in text
    newest = max(e.reviewed for e in shipped.entries.values() if e.reviewed)
    assert f"rà soát lần cuối ngày {newest:%d/%m/%Y}" in text  # update it with the reviews
