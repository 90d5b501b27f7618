"""`python -m bench.webhook`: webhook acks per second and latency, ours against a bare Flask app."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from flask import Flask, Response, jsonify, request

from bot.config import child_environment, settings_from
from bot.store.inbound import Inbound
from bot.store.keys import Keys
from tests.fakezalo.events import APP_ID, OA_SECRET, new_user_id, sign_event, text_event
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
LUA = Path(__file__).with_name("webhook.lua")
OURS, BARE = "app:create_app()", "bench.webhook:bare_app()"
LABEL_OURS = "ours: /webhook/zalo"
PREFIX = "bench:"
TEXTS = ("tiêm mũi 3 ở đâu", "sau tiêm bị sốt phải làm sao", "lịch tiêm tuần này", "xin chào")
# Worker models compared by --matrix: (label, extra gunicorn flags).
MATRIX: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sync ×2", ("-k", "sync", "-w", "2")),
    ("sync ×4", ("-k", "sync", "-w", "4")),
    ("sync ×8", ("-k", "sync", "-w", "8")),
    ("gthread 2×4", ("-k", "gthread", "-w", "2", "--threads", "4")),
    ("gthread 2×8", ("-k", "gthread", "-w", "2", "--threads", "8")),
    ("gthread 4×2", ("-k", "gthread", "-w", "4", "--threads", "2")),
)


def bare_app() -> Flask:
    """The floor: parse the JSON body and acknowledge it, nothing else."""
    app = Flask("bare")

    @app.post("/webhook/zalo")
    def ack() -> tuple[Response, int]:
        json.loads(request.get_data())
        return jsonify({"ok": True}), 200

    return app


@dataclass(frozen=True)
class Result:
    label: str
    requests: int
    seconds: float
    non2xx: int
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def acks_per_second(self) -> float:
        return (self.requests - self.non2xx - self.errors) / self.seconds if self.seconds else 0.0


def write_bodies(path: Path, count: int) -> None:  # about 0.4 kB per line
    """`count` signed user_send_text events, unique msg_ids, spread over a few hundred residents."""
    users = [new_user_id() for _ in range(300)]
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            raw, headers = sign_event(text_event(users[i % len(users)], TEXTS[i % 4]), OA_SECRET)
            out.write(headers["X-ZEvent-Signature"] + "\t" + raw.decode("utf-8") + "\n")


@contextmanager
def gunicorn(target: str, env: dict[str, str], flags: Sequence[str], log: Path) -> Iterator[int]:
    """Run gunicorn with the shipped config on a free loopback port; yield the port."""
    port = free_port()
    env = {**env, "PORT": str(port), "WEB_HOST": "127.0.0.1"}
    args = [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), *flags, target]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            args, cwd=ROOT, env=child_environment(env), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_listening(port, proc, 60.0)
        yield port
    finally:
        stop(proc)


def wait_listening(port: int, proc: subprocess.Popen[bytes], seconds: float) -> None:
    """Until the app answers HTTP a few times in a row (the master binds before workers boot)."""
    deadline, answered = time.monotonic() + seconds, 0
    while time.monotonic() < deadline and answered < 5:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            conn.getresponse().read()
            conn.close()
            answered += 1
        except OSError:
            answered = 0
            time.sleep(0.1)
    if answered < 5:
        raise RuntimeError("gunicorn did not start answering")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def wrk(port: int, bodies: Path, label: str, *, connections: int, seconds: int) -> Result:
    """One wrk run of `seconds` (a thread also stops early if its share of bodies runs out)."""
    threads = 2
    args = [
        "wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
        "--timeout", "5s", "-s", str(LUA), f"http://127.0.0.1:{port}",
        "--", str(bodies), str(threads), str(connections // threads),
    ]  # fmt: skip
    out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 30, check=True)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return Result(
        label,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        non2xx=data["non2xx"],
        errors=data["errors"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )


class Bench:
    """A throwaway Redis and the signed bodies, shared by every measured run."""

    def __init__(self, count: int, connections: int, seconds: int):
        self.count, self.connections, self.seconds = count, connections, seconds
        self.dir = Path(tempfile.mkdtemp(prefix="nd-bench-webhook-"))
        self.redis = RedisServer("--maxmemory-policy", "noeviction").start()
        self.env = {
            "REDIS_URL": self.redis.url,
            "REDIS_KEY_PREFIX": PREFIX,
            "INSTANCE_PATH": str(self.dir / "instance"),
            "ZALO_APP_ID": APP_ID,
            "ZALO_APP_SECRET": "bench-app-secret",
            "ZALO_REFRESH_TOKEN": "bench-refresh",
            "ZALO_OA_SECRET_KEY": OA_SECRET,
            "LOG_LEVEL": "INFO",
        }
        self.log = self.dir / "gunicorn.log"
        self.warmup = self.dir / "warmup.tsv"
        write_bodies(self.warmup, 400)

    def close(self) -> None:
        self.redis.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def measure(self, label: str, target: str, flags: Sequence[str] = ()) -> Result:
        redis.Redis.from_url(self.redis.url).flushall()
        bodies = self.dir / "bodies.tsv"
        write_bodies(bodies, self.count)  # fresh msg_ids: every request takes the full path
        with gunicorn(target, self.env, flags, self.log) as port:
            wrk(port, self.warmup, "warm-up", connections=4, seconds=3)
            redis.Redis.from_url(self.redis.url).flushall()
            result = wrk(port, bodies, label, connections=self.connections, seconds=self.seconds)
        if result.requests >= self.count - self.connections:
            raise RuntimeError(f"ran out of signed bodies; raise --count above {self.count}")
        if target == OURS:
            self.check_queued(result)
        return result

    def check_queued(self, result: Result) -> None:
        """Every acknowledged event really reached the inbound streams."""
        settings = settings_from(self.env)
        client = redis.Redis.from_url(self.redis.url, decode_responses=True)
        inbound = Inbound(client, Keys(PREFIX), partitions=settings.inbound_partitions)
        queued = inbound.depth()["length"]
        acked = result.requests - result.non2xx - result.errors
        # More may be queued: requests in flight when wrk stopped were handled but not counted.
        if queued < acked:
            raise RuntimeError(f"{acked} events acknowledged but only {queued} queued")


def table(rows: Sequence[Result], baseline: Result | None = None) -> str:
    head = "| run | requests | acks/s | p50 ms | p99 ms | non-2xx | errors |"
    if baseline:
        head += " acks/s vs bare |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        line = (
            f"| {r.label} | {r.requests} | {r.acks_per_second:,.0f} | {r.p50_ms:.1f} "
            f"| {r.p99_ms:.1f} | {r.non2xx} | {r.errors} |"
        )
        if baseline:
            ratio = r.acks_per_second / baseline.acks_per_second if baseline.acks_per_second else 0
            line += f" {ratio:.2f} |"
        lines.append(line)
    return "\n".join(lines)


def median(results: Sequence[Result]) -> Result:
    """One row per configuration: the median of its interleaved repetitions."""
    mid = statistics.median
    return Result(
        results[0].label,
        requests=int(mid(r.requests for r in results)),
        seconds=mid(r.seconds for r in results),
        non2xx=sum(r.non2xx for r in results),
        errors=sum(r.errors for r in results),
        p50_ms=mid(r.p50_ms for r in results),
        p99_ms=mid(r.p99_ms for r in results),
    )


def rounds(
    bench: Bench, configs: Sequence[tuple[str, str, Sequence[str]]], repeat: int
) -> list[Result]:
    """Alternate the configurations `repeat` times, so a busy moment hurts them all alike."""
    runs: dict[str, list[Result]] = {label: [] for label, _, _ in configs}
    for _ in range(repeat):
        for label, target, flags in configs:
            runs[label].append(bench.measure(label, target, flags))
    return [median(results) for results in runs.values()]


def run(
    count: int = 50000,
    connections: int = 16,
    seconds: int = 8,
    matrix: bool = False,
    repeat: int = 1,
) -> str:
    """Measure ours and the bare app under the shipped gunicorn settings; return markdown."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian package wrk)")
    bench = Bench(count, connections, seconds)
    load_before = os.getloadavg()[0]
    try:
        bare, ours = rounds(
            bench, [("bare parse-and-ack", BARE, ()), (LABEL_OURS, OURS, ())], repeat
        )
        out = [
            f"Webhook benchmark: unique signed events for {seconds} s per run, {connections} "
            f"connections, {os.cpu_count()} CPUs, median of {repeat} interleaved run(s), "
            "`gunicorn -c deploy/gunicorn.conf.py` as shipped for both apps.",
            "",
            table([bare, ours], baseline=bare),
        ]
        if matrix:
            rows = rounds(bench, [(label, OURS, flags) for label, flags in MATRIX], repeat)
            out += ["", "Worker models (ours, same load):", "", table(rows)]
        out += ["", f"Load average before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f}"]
        return "\n".join(out)
    finally:
        bench.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50000, help="signed events prepared per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=8, help="length of each measured run")
    parser.add_argument("--matrix", action="store_true", help="also compare worker models")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved runs per configuration")
    a = parser.parse_args(argv)
    print(run(a.count, a.connections, a.seconds, a.matrix, a.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
