"""`flask faq import|approve|reject|export|history` through the real app and a real Redis."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner

from app import create_app
from tests.conftest import ROOT

FIX = ROOT / "tests" / "fixtures"
NEW = "Dạ, sốt nhẹ sau tiêm là thường gặp: chườm ấm, uống nhiều nước, nghỉ ngơi."


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name in ("faq.yaml", "hotlines.yaml"):
        shutil.copy(FIX / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def runner(redis_url: str, files: Path) -> FlaskCliRunner:
    app = create_app(
        {
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": "cli:",
            "INSTANCE_PATH": str(files / "instance"),
            "FAQ_PATH": str(files / "faq.yaml"),
            "HOTLINES_PATH": str(files / "hotlines.yaml"),
            "ZALO_APP_ID": "",
        }
    )
    return app.test_cli_runner()


def test_import_review_export_round_trip(runner: FlaskCliRunner, files: Path) -> None:
    proposal = files / "proposal.yaml"
    text = (files / "faq.yaml").read_text("utf-8")
    old = text.split("answer: ", 1)[1].split("\n", 1)[0]
    proposal.write_text(text.replace(old, f'"{NEW}"', 1), "utf-8")
    made = runner.invoke(args=["faq", "import", str(proposal), "--by", "mai"])
    assert made.exit_code == 0, made.output
    change_id = made.output.strip().splitlines()[-1]
    assert "sot-sau-tiem" in made.output
    own = runner.invoke(args=["faq", "approve", change_id, "--by", "mai"])
    assert own.exit_code != 0 and "tự duyệt" in own.output
    listed = runner.invoke(args=["faq", "changes", "--status", "pending"]).output
    assert listed.startswith(f"{change_id}\tpending\timport\tmai")
    ok = runner.invoke(args=["faq", "approve", change_id, "--by", "hung"])
    assert ok.exit_code == 0 and "revision 2" in ok.output, ok.output
    out = files / "out"
    out.mkdir()
    exported = runner.invoke(
        args=["faq", "export", "--faq", str(out / "faq.yaml"), "--hotlines", str(out / "h.yaml")]
    )
    assert exported.exit_code == 0, exported.output
    assert NEW in (out / "faq.yaml").read_text("utf-8")
    history = runner.invoke(args=["faq", "history", "sot-sau-tiem"]).output.splitlines()
    assert history[0].startswith("2\t") and history[0].endswith("mai reviewed by hung")


def test_an_invalid_file_makes_no_change(runner: FlaskCliRunner, files: Path) -> None:
    bad = files / "bad.yaml"
    text = (files / "faq.yaml").read_text("utf-8")
    bad.write_text(text.replace("group: sau-tiem", "group: khong-co", 1), "utf-8")
    result = runner.invoke(args=["faq", "import", str(bad), "--by", "mai"])
    assert result.exit_code != 0 and "khong-co" in result.output
    assert runner.invoke(args=["faq", "changes"]).output == ""
    broken = files / "broken.yaml"
    broken.write_text("entries: [", "utf-8")
    assert runner.invoke(args=["faq", "import", str(broken), "--by", "mai"]).exit_code != 0
