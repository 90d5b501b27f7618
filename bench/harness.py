"""The bot as real processes for benchmarks: Redis, the fake Zalo, workers and gunicorn."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import redis
from flask import Flask

from bot.config import Settings, child_environment, settings_from
from bot.store.client import Redis
from bot.store.keys import Keys
from tests.fakezalo.events import APP_ID, OA_SECRET
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
APP_SECRET, ACCESS, REFRESH = "bench-app-secret", "bench-access-1", "bench-refresh-1"
PREFIX = "bench:"
CONTROL_SECONDS = 30.0


@dataclass(frozen=True)
class Sent:
    """One consultation message the fake Zalo accepted."""

    user_id: str
    at_ms: int
    text: str


def _serve_fake(conn: Connection) -> None:
    """Child process: run the fake Zalo and answer control calls until told to stop."""
    from tests.fakezalo.server import FakeZalo

    fake = FakeZalo(
        app_id=APP_ID, app_secret=APP_SECRET, access_token=ACCESS, refresh_token=REFRESH
    )
    fake.start()
    conn.send(fake.url)
    while True:
        name, args = conn.recv()
        if name == "stop":
            break
        try:
            conn.send(("ok", _fake_call(fake, name, args)))
        except Exception as exc:  # report it to the parent rather than die silently
            conn.send(("error", repr(exc)))
    fake.stop()
    conn.send(("ok", None))


def _fake_call(fake: Any, name: str, args: tuple[Any, ...]) -> Any:
    if name == "sent":
        with fake._lock:
            return [(m["user_id"], int(m["sent_time"]), m["text"]) for m in fake.sent[args[0] :]]
    if name == "count":
        with fake._lock:
            return len(fake.sent)
    if name == "refresh_calls":
        return fake.refresh_calls
    if name == "set":
        setattr(fake, args[0], args[1])
        return None
    return getattr(fake, name)(*args)


class FakeZaloProcess:
    """The fake Zalo in its own process, so its CPU never counts against the bench runner."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve_fake, args=(child,), daemon=True)
        self.url = ""

    def start(self) -> FakeZaloProcess:
        self.proc.start()
        if not self._conn.poll(CONTROL_SECONDS):
            raise RuntimeError("the fake Zalo did not start")
        self.url = self._conn.recv()
        return self

    def call(self, name: str, *args: Any) -> Any:
        self._conn.send((name, args))
        if not self._conn.poll(CONTROL_SECONDS):
            raise RuntimeError(f"the fake Zalo did not answer {name}")
        status, value = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"fake Zalo {name}: {value}")
        return value

    def sent(self, start: int = 0) -> list[Sent]:
        return [Sent(u, t, x) for u, t, x in self.call("sent", start)]

    def count(self) -> int:
        return int(self.call("count"))

    def stop(self) -> None:
        if self.proc.is_alive():
            with contextlib.suppress(RuntimeError, OSError):
                self.call("stop")
            self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)


class Stack:
    """One throwaway Redis, the fake Zalo and the environment every bot process gets."""

    def __init__(self, *redis_args: str, env: Mapping[str, str] | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="nd-bench-"))
        self.redis = RedisServer("--maxmemory-policy", "noeviction", *redis_args)
        self.fake = FakeZaloProcess()
        self.extra = dict(env or {})
        self.env: dict[str, str] = {}
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> Stack:
        self.redis.start()
        self.fake.start()
        self.env = {
            "REDIS_URL": self.redis.url,
            "REDIS_KEY_PREFIX": PREFIX,
            "INSTANCE_PATH": str(self.dir / "instance"),
            "ZALO_APP_ID": APP_ID,
            "ZALO_APP_SECRET": APP_SECRET,
            "ZALO_OA_SECRET_KEY": OA_SECRET,
            "ZALO_ACCESS_TOKEN": ACCESS,
            "ZALO_REFRESH_TOKEN": REFRESH,
            "ZALO_API_BASE": self.fake.url,
            "ZALO_OAUTH_BASE": self.fake.url,
            "ZALO_TIMEOUT_SECONDS": "2",
            # Zalo's real limit would cap every run at the same figure; measure the bot instead.
            "ZALO_SEND_RATE": "100000",
            "FAQ_PATH": str(ROOT / "faq.yaml"),
            "HOTLINES_PATH": str(ROOT / "hotlines.yaml"),
            "BROADCAST_QUIET_HOURS": "",
            "SECRET_KEY": "bench-secret",
            "LOG_LEVEL": "WARNING",
            **self.extra,
        }
        return self

    def stop(self) -> None:
        for proc in self.procs:
            stop_process(proc)
        self.fake.stop()
        self.redis.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.redis.dir, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self) -> Redis:
        return redis.Redis.from_url(self.redis.url, decode_responses=True)

    def app(self) -> Flask:
        """The web app in this process: the webhook's own code path without HTTP."""
        from app import create_app

        return create_app(self.env)

    def app_settings(self) -> Settings:
        return settings_from(self.env)

    def log(self, name: str) -> Path:
        return self.dir / f"{name}.log"

    def spawn(self, args: Sequence[str], name: str) -> subprocess.Popen[bytes]:
        with self.log(name).open("ab") as out:
            proc = subprocess.Popen(
                list(args), cwd=ROOT, env=child_environment(self.env), stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.procs.append(proc)
        return proc

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        args = [sys.executable, "-m", "flask", "--app", "app", "worker", "--name", name]
        return self.spawn(args, name)

    def web(self, target: str = "app:create_app()", flags: Sequence[str] = ()) -> tuple[
        subprocess.Popen[bytes], int
    ]:  # fmt: skip
        """gunicorn with the shipped settings on a free loopback port."""
        port = free_port()
        self.env.update(PORT=str(port), WEB_HOST="127.0.0.1")
        args = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), *flags, target]
        proc = self.spawn(args, f"web-{port}")
        wait_listening(port, proc, 30.0)
        return proc, port

    def live_workers(self) -> int:
        now, key = time.time(), Keys(PREFIX).workers()
        ages = [now - float(v) for v in self.client().hgetall(key).values()]
        return sum(1 for age in ages if age < 5.0)


def wait_listening(port: int, proc: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port} after {seconds} s")


def wait_until(check: Any, seconds: float, step: float = 0.05) -> bool:
    """Poll `check()` until it is true or `seconds` passed; the last answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return bool(check())


def stop_process(proc: subprocess.Popen[bytes], seconds: float = 20.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    """Direct children of a process (gunicorn's workers under its arbiter)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return sorted(out)


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def machine() -> str:
    """CPU model and count, memory, kernel: the context every figure needs."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = subprocess.run(["free", "-m"], capture_output=True, text=True, check=False).stdout
    total = next((ln.split()[1] for ln in mem.splitlines() if ln.startswith("Mem:")), "?")
    return f"{os.cpu_count()} × {model}, {total} MiB RAM, Linux {os.uname().release}"


def git_revision() -> str:
    """The commit measured, and whether tracked files differed from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    rev = git("rev-parse", "--short", "HEAD") or "unknown"
    return rev + (" with uncommitted changes" if git("status", "--porcelain", "-uno") else "")


def show(result: Any) -> int:
    """A part run on its own: its table, then each floor with its verdict."""
    print(result.markdown())
    for name, figure, ok in result.floors():
        print(f"{name}: {figure} {'PASS' if ok else 'BELOW'}")
    return 0
