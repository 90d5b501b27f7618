"""`flask users add|remove|passwd|list` on a real Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.services import accounts
from bot.services.runtime import Runtime
from tests.admin_support import (
    PASSWORD,
    console_app,
    console_env,
    fast_hashing,  # noqa: F401  (autouse)
)


@pytest.fixture
def app(redis_url: str, tmp_path: Path) -> Flask:
    return console_app(console_env(redis_url, tmp_path))


@pytest.fixture
def rt(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["bot"]
    return runtime


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def test_add_asks_the_password_twice(runner: FlaskCliRunner, rt: Runtime, rdb: redis.Redis) -> None:
    result = runner.invoke(
        args=["users", "add", "lan", "--role", "officer"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "lan" in result.output
    assert accounts.authenticate(rt, "lan", PASSWORD, "127.0.0.1") is not None
    assert PASSWORD not in str(rdb.hgetall(rt.keys.admin_user("lan")))


def test_add_refuses_a_mismatched_confirmation(runner: FlaskCliRunner, rt: Runtime) -> None:
    result = runner.invoke(
        args=["users", "add", "lan", "--role", "officer"],
        input=f"{PASSWORD}\nkhac-hoan-toan\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0  # asked again after the mismatch
    assert "do not match" in result.output
    assert [u["name"] for u in accounts.list_users(rt)] == ["lan"]


def test_add_from_stdin_and_list(runner: FlaskCliRunner) -> None:
    for name, role in (("hoa", "approver"), ("minh", "staff")):
        result = runner.invoke(
            args=["users", "add", name, "--role", role, "--password-stdin"], input=PASSWORD + "\n"
        )
        assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["users", "list"])
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0].split()[:2] == ["hoa", "approver"] and lines[1].split()[:2] == ["minh", "staff"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["users", "add", "x y", "--role", "staff", "--password-stdin"], PASSWORD, "Tên đăng nhập"),
        (["users", "add", "lan", "--role", "staff", "--password-stdin"], "short", "10 ký tự"),
        (["users", "add", "lan", "--role", "boss", "--password-stdin"], PASSWORD, "boss"),
        (["users", "remove", "nobody"], "", "Không có tài khoản"),
        (["users", "passwd", "nobody", "--password-stdin"], PASSWORD, "Không có tài khoản"),
    ],
)
def test_errors_exit_non_zero(
    runner: FlaskCliRunner, rt: Runtime, args: list[str], stdin: str, message: str
) -> None:
    result = runner.invoke(args=args, input=stdin + "\n")
    assert result.exit_code != 0
    assert message in result.output
    assert accounts.list_users(rt) == []


def test_duplicate_name_is_refused(runner: FlaskCliRunner) -> None:
    args = ["users", "add", "lan", "--role", "staff", "--password-stdin"]
    assert runner.invoke(args=args, input=PASSWORD + "\n").exit_code == 0
    again = runner.invoke(args=args, input=PASSWORD + "\n")
    assert again.exit_code != 0 and "đã tồn tại" in again.output


def test_passwd_and_remove(runner: FlaskCliRunner, rt: Runtime) -> None:
    accounts.add_user(rt, "lan", "officer", PASSWORD, by="test")
    new = PASSWORD + "-moi"
    changed = runner.invoke(args=["users", "passwd", "lan", "--password-stdin"], input=new + "\n")
    assert changed.exit_code == 0, changed.output
    assert accounts.authenticate(rt, "lan", PASSWORD, "127.0.0.1") is None
    assert accounts.authenticate(rt, "lan", new, "127.0.0.1") is not None
    removed = runner.invoke(args=["users", "remove", "lan"])
    assert removed.exit_code == 0
    assert accounts.account(rt, "lan") is None
    assert "Chưa có tài khoản" in runner.invoke(args=["users", "list"]).output
    actions = [(e["who"], e["action"], e["target"]) for e in accounts.audit_entries(rt)]
    assert ("cli", "account.passwd", "lan") in actions and (
        "cli",
        "account.remove",
        "lan",
    ) in actions
