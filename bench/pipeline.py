"""`python -m bench.pipeline`: events in → replies at a zero-latency fake Zalo, 1 vs 3 workers."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask.testing import FlaskClient

from bench.harness import Sent, Stack, percentile, show, wait_until
from bot.store.inbound import partition_of
from tests.fakezalo.events import OA_SECRET, new_user_id, sign_event, text_event

DEV_QUERIES = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev-queries.yaml"
FALLBACK_TEXTS = ("tiêm mũi 3 ở đâu", "sau tiêm bị sốt phải làm sao", "ai không được tiêm vắc xin")
SLOW_ZALO_SECONDS = 0.05  # a plausible round trip to the real API, for the I/O-bound comparison
SLOW_ZALO_EVENTS = 400
SETTLE_SECONDS = 2.5  # lease renewals run every second: let the fair shares settle
CLK_TCK = os.sysconf("SC_CLK_TCK")


def faq_texts() -> list[str]:
    """Residents' questions that get one answer each (FAQ answers or suggestions)."""
    try:
        items = yaml.safe_load(DEV_QUERIES.read_text("utf-8")) or []
    except OSError:
        return list(FALLBACK_TEXTS)
    texts = [i["text"] for i in items if str(i.get("expect", "")).startswith("faq:")]
    return texts or list(FALLBACK_TEXTS)


def post_events(client: FlaskClient, users: Sequence[str], texts: Sequence[str]) -> None:
    """Each resident asks one question through the webhook's own code (the test client)."""
    for i, user in enumerate(users):
        raw, headers = sign_event(text_event(user, texts[i % len(texts)]), OA_SECRET)
        status = client.post("/webhook/zalo", data=raw, headers=headers).status_code
        if status != 200:
            raise RuntimeError(f"webhook answered {status}")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


@dataclass
class Run:
    workers: int
    events: int
    drain_seconds: float
    answered: int
    duplicated: int
    cpu_ms: dict[str, float]  # CPU milliseconds per event, by process kind
    paced_rate: float = 0.0
    paced_events: int = 0
    p50_ms: float = float("nan")
    p99_ms: float = float("nan")
    paced_answered: int = 0

    @property
    def rate(self) -> float:
        return self.events / self.drain_seconds if self.drain_seconds else 0.0


