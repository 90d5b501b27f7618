"""`flask` commands print their answer first: start-up information is logged at debug there."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def flask(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def local_env(redis_url: str, tmp_path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ZALO_", "LOG_LEVEL"))}
    return {**clean, "REDIS_URL": redis_url, "INSTANCE_PATH": str(tmp_path / "instance")}


def test_a_command_prints_its_answer_and_no_start_up_log(redis_url: str, tmp_path) -> None:
    done = flask("users", "list", env=local_env(redis_url, tmp_path))
    assert done.returncode == 0, done.stderr
    assert '{"ts"' not in done.stdout + done.stderr
    assert done.stdout.strip()  # the answer


def test_start_up_information_is_still_there_at_debug(redis_url: str, tmp_path) -> None:
    env = {**local_env(redis_url, tmp_path), "LOG_LEVEL": "DEBUG"}
    done = flask("users", "list", env=env)
    assert done.returncode == 0, done.stderr
    assert '"level": "debug"' in done.stderr and "local mode" in done.stderr


def test_an_unknown_command_prints_only_the_usage(redis_url: str, tmp_path) -> None:
    done = flask("nosuch", env=local_env(redis_url, tmp_path))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("Usage: ")
    assert "No such command 'nosuch'" in done.stderr and '{"ts"' not in done.stderr
