"""`python -m bench.soak` (`make soak`): steady webhook load through faults; none lost or doubled.

Faults, in order: Zalo -32 burst, a worker SIGKILL, Zalo 5xx burst, a Redis restart, a SIGKILL,
Zalo timeouts, an access-token expiry, a SIGKILL. A broadcast to in-window subscribers runs
through all of it. Exit status 1 when an acknowledged event was not answered exactly once, a
broadcast copy was lost or duplicated, or a process's memory grew beyond the tolerance.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests

from bench.harness import ROOT, Stack, children, git_revision, machine, rss_kib, wait_until
from bench.soak_load import Load, Sampler
from bot.config import settings_from
from bot.services import broadcast_report, broadcasts
from bot.services.runtime import Runtime
from bot.store.inbound import Inbound, partition_of
from bot.store.keys import INBOUND_GROUP, Keys
from bot.store.subscriptions import Subscriptions
from tests.fakezalo.events import new_user_id

MAX_SECONDS = 600
MEMORY_TOLERANCE_KIB = 10 * 1024  # growth allowed per process between early and late samples
REDIS_OUTAGE_SECONDS = 3.0
DROP_SECONDS = 3.0  # a hung Zalo call: past the client's 2 s timeout
TOPIC = "tin-tuc"


@dataclass
class Fault:
    at: float  # fraction of the load period
    name: str
    act: Callable[[Soak], str]


@dataclass
class Soak:
    stack: Stack
    seconds: float
    rate: float
    subscribers: int
    workers: list[Any] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    health: list[dict[str, Any]] = field(default_factory=list)
    web_pid: int = 0
    port: int = 0
    kills: int = 0

    # processes -----------------------------------------------------------------------------
    def start(self) -> None:
        self.stack.fake.call("set", "drop_seconds", DROP_SECONDS)
        web, self.port = self.stack.web()
        self.web_pid = web.pid
        self.workers = [self.stack.worker(f"soak-w{i}") for i in range(3)]
        if not wait_until(lambda: self.stack.live_workers() == 3, 60):
            raise RuntimeError(f"workers did not start (logs in {self.stack.dir})")

    def kill_worker(self) -> str:
        """SIGKILL a worker other than the first (kept for the memory trend) and restart it."""
        self.kills += 1
        slot = 1 + (self.kills - 1) % (len(self.workers) - 1)
        victim = self.workers[slot]
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
        time.sleep(1.0)  # what a supervisor's restart delay would give
        self.workers[slot] = self.stack.worker(f"soak-w{slot}-r{self.kills}")
        return f"worker pid {victim.pid} killed, restarted as pid {self.workers[slot].pid}"

    def restart_redis(self) -> str:
        self.stack.redis.stop()
        started = time.monotonic()
        seen = None
        while time.monotonic() - started < REDIS_OUTAGE_SECONDS:
            seen = seen or self.healthz()
            time.sleep(0.2)
        self.stack.redis.start()
        problems = (seen or {}).get("problems", [])
        return f"down {REDIS_OUTAGE_SECONDS:.0f} s; /healthz said {problems}"

    def healthz(self) -> dict[str, Any] | None:
        try:
            resp = requests.get(f"http://127.0.0.1:{self.port}/healthz/details", timeout=2)
            data = resp.json()
        except (requests.RequestException, ValueError):
            return None
        data["http_status"] = resp.status_code
        self.health.append(data)
        return data

    def memory(self) -> dict[str, int]:
        pids = {f"web worker {p}": p for p in children(self.web_pid)}
        pids[f"worker {self.workers[0].pid} (never killed)"] = self.workers[0].pid
        return {name: rss_kib(pid) for name, pid in pids.items()}

    # the broadcast ------------------------------------------------------------------------------
    def runtime(self) -> Runtime:
        return Runtime(settings_from(self.stack.env))

    def seed_subscribers(self) -> list[str]:
        """In-window subscribers of the topic (they wrote to the OA a minute ago)."""
        rt = self.runtime()
        users = [new_user_id() for _ in range(self.subscribers)]
        Subscriptions(rt.redis, rt.keys).subscribe_many((u, TOPIC, "") for u in users)
        seen = int(time.time() * 1000) - 60_000
        inbound = Inbound(rt.redis, rt.keys)
        for user in users:
            inbound.record_interaction(user, seen)
        return users

    def start_broadcast(self) -> str:
        rt = self.runtime()
        text = "Thông báo thử: lịch tiêm mũi nhắc lại tuần này tại trạm y tế xã, phường."
        b = broadcasts.create(rt, topic=TOPIC, text=text, by="soak-officer-a")
        broadcasts.approve(rt, b.id, by="soak-officer-b")
        self.broadcast_id = b.id
        return f"broadcast {b.id} approved for {self.subscribers} subscribers"

    def broadcast_counts(self) -> dict[str, Any]:
        try:
            return broadcast_report.report(self.runtime(), self.broadcast_id)
        except Exception as exc:  # Redis may be restarting
            return {"error": type(exc).__name__}


def fake(name: str, *args: Any) -> Callable[[Soak], str]:
    def act(s: Soak) -> str:
        s.stack.fake.call(name, *args)
        return f"fake Zalo: {name}{args}"

    return act


FAULTS = [
    Fault(0.05, "broadcast starts", Soak.start_broadcast),
    Fault(0.15, "Zalo -32 burst (rate limit, 20 calls)", fake("fail_next", -32, 20)),
    Fault(0.25, "worker SIGKILL 1", Soak.kill_worker),
    Fault(0.35, "Zalo HTTP 502 burst (20 calls)", fake("http_error_next", 502, 20)),
    Fault(0.45, "Redis restart", Soak.restart_redis),
    Fault(0.55, "worker SIGKILL 2", Soak.kill_worker),
    Fault(0.65, f"Zalo timeouts (4 calls hang {DROP_SECONDS:.0f} s)", fake("drop_next", 4)),
    Fault(0.75, "access token expires", fake("expire_access_token")),
    Fault(0.85, "worker SIGKILL 3", Soak.kill_worker),
]


@dataclass
class Verdict:
    rows: list[tuple[str, str, bool]]
    faults: list[tuple[str, str]]
    webhook: list[tuple[str, str]]
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(ok for _, _, ok in self.rows)

    def markdown(self) -> str:
        out = ["| check | measured | result |", "|---|---|---|"]
        out += [
            f"| {name} | {value} | {'PASS' if ok else 'FAIL'} |" for name, value, ok in self.rows
        ]
        out += ["", "| fault injected | what happened |", "|---|---|"]
        out += [f"| {name} | {detail} |" for name, detail in self.faults]
        out += ["", "| webhook | figure |", "|---|---|"]
        out += [f"| {name} | {value} |" for name, value in self.webhook]
        if self.details:
            out += ["", "Unanswered or doubled events:", ""] + [f"- {d}" for d in self.details]
        return "\n".join(out)


def run_soak(seconds: float, rate: float, subscribers: int) -> Verdict:
    env = {"ZALO_SEND_RATE": "80", "LOG_LEVEL": "WARNING"}
    with Stack("--appendonly", "yes", "--appendfsync", "always", env=env) as stack:
        soak = Soak(stack, seconds, rate, subscribers)
        soak.start()
        audience = soak.seed_subscribers()
        load = Load(soak.port, rate, seconds)
        sampler = Sampler(soak.memory, every=5.0)
        load.start()
        sampler.start()
        begun = time.monotonic()
        for fault in FAULTS:
            _sleep_until(begun + fault.at * seconds)
            at = time.monotonic() - begun
            soak.notes.append((f"+{at:.0f} s: {fault.name}", fault.act(soak)))
        load.join(seconds + 120)
        drained = _drain(soak, load, audience)
        sampler.stop()
        return judge(soak, load, sampler, audience, drained)


def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _drain(soak: Soak, load: Load, audience: Sequence[str]) -> float:
    """Wait (bounded) until every acknowledged event and every subscriber got a message."""
    started = time.monotonic()
    wanted = set(load.accepted) | set(audience)

    def done() -> bool:
        got = {s.user_id for s in soak.stack.fake.sent()}
        return wanted <= got and broadcast_settled(soak)

    wait_until(done, 150, step=2.0)
    return time.monotonic() - started


def broadcast_settled(soak: Soak) -> bool:
    counts = soak.broadcast_counts().get("counts", {})
    return bool(counts) and counts.get("in_progress", 1) == 0 and counts.get("pending", 0) == 0


def judge(
    soak: Soak, load: Load, sampler: Sampler, audience: Sequence[str], drained: float
) -> Verdict:
    per_user = Counter(s.user_id for s in soak.stack.fake.sent())
    acked = list(load.accepted)
    lost = [u for u in acked if per_user[u] == 0]
    doubled = [u for u in acked if per_user[u] > 1]
    b_lost = [u for u in audience if per_user[u] == 0]
    b_doubled = [u for u in audience if per_user[u] > 1]
    report = soak.broadcast_counts()
    growth = sampler.growth()
    worst = max(growth.values(), default=0)
    alive = sum(w.poll() is None for w in soak.workers)
    redis_health = [h for h in soak.health if "redis unreachable" in h.get("problems", [])]
    rows = [
        ("acknowledged events answered", f"{len(acked) - len(lost)}/{len(acked)}", not lost),
        ("acknowledged events answered twice", str(len(doubled)), not doubled),
        ("broadcast copies received", f"{len(audience) - len(b_lost)}/{len(audience)}", not b_lost),
        ("broadcast copies duplicated", str(len(b_doubled)), not b_doubled),
        ("broadcast report", _counts(report), report.get("status") == "done"),
        (
            f"memory growth, worst process (tolerance {MEMORY_TOLERANCE_KIB // 1024} MiB)",
            f"{worst / 1024:.1f} MiB ({_growth(growth)})",
            worst <= MEMORY_TOLERANCE_KIB,
        ),
        ("/healthz named Redis while it was down", f"{len(redis_health)} reading(s)",
         bool(redis_health)),
        ("workers alive at the end", f"{alive}/{len(soak.workers)}", alive == len(soak.workers)),
    ]  # fmt: skip
    webhook = [*load.summary(), ("drain after load stopped", f"{drained:.0f} s")]
    verdict = Verdict(rows, soak.notes, webhook)
    verdict.details = explain(soak, lost + doubled, load.wall_started)
    return verdict


def explain(soak: Soak, users: Sequence[str], since: float) -> list[str]:
    """Where each unanswered event stands: its stream entry, delivery marks, Zalo's answers."""
    r, keys = soak.stack.client(), Keys(soak.stack.env["REDIS_KEY_PREFIX"])
    parts = soak.stack.app_settings().inbound_partitions
    calls = soak.stack.fake.call("sent_attempts")
    lines = []
    for user in users[:10]:
        stream = keys.inbound(partition_of(user, parts))
        found = [(i, f) for i, f in r.xrange(stream) if f.get("u") == user]
        if not found:
            lines.append(f"{user}: no stream entry")
            continue
        entry_id, fields = found[0]
        pending = r.xpending_range(stream, INBOUND_GROUP, min=entry_id, max=entry_id, count=1)
        marks = [
            (r.exists(keys.replied(mark)), r.get(keys.sending(mark)))
            for mark in (f"{fields['e']}#1", f"{fields['e']}#2")
        ]
        zalo = [c.get("error") for c in calls if c["user_id"] == user]
        accepted = int(fields["t"]) / 1000 - since
        lines.append(
            f"{user}: accepted at +{accepted:.1f} s, entry {entry_id}, pending {pending}, "
            f"marks (replied, sending) {marks}, Zalo answers {zalo}"
        )
    return lines