class PipelineBench:
    def __init__(self, stack: Stack):
        self.stack = stack
        self.client = stack.app().test_client()
        self.texts = faq_texts()

    def run(self, workers: int, events: int, paced_rate: float, paced_seconds: float) -> Run:
        self.stack.client().flushall()
        procs = [self.stack.worker(f"bench-w{workers}-{i}") for i in range(workers)]
        try:
            if not wait_until(lambda: self.stack.live_workers() == workers, 60):
                raise RuntimeError(f"{workers} workers did not start (see {self.stack.dir})")
            time.sleep(SETTLE_SECONDS)
            self._warm_up()
            run = self._drain(procs, events)
            if paced_rate > 0:
                self._paced(run, paced_rate, paced_seconds)
            return run
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGCONT)
                proc.terminate()
            for proc in procs:
                proc.wait(30)
            self.stack.procs = [p for p in self.stack.procs if p not in procs]

    def _warm_up(self) -> None:
        """One question per partition, answered: every worker has loaded its content."""
        partitions = self.stack.app_settings().inbound_partitions
        users: dict[int, str] = {}
        for _ in range(100 * partitions):
            user = new_user_id()
            users.setdefault(partition_of(user, partitions), user)
            if len(users) == partitions:
                break
        base = self.stack.fake.count()
        post_events(self.client, list(users.values()), self.texts)
        if not wait_until(lambda: self.stack.fake.count() - base >= len(users), 60):
            raise RuntimeError(f"warm-up questions were not answered (see {self.stack.dir})")

    def _drain(self, procs: Sequence, events: int) -> Run:
        """Stop the workers, queue `events`, let them go and time the last reply."""
        for proc in procs:
            proc.send_signal(signal.SIGSTOP)
        users = [new_user_id() for _ in range(events)]
        base = self.stack.fake.count()
        post_events(self.client, users, self.texts)
        pids = self._pids(procs)
        cpu_before = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
        started = time.time()
        for proc in procs:
            proc.send_signal(signal.SIGCONT)
        limit = 60 + events / 5
        wait_until(lambda: self.stack.fake.count() - base >= events, limit, step=0.1)
        cpu = {k: sum(cpu_seconds(p) for p in v) - cpu_before[k] for k, v in pids.items()}
        sent = self.stack.fake.sent(base)
        last = max((s.at_ms for s in sent), default=int(started * 1000)) / 1000
        answered, duplicated = _accounting(users, sent)
        return Run(
            workers=len(procs),
            events=events,
            drain_seconds=max(last - started, 1e-3),
            answered=answered,
            duplicated=duplicated,
            cpu_ms={k: 1000 * v / max(1, len(sent)) for k, v in cpu.items()},
        )

    def _pids(self, procs: Sequence) -> dict[str, list[int]]:
        return {
            "workers": [p.pid for p in procs],
            "fake Zalo": [self.stack.fake.proc.pid or 0],
            "Redis": [self.stack.redis.proc.pid if self.stack.redis.proc else 0],
        }

    def _paced(self, run: Run, rate: float, seconds: float) -> None:
        """Events at a steady `rate`; latency = fake's receive time − the moment the event was
        handed to the webhook (a handled event leaves the queue, so its accept time is gone)."""
        count = max(1, int(rate * seconds))
        users = [new_user_id() for _ in range(count)]
        base = self.stack.fake.count()
        start = time.monotonic()
        accepted: dict[str, int] = {}
        for i, user in enumerate(users):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            accepted[user] = int(time.time() * 1000)
            post_events(self.client, [user], [self.texts[i % len(self.texts)]])
        wait_until(lambda: self.stack.fake.count() - base >= count, 60 + count / 5, step=0.1)
        sent = self.stack.fake.sent(base)
        first: dict[str, int] = {}
        for s in sent:
            first.setdefault(s.user_id, s.at_ms)
        latencies = [first[u] - accepted[u] for u in users if u in first and u in accepted]
        run.paced_rate, run.paced_events, run.paced_answered = rate, count, len(latencies)
        run.p50_ms, run.p99_ms = percentile(latencies, 50), percentile(latencies, 99)


def _accounting(users: Sequence[str], sent: Sequence[Sent]) -> tuple[int, int]:
    """(residents answered, residents answered more than once)."""
    per_user = Counter(s.user_id for s in sent)
    return sum(1 for u in users if per_user[u]), sum(1 for u in users if per_user[u] > 1)


