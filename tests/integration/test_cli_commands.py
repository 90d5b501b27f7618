"""`flask chat` and `flask zalo tokens` through the real app."""

from __future__ import annotations

from datetime import datetime

from app import create_app
from tests.integration.conftest import FakeZalo


def test_chat_answers_in_the_terminal_and_buttons_can_be_pressed(redis_url: str, tmp_path) -> None:
    app = create_app({"REDIS_URL": redis_url, "INSTANCE_PATH": str(tmp_path), "ZALO_APP_ID": ""})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["chat", "--user", "912345678901234500"],
                           input="tiem xong bi sot phai lam sao\n/1\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Không gửi gì tới Zalo" in result.output
    answers = [line for line in result.output.splitlines() if line.startswith("bot> ")]
    assert len(answers) == 2
    assert "sốt" in answers[0].lower()
    assert answers[1] != answers[0]  # the first button led somewhere else


def test_chat_says_when_there_is_no_such_button(redis_url: str, tmp_path) -> None:
    app = create_app({"REDIS_URL": redis_url, "INSTANCE_PATH": str(tmp_path), "ZALO_APP_ID": ""})
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["chat", "--user", "912345678901234501"], input="/9\nxin chào\n/9\n"
    )
    assert result.exit_code == 0, result.output
    assert "Không có lựa chọn số 9: tin nhắn trước không có nút nào." in result.output
    assert "Không có lựa chọn số 9: tin nhắn trước có 5 nút (/1 đến /5)." in result.output
    answers = [line for line in result.output.splitlines() if "bot> " in line]
    assert len(answers) == 1  # only "xin chào" reached the bot


def test_zalo_tokens_shows_state_without_secrets(
    bot_env: dict[str, str], fake_zalo: FakeZalo
) -> None:
    app = create_app(bot_env)
    for args in (["zalo", "tokens"], ["zalo", "tokens", "--json"]):
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output
        assert bot_env["ZALO_ACCESS_TOKEN"] not in result.output
        assert bot_env["ZALO_REFRESH_TOKEN"] not in result.output
    assert '"status": "ok"' in result.output and '"since"' in result.output


def test_zalo_tokens_says_which_pair_is_in_use_and_since_when(
    bot_env: dict[str, str], fake_zalo: FakeZalo
) -> None:
    app = create_app(bot_env)
    rt = app.extensions["bot"]
    rt.tokens.access_token()  # seeded from the environment now
    since = rt.tokens.state()["since"]
    shown = datetime.fromtimestamp(since, rt.settings.timezone).strftime("%d/%m/%Y %H:%M")
    result = app.test_cli_runner().invoke(args=["zalo", "tokens"])
    assert result.exit_code == 0, result.output
    assert "Trạng thái: dùng được" in result.output
    pair = "cặp mã trong biến môi trường (ZALO_ACCESS_TOKEN/ZALO_REFRESH_TOKEN)"
    assert f"Đang dùng: {pair}, từ {shown}" in result.output
    assert "Chưa làm mới lần nào" in result.output

    # A different pair in the environment (a restart with new settings) replaces it once.
    newer = create_app({**bot_env, "ZALO_ACCESS_TOKEN": "access-2", "ZALO_REFRESH_TOKEN": "r-2"})
    assert newer.extensions["bot"].tokens.access_token() == "access-2"
    assert newer.extensions["bot"].tokens.state()["since"] >= since
