"""`make run`: embedded Redis, one worker and the web app on PORT, in one command.

One `make run` per instance folder: a lock file in it (`run.lock`, held while the bot runs and
released by the system when the process ends, even on a crash) tells a second `make run` where the
first one serves, and the second leaves before it touches anything (the embedded Redis, the
worker, the port). The port is bound before anything is announced, so a port another program
holds is reported as such, with the variable that changes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import IO, Any

from bot import logs
from bot.config import child_environment, load_settings_or_exit
from bot.store.client import EmbeddedRedis

log = logging.getLogger("bot.local")

LOCK_NAME = "run.lock"
HOST = "127.0.0.1"


class AlreadyRunning(Exception):
    """Another `make run` holds the instance folder; `.holder` is what it wrote there."""

    def __init__(self, holder: dict[str, Any]):
        super().__init__("already running")
        self.holder = holder


class RunLock:
    """An exclusive lock on `instance/run.lock`, with who holds it written inside."""

    def __init__(self, instance_dir: Path):
        self.path = instance_dir / LOCK_NAME
        self._file: IO[str] | None = None

    def acquire(self, holder: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            text = file.read()
            file.close()
            try:
                found = json.loads(text) if text.strip() else {}
            except ValueError:
                found = {}
            raise AlreadyRunning(found if isinstance(found, dict) else {}) from None
        file.seek(0)
        file.truncate()
        file.write(json.dumps(holder))
        file.flush()
        self._file = file

    def release(self) -> None:
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            self._file.close()  # closing drops the lock
            self._file = None


def already_running_message(holder: dict[str, Any], instance_dir: Path, port: int) -> str:
    where = holder.get("sandbox") or "an unknown address"
    pid = holder.get("pid", "?")
    other = int(holder.get("port") or port) + 1
    return (
        f"The bot is already running from {instance_dir} (pid {pid}); its sandbox is {where}.\n"
        "This second `make run` changed nothing and stops here. To run another bot beside it, "
        "give it its own port and instance folder:\n"
        f"  PORT={other} INSTANCE_PATH={instance_dir}-{other} make run"
    )


def port_taken_message(port: int, error: OSError) -> str:
    return (
        f"Port {port} on {HOST} is in use by another program ({error.strerror}). "
        f"Choose another port with PORT, for example: PORT={port + 1} make run"
    )


def bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops as Ctrl-C does: the worker and Redis go down too


def main() -> int:
    settings = load_settings_or_exit()
    logs.configure(settings.log_level)
    instance = settings.instance_dir.resolve()
    port = settings.port
    lock = RunLock(instance)
    sandbox = f"http://{HOST}:{port}/sandbox"
    try:
        lock.acquire({"pid": os.getpid(), "port": port, "sandbox": sandbox})
    except AlreadyRunning as exc:
        print(already_running_message(exc.holder, instance, port), file=sys.stderr)
        return 1
    try:
        try:
            sock = bind(port)
        except OSError as exc:
            print(port_taken_message(port, exc), file=sys.stderr)
            return 1
        with sock:
            return serve(settings, sock, sandbox)
    finally:
        lock.release()


def serve(settings: Any, sock: socket.socket, sandbox: str) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    embedded = None if settings.redis_url else EmbeddedRedis(settings.instance_dir)
    url = settings.redis_url or embedded.ensure_running()  # type: ignore[union-attr]
    env = child_environment({"REDIS_URL": url})
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--name", "local-worker"], env=env
    )
    try:
        from app import create_app
        from bot.web.local_server import serve as serve_app

        app = create_app({"REDIS_URL": url})
        log.info(
            "bot running",
            extra={
                "sandbox": sandbox,
                "health": f"http://{HOST}:{settings.port}/healthz",
                "mode": "local (nothing is sent to Zalo)" if settings.local_mode else "zalo",
            },
        )
        with contextlib.suppress(KeyboardInterrupt):
            serve_app(app, sock)
    finally:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
        if embedded is not None:
            embedded.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
