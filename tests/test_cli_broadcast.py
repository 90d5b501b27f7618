"""`flask broadcast …` through Flask's CLI runner on a minimal app with a real Redis."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.cli.broadcast import broadcast_cli
from bot.config import settings_from
from bot.model import Effect
from bot.services import accounts
from bot.services.runtime import Runtime
from bot.services.subscriptions import apply_effect
from tests.admin_support import PASSWORD, fast_hashing  # noqa: F401  (autouse fixture)
from tests.conftest import ROOT


@pytest.fixture
def app(redis_url: str) -> Flask:
    env = {
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": "cli:",
        "SUBSCRIPTIONS_PATH": str(ROOT / "subscriptions.yaml"),
        "BROADCAST_QUIET_HOURS": "",
    }
    app = Flask("broadcast_cli_test")
    rt = Runtime(settings_from(env))
    app.extensions["bot"] = rt
    app.cli.add_command(broadcast_cli)
    for name, role in (("an", "approver"), ("binh", "approver"), ("chi", "officer")):
        accounts.add_user(rt, name, role, PASSWORD, by="test")
    return app


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def run(runner: FlaskCliRunner, *args: str) -> Result:
    return runner.invoke(args=["broadcast", *args])


def create(runner: FlaskCliRunner, *extra: str, by: str = "An") -> str:
    result = run(runner, "create", "--topic", "lich-tiem", "--district", "hai-hau",
                 "--text", "Lịch tiêm Hải Hậu thứ Bảy", "--by", by, *extra)  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_create_prints_the_id_last(runner: FlaskCliRunner) -> None:
    assert create(runner) == "1"
    assert create(runner, "--at", "2031-08-14T07:30", "--expires", "2031-08-15T07:30") == "2"


def test_create_from_a_file(runner: FlaskCliRunner, tmp_path: Path) -> None:
    text = tmp_path / "tin.txt"
    text.write_text("Khuyến cáo mới\nnhiều dòng", encoding="utf-8")
    result = run(runner, "create", "--topic", "tin-tuc", "--text-file", str(text), "--by", "An")
    assert result.exit_code == 0, result.output
    shown = json.loads(run(runner, "show", result.output.splitlines()[-1], "--json").output)
    assert shown["text"] == "Khuyến cáo mới\nnhiều dòng"


@pytest.mark.parametrize(
    "args",
    [
        ("--topic", "tin-tuc", "--by", "An"),
        ("--topic", "tin-tuc", "--text", "a", "--text-file", "x", "--by", "An"),
    ],
)
def test_exactly_one_text_source(runner: FlaskCliRunner, args: tuple[str, ...]) -> None:
    assert run(runner, "create", *args).exit_code != 0


def test_invalid_draft_exits_non_zero_with_the_reason(runner: FlaskCliRunner) -> None:
    result = run(runner, "create", "--topic", "xo-so", "--text", "x", "--by", "An")
    assert result.exit_code == 1 and "không có chủ đề" in result.output


def test_self_approval_exits_non_zero(runner: FlaskCliRunner) -> None:
    bid = create(runner, by="An")
    refused = run(runner, "approve", bid, "--by", "An")
    assert refused.exit_code != 0 and "cần một cán bộ khác duyệt" in refused.output
    assert json.loads(run(runner, "show", bid, "--json").output)["status"] == "draft"
    approved = run(runner, "approve", bid, "--by", "binh")
    assert approved.exit_code == 0 and f"Đã duyệt thông báo số {bid}." in approved.output


def test_show_json_contract(runner: FlaskCliRunner) -> None:
    bid = create(runner)
    data = json.loads(run(runner, "show", bid, "--json").output)
    assert data["id"] == bid and data["status"] == "draft"
    assert {"total", "sent", "pending", "failed", "skipped", "expired"} <= set(data["counts"])
    assert all(isinstance(data["counts"][k], int) for k in data["counts"])
    plain = run(runner, "show", bid)
    assert (
        plain.exit_code == 0 and "Trạng thái: Bản nháp" in plain.output and "#huy" in plain.output
    )
    assert run(runner, "show", "42").exit_code == 1


def test_show_reads_in_vietnamese_with_local_dates(app: Flask, runner: FlaskCliRunner) -> None:
    bid = create(runner, "--at", "14/08/2031 07:30")
    assert run(runner, "approve", bid, "--by", "binh").exit_code == 0
    from bot.services.broadcasts import run_broadcasts_once

    run_broadcasts_once(app.extensions["bot"])  # not yet due: nothing changes
    shown = run(runner, "show", bid).output
    assert "Giờ gửi: 14/08/2031 07:30" in shown and "Sẽ gửi lúc 07:30 ngày 14/08/2031." in shown
    assert "Trạng thái: Chờ đến giờ gửi" in shown
    history = shown.split("Lịch sử:\n", 1)[1]
    line = r"^  \d\d/\d\d/\d{4} \d\d:\d\d — binh: lên lịch gửi \(gửi lúc 14/08/2031 07:30\)$"
    assert re.search(line, history, re.MULTILINE)
    assert not re.search(r"\d{12,}", shown)  # never epoch milliseconds
    for english in ("status", "history", "created", "scheduled", "approve with"):
        assert english not in shown


def test_full_cycle_list_preview_report_csv(app: Flask, runner: FlaskCliRunner) -> None:
    rt: Runtime = app.extensions["bot"]
    for user, seen in (("u1", True), ("u2", False)):
        apply_effect(rt, user, Effect("subscribe", {"topic": "lich-tiem", "district": "hai-hau"}))
        if seen:
            rt.redis.set(rt.keys.last_seen(user), int(time.time() * 1000))
    bid = create(runner)
    preview = run(runner, "preview", bid)
    assert (
        "số người sẽ nhận: 2" in preview.output
        and "gửi trực tiếp được ngay (đã tương tác trong 7 ngày): 1" in preview.output
    )
    assert "sẽ nhận kèm tin trả lời kế tiếp: 1" in preview.output
    assert run(runner, "approve", bid, "--by", "binh").exit_code == 0
    from bot.services.broadcasts import run_broadcasts_once

    run_broadcasts_once(rt)
    listed = run(runner, "list")
    assert listed.exit_code == 0 and f"{bid}\tĐã gửi xong\tlich-tiem\thai-hau" in listed.output
    text = run(runner, "report", bid).output
    assert "đã nhận: 1" in text and "chờ gửi kèm tin trả lời: 1" in text
    assert "chờ gửi kèm tin trả lời, theo lý do: window × 1" in text
    rows = list(csv.DictReader(io.StringIO(run(runner, "report", bid, "--csv").output)))
    assert {(r["user_id"], r["state"]) for r in rows} == {("u1", "sent"), ("u2", "pending")}


def test_cancel(runner: FlaskCliRunner) -> None:
    bid = create(runner)
    assert "Đã huỷ thông báo số" in run(runner, "cancel", bid, "--by", "Chi").output
    again = run(runner, "cancel", bid, "--by", "Chi")
    assert again.exit_code == 1 and "không huỷ được nữa" in again.output


@pytest.mark.parametrize(
    ("by", "reason"),
    [
        ("someone", "Không có tài khoản"),  # no such account
        ("chi", "không có quyền duyệt"),  # an officer, not an approver
        ("Bình", "Không có tài khoản"),
    ],
)
def test_approve_by_must_name_an_approver_account(
    runner: FlaskCliRunner, by: str, reason: str
) -> None:
    bid = create(runner, by="chi")
    result = run(runner, "approve", bid, "--by", by)
    assert result.exit_code != 0 and reason in result.output
    assert json.loads(run(runner, "show", bid, "--json").output)["status"] == "draft"


@pytest.mark.parametrize("disguise", ["an\u200b", "AN", "\uff41\uff4e", "a\u00adn", " an "])
def test_a_disguised_name_is_the_same_person(runner: FlaskCliRunner, disguise: str) -> None:
    bid = create(runner, by="an")
    refused = run(runner, "approve", bid, "--by", disguise)
    assert refused.exit_code != 0 and "cần một cán bộ khác duyệt" in refused.output
    assert json.loads(run(runner, "show", bid, "--json").output)["status"] == "draft"


def test_a_creator_name_with_invisible_characters_is_still_the_creator(
    runner: FlaskCliRunner,
) -> None:
    bid = create(runner, by="binh\u200b")
    refused = run(runner, "approve", bid, "--by", "binh")
    assert refused.exit_code != 0 and "cần một cán bộ khác duyệt" in refused.output