def _counts(report: dict[str, Any]) -> str:
    counts = report.get("counts", {})
    parts = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
    return f"{report.get('status', '?')}: {parts}; reasons {report.get('reasons', {})}"


def _growth(growth: dict[str, int]) -> str:
    return "; ".join(f"{name} {kib / 1024:+.1f}" for name, kib in growth.items())


def append_to_benchmarks(text: str, command: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    code = git_revision()
    block = f"\n## Soak run {stamp}\n\n`{command}` on {machine()}, code {code}\n\n{text}\n"
    with path.open("a", encoding="utf-8") as out:
        out.write(block)


def _overtime(signum: int, frame: object) -> None:
    raise SystemExit(f"soak: over {MAX_SECONDS} s, stopped (processes are cleaned up)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=300, help="length of the load period")
    parser.add_argument("--rate", type=float, default=20, help="webhook events per second")
    parser.add_argument("--subscribers", type=int, default=3000)
    parser.add_argument("--no-append", action="store_true", help="do not touch BENCHMARKS.md")
    a = parser.parse_args(argv)
    if a.seconds + 300 > MAX_SECONDS + 60:
        parser.error(f"the whole soak must fit in {MAX_SECONDS // 60} minutes; lower --seconds")
    signal.signal(signal.SIGALRM, _overtime)
    signal.alarm(MAX_SECONDS)  # a hard bound on the whole run, whatever hangs
    verdict = run_soak(a.seconds, a.rate, a.subscribers)
    signal.alarm(0)
    text = verdict.markdown()
    print(text)
    if not a.no_append:
        command = "make soak" if not argv else "python -m bench.soak " + " ".join(argv)
        append_to_benchmarks(text, command)
    print("SOAK PASSED" if verdict.ok else "SOAK FAILED")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
