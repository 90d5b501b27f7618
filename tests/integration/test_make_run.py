"""`make run` twice: the second says where the first runs and leaves it alone; a busy port is
named with PORT. Each process here is `python -m bot.local`, which is what `make run` runs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.store.client import EmbeddedRedis
from tests.conftest import ROOT
from tests.integration.conftest import wait_until
from tests.redis_server import free_port

LOCAL = {
    "REDIS_URL": "",
    "ZALO_APP_ID": "",
    "ZALO_APP_SECRET": "",
    "ZALO_OA_SECRET_KEY": "",
    "ZALO_ACCESS_TOKEN": "",
    "ZALO_REFRESH_TOKEN": "",
    "FAQ_PATH": str(ROOT / "faq.yaml"),
    "HOTLINES_PATH": str(ROOT / "hotlines.yaml"),
}


def local_env(port: int, instance: Path) -> dict[str, str]:
    return {**os.environ, **LOCAL, "PORT": str(port), "INSTANCE_PATH": str(instance)}


def make_run(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def first(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int, Path]]:
    port, instance = free_port(), tmp_path / "instance"
    proc = make_run(local_env(port, instance))
    try:
        ok = wait_until(lambda: answers(f"http://127.0.0.1:{port}/sandbox"), 60)
        assert ok, "the first make run never served /sandbox"
        yield proc, port, instance
    finally:
        stop(proc)
        EmbeddedRedis(instance).stop()  # in case the bot died without stopping it


def sandbox_round_trip(port: int, user: str) -> bool:
    base = f"http://127.0.0.1:{port}"
    sent = requests.post(base + "/sandbox/send", json={"user": user, "text": "xin chào"}, timeout=5)
    assert sent.status_code == 200, sent.text

    def replied() -> bool:
        got = requests.get(base + f"/sandbox/messages?user={user}&since=0", timeout=5)
        return got.status_code == 200 and bool(got.json()["messages"])

    return wait_until(replied, 30)


def test_a_second_make_run_names_the_first_and_leaves_it_alone(first, tmp_path: Path) -> None:
    proc, port, instance = first
    second = make_run(local_env(port, instance))
    try:
        code = second.wait(60)
    finally:
        stop(second)
    err = second.stderr.read() if second.stderr else ""
    assert code == 1, err
    assert f"http://127.0.0.1:{port}/sandbox" in err
    assert f"pid {proc.pid}" in err
    assert "PORT=" in err and "INSTANCE_PATH=" in err
    assert "bot running" not in (second.stdout.read() if second.stdout else "") + err
    # The first keeps its embedded Redis and answers the sandbox as before.
    assert proc.poll() is None
    assert EmbeddedRedis(instance).alive()
    assert sandbox_round_trip(port, "912345678900000001")


def test_a_port_held_by_another_program_is_named_with_port(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        instance = tmp_path / "instance"
        proc = make_run(local_env(port, instance))
        try:
            code = proc.wait(60)
        finally:
            stop(proc)
    err = proc.stderr.read() if proc.stderr else ""
    assert code == 1, err
    assert f"Port {port}" in err and f"PORT={port + 1}" in err
    assert not (instance / "redis.sock").exists()  # nothing was started


def test_the_lock_is_free_again_once_the_first_has_stopped(first, tmp_path: Path) -> None:
    proc, port, instance = first
    stop(proc)
    assert proc.returncode == 0
    assert not EmbeddedRedis(instance).alive()  # its own Redis stopped with it
    again = make_run(local_env(port, instance))
    try:
        assert wait_until(lambda: answers(f"http://127.0.0.1:{port}/sandbox"), 60)
    finally:
        stop(again)
    assert again.returncode == 0
