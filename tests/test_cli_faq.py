"""`flask faq check|ask|predict|eval` through a Flask CLI runner (no Redis needed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.cli.faq import faq_cli
from bot.config import Settings

FIX = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def runner(tmp_path: Path) -> FlaskCliRunner:
    for name in ("faq.yaml", "hotlines.yaml"):
        shutil.copy(FIX / name, tmp_path / name)
    app = Flask(__name__)
    settings = Settings(
        faq_path=str(tmp_path / "faq.yaml"), hotlines_path=str(tmp_path / "hotlines.yaml")
    )
    app.extensions["bot"] = SimpleNamespace(settings=settings)
    app.cli.add_command(faq_cli)
    return app.test_cli_runner()


def test_check_ok_and_broken(runner: FlaskCliRunner, tmp_path: Path) -> None:
    ok = runner.invoke(args=["faq", "check"])
    assert ok.exit_code == 0 and "0 lỗi" in ok.output
    faq = tmp_path / "faq.yaml"
    faq.write_text(faq.read_text("utf-8").replace("group: mui-tiem", "group: sai", 1), "utf-8")
    bad = runner.invoke(args=["faq", "check"])
    assert bad.exit_code == 1
    assert f"{faq}:" in bad.output and "[tiem-tron-mui]" in bad.output


def test_ask_shows_decision_and_scores(runner: FlaskCliRunner) -> None:
    out = runner.invoke(args=["faq", "ask", "tiem xong bi sot thi lam sao"]).output
    assert "intent:   faq" in out and "sot-sau-tiem" in out and "Nguồn:" in out


def test_predict_writes_one_json_object_per_line(runner: FlaskCliRunner) -> None:
    lines = "tiem xong bi sot\nchào bạn\ntiem xong bi kho tho\ngiá xăng hôm nay\n"
    result = runner.invoke(args=["faq", "predict"], input=lines)
    rows = [json.loads(x) for x in result.output.splitlines()]
    assert [r["intent"] for r in rows] == ["faq", "greeting", "emergency", "fallback"]
    for row in rows:
        assert set(row) == {"text", "intent", "action", "faq_id", "score", "candidates"}
        assert row["action"] in ("answer", "clarify") and 0 <= row["score"] <= 100
    assert rows[0]["faq_id"] == "sot-sau-tiem" and rows[0]["candidates"][0]["faq_id"]


def test_eval_table_baseline_and_min_accuracy(runner: FlaskCliRunner, tmp_path: Path) -> None:
    queries = tmp_path / "q.yaml"
    queries.write_text(
        "- {text: 'tiem xong bi sot', expect: faq:sot-sau-tiem}\n"
        "- {text: 'tiem xong bi ngat', expect: emergency}\n"
        "- {text: 'kết quả xổ số', expect: fallback}\n"
        "- {text: 'chào bạn', expect: intent:greeting}\n"
        "- {text: 'lỡ hẹn mũi hai', expect: faq:khoang-cach-mui, also: [faq:tre-hen-mui-2]}\n",
        "utf-8",
    )
    result = runner.invoke(args=["faq", "eval", str(queries), "--baseline"])
    assert result.exit_code == 0, result.output
    assert "FAQ top-1" in result.output and "emergency recall" in result.output
    assert "baseline" in result.output
    assert "overall accuracy                 1.000" in result.output
    failing = runner.invoke(args=["faq", "eval", str(queries), "--min-accuracy", "1.01"])
    assert failing.exit_code == 1
