"""Every topic residents ask about has an entry, and the entry's first answer carries the fact."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import Content, load
from bot.dialogue import render

ROOT = Path(__file__).resolve().parent.parent

# The topic ids of the campaign's content plan (shared/content/topics.yaml, 58 ids).
TOPICS = (
    "an-toan-vac-xin",
    "hieu-qua-vac-xin",
    "van-mac-sau-tiem",
    "loai-vac-xin",
    "chon-vac-xin",
    "tin-don-vac-xin",
    "mien-phi",
    "khoang-cach-mui",
    "tiem-tron-mui",
    "mui-nhac-lai",
    "tre-hen-mui-2",
    "doi-tuong-uu-tien",
    "kham-sang-loc",
    "chong-chi-dinh",
    "benh-nen",
    "di-ung",
    "phu-nu-mang-thai",
    "cho-con-bu",
    "tre-em",
    "nguoi-cao-tuoi",
    "da-mac-covid",
    "dang-dung-thuoc",
    "chuan-bi-truoc-tiem",
    "giay-to-mang-theo",
    "uong-thuoc-truoc-tiem",
    "theo-doi-30-phut",
    "theo-doi-tai-nha",
    "phan-ung-thuong-gap",
    "sot-sau-tiem",
    "dau-cho-tiem",
    "dau-hieu-nguy-hiem",
    "sinh-hoat-sau-tiem",
    "bao-phan-ung",
    "cach-dang-ky-tiem",
    "dang-ky-truc-tuyen",
    "lich-dia-diem-tiem",
    "khi-nao-den-luot",
    "dang-ky-cho-nguoi-than",
    "nguoi-ngoai-tinh",
    "cai-dat-so-suc-khoe",
    "tai-khoan-so-suc-khoe",
    "khai-bao-y-te",
    "tra-cuu-mui-tiem",
    "sai-thong-tin-tiem",
    "chung-nhan-tiem-chung",
    "pc-covid-vneid",
    "quy-vac-xin",
    "chinh-sach-tiem-chung",
    "quyen-loi-trach-nhiem",
    "ke-hoach-mang-thai",
    "kinh-nguyet",
    "vac-xin-khac",
    "xet-nghiem-truoc-tiem",
    "xet-nghiem-khang-the",
    "khong-phan-ung",
    "thanh-phan-vac-xin",
    "ho-tro-tai-bien",
    "janssen-mot-mui",
)

# What the answer shown first must say (facts-gaps.md, same section numbers as topics.yaml).
MUST_SAY = {
    "mien-phi": ["miễn phí", "Công điện 1478", "nghiêm cấm", "báo UBND"],
    "ke-hoach-mang-thai": ["không cần hoãn có thai", "WHO", "chưa có văn bản riêng"],
    "kinh-nguyet": ["vẫn tiêm được", "dưới 1 ngày", "đi khám"],
    "vac-xin-khac": ["phòng dại, uốn ván ngay", "báo bác sĩ", "14 ngày", "5785"],
    "xet-nghiem-truoc-tiem": ["không thấy bước xét nghiệm", "ốm cấp tính", "tạm hoãn"],
    "xet-nghiem-khang-the": ["không cần xét nghiệm kháng thể", "PCR", "đã bị nhiễm"],
    "khong-phan-ung": ["không có nghĩa là vắc xin không có tác dụng"],
    "thanh-phan-vac-xin": ["không thể làm bạn mắc COVID-19", "mRNA", "bất hoạt"],
    "ho-tro-tai-bien": ["24 giờ", "Hội đồng tư vấn chuyên môn", "Nghị định 104/2016", "chưa thấy"],
    "janssen-mot-mui": ["15/7/2021", "1 mũi", "10722", "chưa thấy hướng dẫn riêng"],
    "benh-nen": ["không phải lý do để không tiêm", "thận trọng"],
    "da-mac-covid": ["chưa tiêm mũi nào", "3–6 tháng", "04/4/2022"],
}
CHRONIC_ILLNESSES = ("Ung thư", "huyết áp", "Tiểu đường", "tuyến giáp", "viêm gan B", "stent")
CHRONIC_ILLNESSES += ("đột quỵ", "Chạy thận")


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load(ROOT / "faq.yaml", ROOT / "hotlines.yaml")


def test_every_topic_has_an_entry(shipped: Content) -> None:
    assert len(TOPICS) == 58
    assert sorted(set(TOPICS) - set(shipped.entries)) == []


@pytest.mark.parametrize(("faq_id", "facts"), sorted(MUST_SAY.items()))
def test_the_answer_shown_first_carries_the_fact(
    shipped: Content, faq_id: str, facts: list[str]
) -> None:
    answer = shipped.entries[faq_id].answer
    assert [f for f in facts if f not in answer] == []


def test_chronic_illnesses_residents_name_are_explained(shipped: Content) -> None:
    details = shipped.entries["benh-nen"].details
    assert [f for f in CHRONIC_ILLNESSES if f not in details] == []


@pytest.mark.parametrize("faq_id", sorted(MUST_SAY))
def test_new_entries_are_complete(shipped: Content, faq_id: str) -> None:
    entry = shipped.entries[faq_id]
    assert len(entry.variants) >= 10
    assert entry.source and entry.references and entry.reviewed
    assert entry.title and len(render.faq_button(entry).title) <= 35
