"""`flask chat` and `flask zalo tokens` through the real app."""

from __future__ import annotations

from app import create_app
from tests.integration.conftest import FakeZalo


def test_chat_answers_in_the_terminal_and_buttons_can_be_pressed(redis_url: str, tmp_path) -> None:
    app = create_app({"REDIS_URL": redis_url, "INSTANCE_PATH": str(tmp_path), "ZALO_APP_ID": ""})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["chat", "--user", "912345678901234500"],
                           input="tiem xong bi sot phai lam sao\n/1\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Nothing is sent to Zalo" in result.output
    answers = [line for line in result.output.splitlines() if line.startswith("bot> ")]
    assert len(answers) == 2
    assert "sốt" in answers[0].lower()
    assert answers[1] != answers[0]  # the first button led somewhere else


def test_zalo_tokens_shows_state_without_secrets(
    bot_env: dict[str, str], fake_zalo: FakeZalo
) -> None:
    app = create_app(bot_env)
    result = app.test_cli_runner().invoke(args=["zalo", "tokens"])
    assert result.exit_code == 0, result.output
    assert '"status"' in result.output
    assert bot_env["ZALO_ACCESS_TOKEN"] not in result.output
    assert bot_env["ZALO_REFRESH_TOKEN"] not in result.output
