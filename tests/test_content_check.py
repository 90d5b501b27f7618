"""`faq check` for the staff who edit the content: Vietnamese messages, the right line for a YAML
mistake, and overlapping variants summarised per pair of entries."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask

from bot.cli.faq import faq_cli
from bot.config import Settings
from bot.content.loader import parse_files
from bot.content.schema import Issue
from bot.content.validate import check

FIX = Path(__file__).resolve().parent / "fixtures"
FAQ_LINES = (FIX / "faq.yaml").read_text("utf-8").splitlines(keepends=True)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    faq, hot = tmp_path / "faq.yaml", tmp_path / "hotlines.yaml"
    shutil.copy(FIX / "faq.yaml", faq)
    shutil.copy(FIX / "hotlines.yaml", hot)
    return faq, hot


def _break(faq: Path, hot: Path, index: int, new_line: str) -> Issue:
    """Replace line `index` (0-based) and return the single YAML error found."""
    lines = list(FAQ_LINES)
    lines[index] = new_line
    faq.write_text("".join(lines), "utf-8")
    errors = [i for i in parse_files(faq, hot).issues if i.level == "error"]
    assert len(errors) == 1, errors
    return errors[0]


def _lines(start: str) -> list[int]:
    return [i for i, line in enumerate(FAQ_LINES) if line.lstrip().startswith(start)]


@pytest.mark.parametrize("index", _lines('question: "') + _lines('- "') + _lines('source: "'))
def test_a_missing_closing_quote_names_its_own_line(files: tuple[Path, Path], index: int) -> None:
    broken = FAQ_LINES[index].rstrip("\n")[:-1] + "\n"
    error = _break(*files, index, broken)
    assert error.line == index + 1, (error, FAQ_LINES[index])
    assert "YAML sai cú pháp" in error.message and "ngoặc kép" in error.message


@pytest.mark.parametrize("index", _lines("related: ["))
def test_an_unclosed_bracket_names_its_own_line(files: tuple[Path, Path], index: int) -> None:
    error = _break(*files, index, FAQ_LINES[index].replace("]", ""))
    assert error.line == index + 1
    assert "thiếu dấu ]" in error.message


@pytest.mark.parametrize("index", _lines("group:"))
def test_an_opened_bracket_names_its_own_line(files: tuple[Path, Path], index: int) -> None:
    error = _break(*files, index, FAQ_LINES[index].replace("group: ", "group: [", 1))
    assert error.line == index + 1


@pytest.mark.parametrize(
    ("start", "change", "words"),
    [
        ("group:", lambda line: "\t" + line.lstrip(" "), "tab"),
        ("answer:", lambda line: line[1:], "thụt lề"),
        (
            'question: "',
            lambda line: line.replace('"', "", 2).replace(": ", ": Hỏi: ", 1),
            "hai chấm",
        ),
    ],
)
def test_other_mistakes_are_explained_in_vietnamese_on_their_line(
    files: tuple[Path, Path], start: str, change, words: str
) -> None:
    index = _lines(start)[1]
    error = _break(*files, index, change(FAQ_LINES[index]))
    assert error.line == index + 1 and words in error.message


def test_a_repeated_key_is_explained(files: tuple[Path, Path]) -> None:
    index = _lines("source:")[0]
    lines = list(FAQ_LINES)
    lines.insert(index + 1, lines[index])
    files[0].write_text("".join(lines), "utf-8")
    errors = [i for i in parse_files(*files).issues if i.level == "error"]
    assert errors[0].line == index + 2 and "hai lần" in errors[0].message


def test_issues_read_in_vietnamese() -> None:
    assert str(Issue("error", "faq.yaml", 3, "x", "m")) == "faq.yaml:3 [x]: lỗi: m"
    assert str(Issue("warning", "faq.yaml", None, "", "m")) == "faq.yaml: cảnh báo: m"


def _overlap(faq: Path) -> None:
    text = faq.read_text("utf-8")
    for old, new in [
        ('      - "phối hợp vắc xin khác loại"', '      - "khoảng cách hai mũi pfizer astra"'),
        ('      - "mũi hai khác hãng mũi một"', '      - "mũi 2 astra cách mũi 1 bao lâu"'),
        ('      - "bao giờ thì tiêm mũi 2"', '      - "mũi 2 tiêm khác loại mũi 1 được không"'),
    ]:
        assert old in text
        text = text.replace(old, new, 1)
    faq.write_text(text, "utf-8")


def test_overlapping_variants_are_one_warning_per_pair_of_entries(
    files: tuple[Path, Path],
) -> None:
    faq, hot = files
    _overlap(faq)
    report = check(faq, hot)
    pair = [w for w in report.conflicts if "khoang-cach-mui" in w.message]
    assert len(pair) == 1, report.conflicts
    message = pair[0].message
    found = re.match(r"khoang-cach-mui ↔ tiem-tron-mui: (\d+) cách hỏi", message)
    assert found and int(found[1]) >= 3, message
    # three variants quoted, the rest counted
    assert message.count("' của ") == 3 and "cách hỏi khác" in message
    assert "của tiem-tron-mui" in message and "của khoang-cach-mui" in message
    assert pair[0].entry in ("tiem-tron-mui", "khoang-cach-mui") and pair[0] in report.warnings


def test_check_prints_errors_first_and_overlaps_as_a_summary(
    files: tuple[Path, Path],
) -> None:
    faq, hot = files
    _overlap(faq)
    app = Flask(__name__)
    app.extensions["bot"] = SimpleNamespace(
        settings=Settings(faq_path=str(faq), hotlines_path=str(hot))
    )
    app.cli.add_command(faq_cli)
    out = app.test_cli_runner().invoke(args=["faq", "check"]).output.splitlines()
    heading = next(i for i, line in enumerate(out) if line.startswith("Cách hỏi khớp với mục khác"))
    assert "1 cặp mục" in out[heading]
    assert out[heading + 1].startswith("  ") and "↔" in out[heading + 1]
    assert out[-1].startswith("0 lỗi,") and "1 cặp mục có cách hỏi gần nhau" in out[-1]