@dataclass
class Result:
    runs: list[Run]
    slow_zalo: list[Run] = field(default_factory=list)

    @property
    def one(self) -> Run:
        return self.runs[0]

    @property
    def scaling(self) -> float:
        return self.runs[-1].rate / self.one.rate if self.one.rate else 0.0

    def floors(self) -> list[tuple[str, str, bool]]:
        every = self.runs + self.slow_zalo
        lost = sum(r.events - r.answered + r.paced_events - r.paced_answered for r in every)
        dup = sum(r.duplicated for r in every)
        return [
            ("three workers ≥ 2.5× one", f"{self.scaling:.2f}×", self.scaling >= 2.5),
            ("every event answered once", f"{lost} lost, {dup} duplicated", lost == dup == 0),
        ]

    def markdown(self) -> str:
        head = (
            "| workers | queued events | drain s | events/s | vs 1 worker | answered | duplicated "
            "| paced load ev/s | p50 ms | p99 ms |"
        )
        lines = [head, "|" + "---|" * 10]
        for r in self.runs:
            lines.append(
                f"| {r.workers} | {r.events} | {r.drain_seconds:.2f} | {r.rate:.0f} "
                f"| {r.rate / self.one.rate:.2f}× | {r.answered} | {r.duplicated} "
                f"| {r.paced_rate:.0f} ({r.paced_answered}/{r.paced_events}) "
                f"| {r.p50_ms:.0f} | {r.p99_ms:.0f} |"
            )
        cores = os.cpu_count() or 1
        lines += [
            "",
            f"CPU per event while draining, in ms ({cores} cores give {cores}000 ms per second):",
            "",
        ]
        kinds = list(self.one.cpu_ms)
        lines += [
            "| workers | " + " | ".join(kinds) + " | total | ceiling ev/s |",
            "|" + "---|" * (len(kinds) + 3),
        ]
        for r in self.runs:
            total = sum(r.cpu_ms.values())
            cells = " | ".join(f"{r.cpu_ms[k]:.2f}" for k in kinds)
            ceiling = (os.cpu_count() or 1) * 1000 / total if total else 0
            lines.append(f"| {r.workers} | {cells} | {total:.2f} | {ceiling:.0f} |")
        busy = self.one.rate * sum(self.one.cpu_ms.values()) / 1000
        if busy > 0:
            lines += [
                "",
                f"One worker keeps {busy:.2f} cores busy: its own turn, then the fake Zalo and "
                "Redis while it waits for them, one after another. More workers can use at most "
                f"the {cores} cores there are, so on this machine three workers can do at most "
                f"{cores / busy:.2f}× one; they reached {self.scaling:.2f}×, "
                f"{self.scaling * busy / cores:.0%} of that ceiling.",
            ]
        if self.slow_zalo:
            first = self.slow_zalo[0].rate
            lines += [
                "",
                f"The same drain when every Zalo call takes {SLOW_ZALO_SECONDS * 1000:.0f} ms "
                "(no floor; workers then wait on the network rather than the CPU):",
                "",
                "| workers | queued events | drain s | events/s | vs 1 worker |",
                "|---|---|---|---|---|",
            ]
            lines += [
                f"| {r.workers} | {r.events} | {r.drain_seconds:.2f} | {r.rate:.0f} "
                f"| {r.rate / first:.2f}× |"
                for r in self.slow_zalo
            ]
        return "\n".join(lines)


def measure(
    events: int = 1500, paced_seconds: float = 8.0, counts: Sequence[int] = (1, 3)
) -> Result:
    """Drain `events` with each worker count, hold a steady load, then again with a slow Zalo."""
    with Stack() as stack:
        bench = PipelineBench(stack)
        bench.run(1, 100, 0, 0)  # warm-up: first imports, content index, Redis scripts
        runs = [bench.run(count, events, 0, 0) for count in counts]
        paced = max(5.0, round(runs[0].rate * 0.5))
        for run in runs:
            again = bench.run(run.workers, 0, paced, paced_seconds)
            run.paced_rate, run.paced_events = again.paced_rate, again.paced_events
            run.paced_answered, run.p50_ms, run.p99_ms = (
                again.paced_answered,
                again.p50_ms,
                again.p99_ms,
            )
        stack.fake.call("set", "latency", SLOW_ZALO_SECONDS)
        slow = [bench.run(count, SLOW_ZALO_EVENTS, 0, 0) for count in counts]
        return Result(runs, slow)


def describe(result: Result) -> str:
    return (
        f"{result.one.events} events from as many residents are queued through the webhook's "
        "code while the workers are stopped (SIGSTOP), then released: rate = events ÷ time to "
        "the last reply. Latency is measured separately under a steady load of half one "
        "worker's rate: the fake's receive time − the moment the event went to the webhook. "
        "Workers are "
        "`flask --app app worker` processes, warmed up (content loaded) before the clock "
        "starts; the fake Zalo answers with no latency from its own process; ZALO_SEND_RATE "
        "is raised so the shared throttle (Zalo's real limit) does not cap the figure."
    )


def run() -> str:
    result = measure()
    return describe(result) + "\n\n" + result.markdown()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1500)
    parser.add_argument("--paced-seconds", type=float, default=8.0)
    a = parser.parse_args(argv)
    return show(measure(a.events, a.paced_seconds))


if __name__ == "__main__":
    sys.exit(main())
