"""Settings: defaults, validation listing every problem, masking of secrets."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import load_settings, settings_from
from bot.errors import ConfigError
from tests.conftest import ROOT


def test_defaults_are_local_mode() -> None:
    s = settings_from({})
    assert s.local_mode
    assert not s.webhook_verifying
    assert s.zalo_api_base == "https://openapi.zalo.me"
    assert s.zalo_oauth_base == "https://oauth.zaloapp.com"
    assert s.faq_path == "faq.yaml" and s.hotlines_path == "hotlines.yaml"
    assert s.broadcast_quiet_hours == (21 * 60, 7 * 60)
    assert s.port == 5000


def test_every_problem_is_listed_at_once_and_secrets_are_masked() -> None:
    env = {
        "PORT": "abc",
        "BOT_TIMEZONE": "Mars/Olympus",
        "ZALO_API_BASE": "ftp://x",
        "ZALO_ACCESS_TOKEN": "very-secret-access-token-value",
        "BROADCAST_QUIET_HOURS": "25:00-07:00",
    }
    with pytest.raises(ConfigError) as caught:
        settings_from(env)
    problems = caught.value.problems
    text = "\n".join(problems)
    assert len(problems) == 7, problems  # five, ZALO_APP_SECRET and the hint for Zalo settings
    for name in ("PORT", "BOT_TIMEZONE", "ZALO_API_BASE", "BROADCAST_QUIET_HOURS", "ZALO_APP_ID"):
        assert name in text
    assert "very-secret-access-token-value" not in str(caught.value)


def test_quiet_hours_empty_means_none() -> None:
    assert settings_from({"BROADCAST_QUIET_HOURS": ""}).broadcast_quiet_hours is None


def test_credentials_leave_local_mode_and_describe_masks() -> None:
    s = settings_from(
        {
            "ZALO_APP_ID": "123",
            "ZALO_APP_SECRET": "app-secret",
            "ZALO_REFRESH_TOKEN": "refresh-secret",
        }
    )
    assert not s.local_mode
    shown = s.describe()
    assert "refresh-secret" not in str(shown) and "app-secret" not in str(shown)
    assert shown["ZALO_APP_ID"] == "123"


def test_overrides_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "6000")
    assert load_settings().port == 6000
    assert load_settings({"PORT": 7000}).port == 7000


def test_dotenv_is_honoured(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("FLOOD_LIMIT_PER_MINUTE=7\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLOOD_LIMIT_PER_MINUTE", raising=False)
    assert load_settings().flood_limit_per_minute == 7


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"ZALO_APP_ID": "1", "ZALO_ACCESS_TOKEN": "a"}, ["ZALO_APP_SECRET"]),
        ({"ZALO_APP_ID": "1"}, ["ZALO_APP_SECRET", "ZALO_REFRESH_TOKEN"]),
        ({"ZALO_OA_SECRET_KEY": "k"}, ["ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_REFRESH_TOKEN"]),
        ({"ZALO_APP_SECRET": "s", "ZALO_REFRESH_TOKEN": "r"}, ["ZALO_APP_ID"]),
    ],
)
def test_partial_zalo_settings_list_what_is_missing(
    given: dict[str, str], missing: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from(given)
    named = [p.split()[0] for p in caught.value.problems if p.endswith("is missing")]
    assert named == missing
    assert "local mode" in caught.value.problems[-1]


def test_complete_zalo_settings_need_no_oa_secret_yet() -> None:
    # The OA Secret Key appears in Zalo's console only after the webhook URL is saved.
    s = settings_from({"ZALO_APP_ID": "1", "ZALO_APP_SECRET": "s", "ZALO_REFRESH_TOKEN": "r"})
    assert not s.local_mode and not s.webhook_verifying


@pytest.mark.parametrize(
    "command", [["-m", "flask", "--app", "app", "zalo", "tokens"], ["-m", "bot.local"]]
)
def test_a_bad_configuration_stops_start_up_with_the_list_and_no_traceback(
    command: list[str], tmp_path
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ZALO_", "REDIS_"))},
        "ZALO_APP_ID": "1",
        "ZALO_ACCESS_TOKEN": "a",
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    done = subprocess.run(
        [sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 3
    assert done.stderr.startswith("invalid configuration:\n  - ZALO_APP_SECRET is missing\n")
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "instance").exists()  # nothing was started
