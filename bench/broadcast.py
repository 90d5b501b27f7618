"""`python -m bench.broadcast`: a 100,000-subscriber broadcast against the fake Zalo (no latency).

Measures, on a throwaway redis-server and the fake Zalo in its own process (loopback only):
sends per second against the raw client's rate on the same fake; the pacing held at a configured
ZALO_SEND_RATE; the time to freeze the audience against a bare SUNION; Redis memory per
subscriber against one plain set of ids, and per recipient of a running broadcast.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from bot.config import settings_from
from bot.model import Reply
from bot.services import broadcast_report as report
from bot.services import broadcasts as svc
from bot.services.runtime import Runtime
from bot.store.broadcast_recipients import Recipients
from bot.store.broadcasts import BroadcastStore
from bot.store.subscriptions import Subscriptions
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
ACCESS, REFRESH, APP_SECRET = "bench-access-token", "bench-refresh-token", "bench-app-secret"
DISTRICTS = ("tp-nam-dinh", "my-loc", "vu-ban", "y-yen", "nghia-hung", "nam-truc", "truc-ninh",
             "xuan-truong", "giao-thuy", "hai-hau")  # fmt: skip
OUTSIDE_EVERY = 20  # one resident in 20 last wrote more than 7 days ago: a pending notice
TIME_LIMIT = 900.0


@dataclass
class Row:
    what: str
    value: str
    baseline: str = ""
    ratio: str = ""


@contextmanager
def fake_zalo() -> Iterator[str]:
    """The fake Zalo in its own process, so its HTTP handling does not share our interpreter."""
    port = free_port()
    args = [sys.executable, "-m", "tests.fakezalo.server", "--port", str(port), "--app-secret",
            APP_SECRET, "--access-token", ACCESS, "--refresh-token", REFRESH]  # fmt: skip
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(url + "/_fake/state", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the fake Zalo did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


class FakeRecords:
    """Counts what the fake received, draining its records between rounds.

    The fake keeps every message it receives and scans them on each send, so its own cost grows
    with the run; resetting it while no call is in flight keeps the fake out of the measurement.
    """

    def __init__(self, url: str):
        self.url, self.drained = url, 0

    def _state(self) -> int:
        with urllib.request.urlopen(self.url + "/_fake/state", timeout=5) as resp:
            return int(json.loads(resp.read())["sent"])

    def sent(self) -> int:
        return self.drained + self._state()

    def drain(self, above: int = 2000) -> None:
        current = self._state()
        if current >= above:
            req = urllib.request.Request(self.url + "/_fake/reset", method="POST", data=b"")
            urllib.request.urlopen(req, timeout=5).read()
            self.drained += current


def runtime(redis_url: str, fake_url: str, rate: float) -> Runtime:
    from tests.fakezalo.events import APP_ID

    env = {
        "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": "bench:", "ZALO_APP_ID": APP_ID,
        "ZALO_APP_SECRET": APP_SECRET, "ZALO_ACCESS_TOKEN": ACCESS, "ZALO_REFRESH_TOKEN": REFRESH,
        "ZALO_API_BASE": fake_url, "ZALO_OAUTH_BASE": fake_url, "ZALO_SEND_RATE": str(rate),
        "BROADCAST_QUIET_HOURS": "", "BROADCAST_DAILY_CAP": "0",
        "SUBSCRIPTIONS_PATH": str(ROOT / "subscriptions.yaml"),
    }  # fmt: skip
    return Runtime(settings_from(env))


def used_memory(r: redis.Redis) -> int:
    return int(r.info("memory")["used_memory"])


def users(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i:015d}" for i in range(count)]


def populate(rt: Runtime, ids: list[str], topic: str) -> None:
    by_district = topic == "lich-tiem"
    rows = [
        (u, topic, DISTRICTS[i % len(DISTRICTS)] if by_district else "") for i, u in enumerate(ids)
    ]
    Subscriptions(rt.redis, rt.keys).subscribe_many(rows)
    now_ms = int(time.time() * 1000)
    for i in range(0, len(ids), 1000):
        with rt.redis.pipeline(transaction=False) as pipe:
            for j, user in enumerate(ids[i : i + 1000], start=i):
                days = 9 if j % OUTSIDE_EVERY == 0 else 1
                pipe.set(rt.keys.last_seen(user), now_ms - days * 86_400_000, ex=8 * 86_400)
            pipe.execute()


def send_all(rt: Runtime, broadcast_id: str, fake: FakeRecords, limit: float = TIME_LIMIT) -> float:
    """Run delivery rounds until the broadcast is done; seconds taken (draining excluded)."""
    spent = 0.0
    while svc.get(rt, broadcast_id).status != "done":
        if spent > limit:
            raise RuntimeError(f"broadcast {broadcast_id} not done within {limit:.0f} s")
        started = time.perf_counter()
        svc.run_broadcasts_once(rt, max_recipients=1000)
        spent += time.perf_counter() - started
        fake.drain()
    return spent


def memory_rows(rt: Runtime, ids: list[str]) -> tuple[list[Row], int]:
    r = rt.redis
    before = used_memory(r)
    populate(rt, ids, "lich-tiem")
    ours = (used_memory(r) - before) / len(ids)
    bare_key = "bench:bare-set"
    before = used_memory(r)
    for i in range(0, len(ids), 5000):
        r.sadd(bare_key, *ids[i : i + 5000])
    bare = (used_memory(r) - before) / len(ids)
    r.delete(bare_key)
    what = "Redis memory per subscriber (index + own set; last-seen excluded)"
    row = Row(what, f"{ours:.0f} B", f"{bare:.0f} B (one plain set of ids)", f"{ours / bare:.1f}×")
    return [row], used_memory(r)


def raw_client_rate(rt: Runtime, count: int) -> float:
    """The floor: the same Zalo client calling the same fake, as many at once, no bookkeeping."""
    reply = Reply("bench")
    workers = rt.settings.broadcast_concurrency
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda i: rt.zalo.send(f"9{i:015d}", reply, priority="bulk"), range(count)))
    return count / (time.perf_counter() - started)


def freeze_baseline(rt: Runtime) -> float:
    keys = [rt.keys.topic_subscribers("lich-tiem", d) for d in ("", *DISTRICTS)]
    started = time.perf_counter()
    rt.redis.sunion(keys)
    return (time.perf_counter() - started) * 1000


def trial_freezes(rt: Runtime, count: int) -> list[float]:
    """Freeze the same audience again (and throw it away) for a steadier timing."""
    times = []
    for _ in range(count):
        b = svc.create(rt, topic="lich-tiem", text="trial", by="bench-a")
        svc.approve(rt, b.id, by="bench-b")
        svc.run_broadcasts_once(rt, max_recipients=0)  # starts: freezes, sends nobody yet
        times.append(svc.get(rt, b.id).freeze_ms)
        BroadcastStore(rt.redis, rt.keys).unschedule(b.id)
        Recipients(rt.redis, rt.keys, b.id).reset()
    return times


def big_broadcast(rt: Runtime, fake: FakeRecords, count: int) -> list[Row]:
    r = rt.redis
    b = svc.create(rt, topic="lich-tiem", text="Lịch tiêm tuần này (bench)", by="bench-a")
    svc.approve(rt, b.id, by="bench-b")
    before_mem, sent_before = used_memory(r), fake.sent()
    seconds = send_all(rt, b.id, fake)
    counts = report.report(rt, b.id)["counts"]
    sent = fake.sent() - sent_before
    if counts["sent"] != sent or counts["total"] != count:
        raise RuntimeError(f"accounting mismatch: {counts} vs {sent} received by the fake")
    per_recipient = (used_memory(r) - before_mem) / count
    fake.drain(above=0)
    raw = raw_client_rate(rt, 2000)
    freeze_ms = statistics.median([svc.get(rt, b.id).freeze_ms, *trial_freezes(rt, 2)])
    bare_ms = statistics.median(freeze_baseline(rt) for _ in range(3))
    return [
        Row(f"broadcast to {count:,} subscribers: wall time", f"{seconds:.1f} s"),
        Row(f"sends per second ({rt.settings.broadcast_concurrency} calls in flight)",
            f"{sent / seconds:,.0f}", f"{raw:,.0f} (bare client calls, same fake)",
            f"{sent / seconds / raw:.2f}×"),
        Row("recipients accounted for", f"{counts['total'] - counts['in_progress']:,}",
            f"sent {counts['sent']:,}, pending {counts['pending']:,}"),
        Row("time to freeze the audience (median of 3)", f"{freeze_ms:.0f} ms",
            f"{bare_ms:.0f} ms (bare SUNION)",
            f"{freeze_ms / bare_ms:.1f}×" if bare_ms else ""),
        Row("Redis memory per recipient while a broadcast is kept", f"{per_recipient:.0f} B"),
    ]  # fmt: skip


def pacing(redis_url: str, fake: FakeRecords, rate: float, count: int) -> list[Row]:
    """A shorter pass at a set send rate: how closely the shared throttle holds it."""
    rt = runtime(redis_url, fake.url, rate)
    populate(rt, users("7", count), "tin-tuc")
    b = svc.create(rt, topic="tin-tuc", text="Khuyến cáo (bench)", by="bench-a")
    svc.approve(rt, b.id, by="bench-b")
    send_all(rt, b.id, fake, limit=count / rate * 3 + 30)
    times = sorted(
        s.at_ms for _u, s in Recipients(rt.redis, rt.keys, b.id).scan() if s.kind == "sent"
    )
    steady = times[len(times) // 4 :]  # the bucket's initial burst is long spent by then
    achieved = (len(steady) - 1) / ((steady[-1] - steady[0]) / 1000) if len(steady) > 1 else 0.0
    what = f"pacing at ZALO_SEND_RATE={rate:g} ({len(times):,} sends; last three quarters)"
    return [Row(what, f"{achieved:.1f}/s", f"{rate:g}/s configured", f"{achieved / rate:.3f}×")]


def table(rows: Sequence[Row]) -> str:
    lines = ["| measure | value | baseline | ratio |", "|---|---|---|---|"]
    lines += [f"| {r.what} | {r.value} | {r.baseline} | {r.ratio} |" for r in rows]
    return "\n".join(lines) + "\n"


def run(subscribers: int = 100_000, rate: float = 100.0, pacing_count: int = 1500) -> str:
    """The whole benchmark; returns a markdown table."""
    server = RedisServer().start()
    try:
        with fake_zalo() as url:
            fake = FakeRecords(url)
            rt = runtime(server.url, url, 1_000_000.0)  # the throttle out of the way
            rt.tokens.access_token()  # the OA's token in place, as in any running deployment
            rows, _ = memory_rows(rt, users("1", subscribers))
            rows += big_broadcast(rt, fake, subscribers)
            rows += pacing(server.url, fake, rate, pacing_count)
    finally:
        server.stop()
    return table(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument(
        "--rate", type=float, default=100.0, help="ZALO_SEND_RATE of the pacing pass"
    )
    parser.add_argument("--pacing-sends", type=int, default=1500)
    a = parser.parse_args(argv)
    print(run(a.subscribers, a.rate, a.pacing_sends))
    return 0


if __name__ == "__main__":
    sys.exit(main())
