"""deploy/backup-redis.sh and restore-redis.sh against throwaway redis-servers with real data."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import redis

from bot.config import child_environment
from tests.conftest import ROOT
from tests.redis_server import free_port

DEPLOY = ROOT / "deploy"
PASSWORD = "backup-test-password"


def need(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: apt-get install redis-server (make test does it)")
    return found


class Server:
    """redis-server with the shipped redis.conf, on a free port, data in `data_dir`."""

    def __init__(self, data_dir: Path):
        self.dir, self.port = data_dir, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *extra: str) -> redis.Redis:
        self.dir.mkdir(parents=True, exist_ok=True)
        args = [need("redis-server"), str(DEPLOY / "redis.conf"), "--port", str(self.port),
                "--dir", str(self.dir), "--requirepass", PASSWORD, *extra]  # fmt: skip
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, password=PASSWORD, decode_responses=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return client
            except redis.ConnectionError:
                assert self.proc.poll() is None, "redis-server exited"
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    need("redis-cli")
    env = child_environment({"REDISCLI_AUTH": PASSWORD})
    return subprocess.run(
        ["bash", str(DEPLOY / name), *args], capture_output=True, text=True, env=env, timeout=120
    )


def fill(client: redis.Redis) -> None:
    client.hset("nd:{b:1}:meta", mapping={"id": "1", "status": "sending", "topic": "lich-tiem"})
    client.sadd("nd:{subs}:lich-tiem:hai-hau", *[str(10**18 + i) for i in range(500)])
    client.xadd("nd:{inbound:3}:stream", {"e": "msg-1", "b": '{"text":"tiêm mũi 3"}'})
    client.set("nd:{zalo}:token", "record")


@pytest.mark.parametrize("rdb_only", [False, True], ids=["rdb+aof", "rdb-only"])
def test_backup_then_restore_into_a_fresh_server(tmp_path: Path, rdb_only: bool) -> None:
    source = Server(tmp_path / "source")
    client = source.start()
    try:
        fill(client)
        done = script("backup-redis.sh", "-p", str(source.port), str(tmp_path / "backups"))
        assert done.returncode == 0, done.stderr
        backup = Path(done.stdout.strip().splitlines()[-1])
        client.set("written-after-the-backup", "1")
    finally:
        source.stop()
    assert (backup / "dump.rdb").is_file() and (backup / "appendonlydir").is_dir()
    assert backup.name.startswith("redis-") and not list(backup.parent.glob("*.partial"))

    target = Server(tmp_path / "target")
    flags = ["-r"] if rdb_only else []
    done = script("restore-redis.sh", "-p", str(target.port), *flags, str(backup), str(target.dir))
    assert done.returncode == 0, done.stderr
    restored = start_restored(target, rdb_only)
    try:
        assert restored.hget("nd:{b:1}:meta", "status") == "sending"
        assert restored.scard("nd:{subs}:lich-tiem:hai-hau") == 500
        entries = restored.xrange("nd:{inbound:3}:stream")
        assert entries[0][1]["b"] == '{"text":"tiêm mũi 3"}'
        assert restored.get("nd:{zalo}:token") == "record"
        assert restored.get("written-after-the-backup") is None
    finally:
        target.stop()


def start_restored(target: Server, rdb_only: bool) -> redis.Redis:
    """Start on the restored files; a snapshot alone goes through the script's documented steps."""
    if not rdb_only:
        return target.start()
    client = target.start("--appendonly", "no")
    client.config_set("appendonly", "yes")
    deadline = time.monotonic() + 10
    while (
        client.info("persistence")["aof_rewrite_in_progress"]
        or client.info("persistence")["aof_rewrite_scheduled"]
    ):
        assert time.monotonic() < deadline, "AOF rewrite did not finish"
        time.sleep(0.05)
    target.stop()
    return target.start()  # the normal config: the data must now come back from the new AOF


def test_restore_refuses_while_the_server_runs(tmp_path: Path) -> None:
    server = Server(tmp_path / "live")
    client = server.start()
    try:
        client.set("k", "v")
        done = script("backup-redis.sh", "-p", str(server.port), str(tmp_path / "backups"))
        assert done.returncode == 0, done.stderr
        backup = done.stdout.strip().splitlines()[-1]
        refused = script("restore-redis.sh", "-p", str(server.port), backup, str(server.dir))
        assert refused.returncode != 0
        assert "stop it first" in refused.stderr
    finally:
        server.stop()


def test_restore_refuses_a_damaged_backup(tmp_path: Path) -> None:
    server = Server(tmp_path / "src")
    client = server.start()
    try:
        client.set("k", "v")
        done = script("backup-redis.sh", "-p", str(server.port), str(tmp_path / "backups"))
        assert done.returncode == 0, done.stderr
    finally:
        server.stop()
    backup = Path(done.stdout.strip().splitlines()[-1])
    with (backup / "dump.rdb").open("r+b") as f:
        f.seek(12)
        f.write(b"\xff\xff")
    refused = script("restore-redis.sh", "-p", str(free_port()), str(backup), str(tmp_path / "new"))
    assert refused.returncode != 0 and "damaged" in refused.stderr
    assert not (tmp_path / "new" / "dump.rdb").exists()
    assert os.access(DEPLOY / "restore-redis.sh", os.X_OK)
