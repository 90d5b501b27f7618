"""Short answers first, the rest behind "Xem thêm": the limits, the button and its payload."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from statistics import median
from zoneinfo import ZoneInfo

import pytest

from bot.content.loader import Content, load
from bot.content.parse import MAX_ANSWER
from bot.content.validate import check
from bot.dialogue import render
from bot.dialogue.turn import Thresholds
from bot.model import Decision, Session
from intents import respond

ROOT = Path(__file__).resolve().parent.parent
FIX = Path(__file__).resolve().parent / "fixtures"
NOW = datetime(2022, 3, 7, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load(ROOT / "faq.yaml", ROOT / "hotlines.yaml")


def say(content: Content, text: str, session: Session | None = None) -> Decision:
    return respond(
        text, session=session or Session(), content=content, now=NOW, thresholds=Thresholds()
    )


def test_shipped_answers_are_short_enough_for_a_phone(shipped: Content) -> None:
    lengths = {e.id: len(e.answer) for e in shipped.entries.values()}
    assert max(lengths.values()) <= 600, max(lengths, key=lengths.__getitem__)
    assert median(lengths.values()) <= 450
    assert sum(1 for e in shipped.entries.values() if e.details) >= 20


def test_every_shipped_details_message_fits(shipped: Content) -> None:
    for entry in shipped.entries.values():
        if entry.details:
            reply = render.details(entry, [shipped.entries[r] for r in entry.related])
            assert len(render.plain_text(reply)) <= 2000, entry.id
            assert reply.text.endswith(f"Nguồn: {entry.source}")


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    faq, hot = tmp_path / "faq.yaml", tmp_path / "hotlines.yaml"
    shutil.copy(FIX / "faq.yaml", faq)
    shutil.copy(FIX / "hotlines.yaml", hot)
    return faq, hot


def test_an_answer_over_600_characters_is_an_error(tmp_path: Path) -> None:
    faq, hot = _copy(tmp_path)
    text = faq.read_text("utf-8")
    old = 'answer: "Dạ, trễ hẹn'
    assert old in text
    faq.write_text(text.replace(old, 'answer: "' + "x" * (MAX_ANSWER - 9) + " Dạ, trễ hẹn", 1))
    errors = [e for e in check(faq, hot).errors if e.entry == "tre-hen-mui-2"]
    assert errors and "600" in errors[0].message and "details" in errors[0].message
    line = faq.read_text("utf-8").splitlines()[errors[0].line - 1]  # type: ignore[operator]
    assert "answer:" in line


def test_details_load_and_give_the_answer_a_more_button(tmp_path: Path) -> None:
    faq, hot = _copy(tmp_path)
    text = faq.read_text("utf-8")
    old = '    source: "Bộ Y tế"\n    reviewed'
    assert old in text
    new = '    details: "Chi tiết thêm về lịch tiêm."\n' + old
    faq.write_text(text.replace(old, new, 1), "utf-8")
    report = check(faq, hot)
    assert report.ok and report.content is not None, report.errors
    entry = next(e for e in report.content.entries.values() if e.details)
    assert entry.details == "Chi tiết thêm về lịch tiêm."
    reply = render.answer(entry, [report.content.entries[r] for r in entry.related])
    assert reply.buttons[0] == render.more_button(entry)
    assert reply.buttons[0].title == "Xem thêm" and reply.buttons[0].kind == "query"
    assert reply.buttons[0].payload == f"#xemthem {entry.id}"
    assert len(reply.buttons) <= 5
    plain = next(e for e in report.content.entries.values() if not e.details)
    assert all(b.title != "Xem thêm" for b in render.answer(plain).buttons)


def test_pressing_more_sends_the_details(shipped: Content) -> None:
    first = say(shipped, "con em tiem ve sot 38.5 do")
    assert first.faq_id == "sot-sau-tiem"
    more = next(b for b in first.reply.buttons if b.title == "Xem thêm")
    second = say(shipped, more.payload, first.session)  # a query button sends its payload back
    entry = shipped.entries["sot-sau-tiem"]
    assert second.intent == "faq" and second.faq_id == "sot-sau-tiem"
    assert second.reply.text.startswith(entry.details.splitlines()[0])
    assert all(b.title != "Xem thêm" for b in second.reply.buttons)


@pytest.mark.parametrize("typed", ["xem thêm", "Xem thêm ạ", "xem them", "cho em xem chi tiết"])
def test_typing_more_after_an_answer_sends_its_details(shipped: Content, typed: str) -> None:
    first = say(shipped, "phụ nữ có thai 4 tháng tiêm được không")
    assert first.faq_id == "phu-nu-mang-thai"
    second = say(shipped, typed, first.session)
    assert second.intent == "faq" and second.faq_id == "phu-nu-mang-thai"
    assert shipped.entries["phu-nu-mang-thai"].details.splitlines()[0] in second.reply.text


def _is_details(shipped: Content, d: Decision) -> bool:
    firsts = [e.details.splitlines()[0] for e in shipped.entries.values() if e.details]
    return any(d.reply.text.startswith(first) for first in firsts)


def test_typing_more_with_nothing_before_is_not_a_details_reply(shipped: Content) -> None:
    assert not _is_details(shipped, say(shipped, "xem thêm"))


def test_the_payload_names_its_entry_even_in_a_new_session(shipped: Content) -> None:
    d = say(shipped, "#xemthem benh-nen")
    assert d.intent == "faq" and d.faq_id == "benh-nen" and _is_details(shipped, d)
    assert "Ung thư" in d.reply.text
    assert say(shipped, "#xemthem khong-co-muc-nay").intent == "fallback"
