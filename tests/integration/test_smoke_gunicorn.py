"""The shipped processes end to end: gunicorn with deploy/gunicorn.conf.py and `flask worker`."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.config import child_environment
from tests.conftest import ROOT
from tests.fakezalo.events import OA_SECRET, deliver, new_user_id, text_event
from tests.fakezalo.server import FakeZalo
from tests.redis_server import free_port

pytestmark = pytest.mark.slow

WAIT_SECONDS = 30.0


class Processes:
    """Children started by the test, stopped by it, their output kept for failure messages."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, args: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
        with (self.logs / f"{name}.log").open("wb") as out:
            self.procs[name] = subprocess.Popen(
                args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return "\n".join(
            f"--- {name} ---\n" + (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
            for name in self.procs
        )

    def alive(self) -> None:
        for name, proc in self.procs.items():
            assert proc.poll() is None, f"{name} exited with {proc.returncode}\n{self.output()}"

    def stop(self, seconds: float = 30) -> dict[str, int]:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = {}
        for name, proc in self.procs.items():
            try:
                codes[name] = proc.wait(seconds)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = proc.wait(5)
        return codes


def until(check, what: str, procs: Processes, seconds: float = WAIT_SECONDS):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        procs.alive()
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{procs.output()}")


def health(url: str) -> requests.Response | None:
    try:
        return requests.get(url + "/healthz/details", timeout=10)  # the first loads the content
    except requests.RequestException:
        return None


def test_signed_event_through_gunicorn_and_a_worker_gets_one_reply(
    bot_env: dict[str, str], fake_zalo: FakeZalo, tmp_path: Path
) -> None:
    port = free_port()
    env = child_environment(
        {**bot_env, "PORT": str(port), "WEB_CONCURRENCY": "2", "REDIS_KEY_PREFIX": "smoke:"}
    )
    procs = Processes(tmp_path)
    procs.start(
        "web",
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app:create_app()"],
        env,
    )
    procs.start("worker", [sys.executable, "-m", "flask", "--app", "app", "worker"], env)
    url = f"http://127.0.0.1:{port}"
    try:
        until(lambda: health(url), "gunicorn to answer", procs)
        user = new_user_id()
        resp = deliver(
            url + "/webhook/zalo",
            text_event(user, "tiêm xong bị sốt phải làm sao"),
            OA_SECRET,
            timeout=10,
        )
        assert resp.status_code == 200, resp.text
        until(lambda: fake_zalo.texts_to(user), "the reply at the fake Zalo", procs)
        time.sleep(1.0)  # a second copy would arrive within this
        assert len(fake_zalo.texts_to(user)) == 1
        report = until(
            lambda: (r := health(url)) is not None and r.status_code == 200 and r.json(),
            "/healthz/details to turn 200",
            procs,
        )
        assert report["workers"]["live"] >= 1
    finally:
        codes = procs.stop()
    assert codes == {"web": 0, "worker": 0}, f"unclean stop {codes}\n{procs.output()}"
