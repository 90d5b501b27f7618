"""Loading, checking and hot-reloading the content; every shipped reply fits a Zalo message."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.content.loader import Content, load
from bot.content.validate import check
from bot.content.watcher import ContentWatcher
from bot.dialogue import render, wording
from bot.dialogue.turn import Thresholds
from bot.errors import ContentError
from bot.language.normalise import normalise
from bot.model import Reply, Session
from intents import respond

ROOT = Path(__file__).resolve().parent.parent
FIX = Path(__file__).resolve().parent / "fixtures"
NOW = datetime(2022, 3, 7, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    faq, hot = tmp_path / "faq.yaml", tmp_path / "hotlines.yaml"
    shutil.copy(FIX / "faq.yaml", faq)
    shutil.copy(FIX / "hotlines.yaml", hot)
    return faq, hot


def fits(reply: Reply) -> bool:
    return (
        len(reply.text) <= 2000
        and len(reply.buttons) <= 5
        and all(0 < len(b.title) <= 35 for b in reply.buttons)
    )


def test_loader_builds_frozen_content(files: tuple[Path, Path]) -> None:
    content = load(*files)
    assert list(content.entries)[:2] == ["sot-sau-tiem", "dau-hieu-nguy-hiem"]
    assert content.groups["sau-tiem"].startswith("Sau khi tiêm")
    assert len(content.groups) == 8
    assert content.find_district(normalise("tôi ở hai hau")) == "hai-hau"
    assert content.find_district(normalise("ở Nam Định")) is None
    assert content.version == "faq test-1 · hotlines test-1"
    with pytest.raises(AttributeError):
        content.version = "x"  # type: ignore[misc]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_errors_name_file_line_and_entry(files: tuple[Path, Path]) -> None:
    faq, hot = files
    _edit(faq, "group: mui-tiem", "group: khong-co")
    with pytest.raises(ContentError) as info:
        load(faq, hot)
    err = info.value
    assert err.file == str(faq) and err.entry == "tiem-tron-mui"
    line = faq.read_text("utf-8").splitlines()[err.line - 1]  # type: ignore[operator]
    assert "group: khong-co" in line
    assert f"{faq}:{err.line} [tiem-tron-mui]" in str(err)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("id: khoang-cach-mui", "id: tre-hen-mui-2", "id bị trùng"),
        ("related: [dau-hieu-nguy-hiem]", "related: [khong-co]", "related"),
        ('url: "https://tiemchungcovid19.gov.vn"', 'url: "http://x.vn"', "https://"),
        ('source: "Bộ Y tế"\n    reviewed', 'source: ""\n    reviewed', "thiếu trường source"),
        ('      - "bao giờ thì tiêm mũi 2"\n', "", "ít nhất 6 cách hỏi"),
    ],
)
def test_check_reports_faq_errors(
    files: tuple[Path, Path], old: str, new: str, message: str
) -> None:
    faq, hot = files
    _edit(faq, old, new)
    report = check(faq, hot)
    assert not report.ok
    assert any(message in e.message for e in report.errors), report.errors


def test_check_reports_phone_and_hours(files: tuple[Path, Path]) -> None:
    faq, hot = files
    _edit(hot, 'phone: "0228 3840 123"', 'phone: "12345"')
    _edit(hot, 'from: "07:00"', 'from: "7h"')
    messages = [e.message for e in check(faq, hot).errors]
    assert any("số điện thoại" in m for m in messages) and any("hours" in m for m in messages)


def test_check_warns_unverified_phone_and_past_review(files: tuple[Path, Path]) -> None:
    faq, hot = files
    _edit(
        hot,
        "    phone: null\n    hours: null\n    source: null",
        '    phone: "0228 1234 567"\n    hours: null\n    source: "x"',
    )
    report = check(faq, hot, today=date(2024, 1, 1))
    assert report.ok
    warnings = [str(w) for w in report.warnings]
    assert any("chưa được xác minh" in w for w in warnings)
    assert any("[sot-sau-tiem]" in w and "quá hạn rà soát" in w for w in warnings)


def test_check_detects_conflicting_variants(files: tuple[Path, Path]) -> None:
    faq, hot = files
    _edit(
        faq,
        '      - "phối hợp vắc xin khác loại"',
        '      - "khoảng cách giữa hai mũi astrazeneca pfizer bao lâu"',
    )
    conflicts = check(faq, hot).conflicts
    assert any(w.entry == "tiem-tron-mui" and "khoang-cach-mui" in w.message for w in conflicts)
    assert all(w in check(faq, hot).warnings for w in conflicts)


def test_check_reports_too_long_answer(files: tuple[Path, Path]) -> None:
    faq, hot = files
    _edit(faq, 'answer: "Dạ, trễ hẹn', 'answer: "' + "rất dài " * 260 + "Dạ, trễ hẹn")
    assert any("600" in e.message for e in check(faq, hot).errors)


def test_check_reports_a_message_over_zalos_limit(files: tuple[Path, Path]) -> None:
    faq, hot = files
    _edit(
        faq, 'source: "Bộ Y tế"\n    reviewed', 'source: "' + "Bộ Y tế " * 250 + '"\n    reviewed'
    )
    assert any("2000" in e.message for e in check(faq, hot).errors)


def test_hot_reload_keeps_last_good_version(files: tuple[Path, Path]) -> None:
    faq, hot = files
    watcher = ContentWatcher(faq, hot)
    first = watcher.current
    assert watcher.poll(NOW) is False  # nothing changed
    _edit(faq, 'version: "test-1"', 'version: "test-2"')
    os.utime(faq, ns=(1, 1))
    assert watcher.poll(NOW) is True and watcher.current.version.startswith("faq test-2")
    good = watcher.current
    _edit(faq, "group: mui-tiem", "group: [broken")
    os.utime(faq, ns=(2, 2))
    assert watcher.poll(NOW) is False
    assert watcher.current is good and watcher.current is not first
    status = watcher.status()
    assert status["errors"] and status["errors"][0]["file"] == str(faq)
    assert status["errors"][0]["line"] and status["last_checked"] == NOW.isoformat()


def test_watcher_without_any_good_version_raises(files: tuple[Path, Path]) -> None:
    faq, hot = files
    faq.write_text("entries: 3\n", "utf-8")
    watcher = ContentWatcher(faq, hot)
    with pytest.raises(ContentError):
        _ = watcher.current
    assert watcher.status()["version"] is None


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load(ROOT / "faq.yaml", ROOT / "hotlines.yaml")


def test_shipped_content_has_no_errors() -> None:
    report = check(ROOT / "faq.yaml", ROOT / "hotlines.yaml")
    assert report.ok, [str(e) for e in report.errors]
    assert report.content is not None and len(report.content.entries) >= 50


def test_every_shipped_answer_fits_a_zalo_message(shipped: Content) -> None:
    for entry in shipped.entries.values():
        related = [shipped.entries[r] for r in entry.related]
        reply = render.answer(entry, related)
        assert fits(reply), entry.id
        assert len(render.plain_text(reply)) <= 2000
        assert reply.text.endswith(f"Nguồn: {entry.source}")


@pytest.mark.parametrize(
    "text",
    [
        "menu",
        "#menu 2",
        "đường dây nóng",
        "mình muốn nhận lịch tiêm",
        "tiem xong bi kho tho",
        "#nhom dang-ky",
        "#nhom so-suc-khoe",
        "gặp cán bộ",
        "qwerty",
        "mui 2",
    ],
)
def test_every_reply_fits(shipped: Content, text: str) -> None:
    d = respond(text, session=Session(), content=shipped, now=NOW, thresholds=Thresholds())
    assert fits(d.reply), (text, d.reply)


def test_wording_replies_fit() -> None:
    for reply in (wording.welcome(), wording.flood_warning(), wording.media_not_supported()):
        assert fits(reply)
    long = render.with_notices(Reply("x" * 1900), ["tin " * 100])
    assert fits(long)


def test_button_titles_are_checked_and_used(files: tuple[Path, Path]) -> None:
    faq, hot = files
    text = faq.read_text("utf-8")
    first_question = next(line for line in text.splitlines() if "question:" in line)
    _edit(faq, first_question, first_question + '\n    title: "' + "x" * 36 + '"')
    report = check(faq, hot)
    assert any("title dài quá 35" in e.message for e in report.errors), report.errors
    _edit(faq, '"' + "x" * 36 + '"', '"Nút ngắn"')
    content = load(faq, hot)
    entry = next(e for e in content.entries.values() if e.title)
    assert render.faq_button(entry).title == "Nút ngắn"


def test_every_shipped_entry_has_a_button_title_that_fits(shipped: Content) -> None:
    for entry in shipped.entries.values():
        assert entry.title and len(entry.title) <= 35, entry.id
