"""A worker killed with SIGKILL mid-processing: nothing lost, nothing answered twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from flask.testing import FlaskClient

from bot.config import child_environment
from tests.conftest import ROOT
from tests.fakezalo.events import new_user_id, text_event
from tests.fakezalo.server import FakeZalo
from tests.integration.conftest import post_event, wait_until
from tests.redis_server import client_for


def start_worker(env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--name", name],
        cwd=ROOT,
        env=child_environment(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_sigkill_mid_processing_loses_nothing_and_duplicates_nothing(
    bot_env: dict[str, str], client: FlaskClient, fake_zalo: FakeZalo
) -> None:
    env = {**bot_env, "WORKER_LEASE_SECONDS": "1.5"}
    users = [new_user_id() for _ in range(4)]
    per_user = 6
    for i in range(per_user):
        for user in users:
            assert post_event(client, text_event(user, f"xin chào lần {i}")).status_code == 200
    total = per_user * len(users)
    fake_zalo.latency = 0.4  # every send takes a while, so the kill lands mid-call
    first = start_worker(env, "crash-1")
    try:
        assert wait_until(lambda: len(fake_zalo.sent) >= 5, 30), "worker never replied"
        time.sleep(0.2)  # half a send: the next reply is on its way to Zalo
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    rdb = client_for(bot_env["REDIS_URL"])
    sending = {k.split(":", 2)[2] for k in rdb.scan_iter("it:sending:*")}
    replied = {k.split(":", 2)[2] for k in rdb.scan_iter("it:replied:*")}
    assert sending - replied, "the kill should land while a reply is being sent"
    fake_zalo.latency = 0.0
    second = start_worker(env, "crash-2")
    try:
        assert wait_until(lambda: len(fake_zalo.sent) >= total, 60)
        time.sleep(1.0)  # anything extra would show up now
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(15)
    for user in users:
        assert len(fake_zalo.texts_to(user)) == per_user, user
    assert len(fake_zalo.sent) == total
