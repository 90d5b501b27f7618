"""The README tells a newcomer what they need: two commands, the console, its first account."""

from __future__ import annotations

import re

from bot.services import accounts
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_quick_start_is_two_commands_and_names_the_console() -> None:
    quick = section("Quick start")
    block = quick.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    assert "/admin" in block and "users add NAME --role admin" in quick


def test_the_console_section_says_how_to_start_and_who_may_do_what() -> None:
    console = section("The console")
    assert "http://127.0.0.1:5000/admin" in console
    assert re.search(r"flask --app app users add \w+ --role admin", console)
    rows = {m.group(1) for m in re.finditer(r"^\| `(\w+)` ", console, re.MULTILINE)}
    assert rows == set(accounts.ROLES)
    for role, name in accounts.ROLE_NAMES.items():
        assert f"`{role}` ({name})" in console
    assert f"at least {accounts.MIN_PASSWORD} characters" in console
    assert f"{accounts.MAX_FAILURES} failed logins" in console.replace("five", "5")
