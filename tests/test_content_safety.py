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
