"""The soak's load: signed questions at a steady rate, retried like Zalo; and memory sampling."""

from __future__ import annotations

import heapq
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from bench.harness import percentile
from tests.fakezalo.events import OA_SECRET, new_user_id, sign_event, text_event

TEXTS = (
    "tiêm mũi 3 ở đâu",
    "sau tiêm bị sốt phải làm sao",
    "ai không được tiêm vắc xin covid",
    "tiêm vắc xin có mất tiền không",
    "đi tiêm cần mang giấy tờ gì",
    "phụ nữ mang thai tiêm được không",
)
ZALO_TIMEOUT = 2.0  # Zalo gives the webhook 2 s before it counts a delivery as failed
RETRY_TAIL_SECONDS = 30.0  # retries may go on this long after the last new event
MAX_ATTEMPTS = 10
SLOW_MS = 200.0


@dataclass(order=True)
class Delivery:
    due: float
    seq: int
    user: str = field(compare=False)
    raw: bytes = field(compare=False)
    headers: dict[str, str] = field(compare=False)
    attempts: int = field(default=0, compare=False)


class Load:
    """`rate` new residents per second for `seconds`, each asking one question."""

    def __init__(self, port: int, rate: float, seconds: float, threads: int = 6):
        self.url = f"http://127.0.0.1:{port}/webhook/zalo"
        self.rate, self.seconds, self.threads = rate, seconds, threads
        self._heap: list[Delivery] = []
        self._lock = threading.Lock()
        self._made = 0
        self._generated = threading.Event()
        self.accepted: dict[str, float] = {}
        self.gave_up: list[str] = []
        self.statuses: Counter[str] = Counter()
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.slow: list[tuple[float, str, float]] = []  # (seconds into the run, status, ms)
        self._pool: list[threading.Thread] = []

    def start(self) -> None:
        self.started, self.wall_started = time.monotonic(), time.time()
        self.deadline = self.started + self.seconds + RETRY_TAIL_SECONDS
        self._pool = [threading.Thread(target=self._generate, daemon=True)]
        self._pool += [
            threading.Thread(target=self._send, daemon=True) for _ in range(self.threads)
        ]
        for t in self._pool:
            t.start()

    def join(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        for t in self._pool:
            t.join(max(0.0, end - time.monotonic()))

    def _generate(self) -> None:
        total = int(self.rate * self.seconds)
        for i in range(total):
            due = self.started + i / self.rate
            user = new_user_id()
            raw, headers = sign_event(text_event(user, TEXTS[i % len(TEXTS)]), OA_SECRET)
            with self._lock:
                heapq.heappush(self._heap, Delivery(due, i, user, raw, headers))
                self._made += 1
            if due - time.monotonic() > 0.05:
                time.sleep(due - time.monotonic())
        self._generated.set()

    def _next(self) -> Delivery | None:
        """The next delivery that is due, waiting briefly; None when everything is done."""
        while time.monotonic() < self.deadline:
            with self._lock:
                if self._heap and self._heap[0].due <= time.monotonic():
                    return heapq.heappop(self._heap)
                finished = self._generated.is_set() and not self._heap
            if finished:
                return None
            time.sleep(0.005)
        return None

    def _send(self) -> None:
        with requests.Session() as http:
            while (d := self._next()) is not None:
                self._post(http, d)

    def _post(self, http: requests.Session, d: Delivery) -> None:
        d.attempts += 1
        started = time.perf_counter()
        try:
            status = str(
                http.post(self.url, data=d.raw, headers=d.headers, timeout=ZALO_TIMEOUT).status_code
            )
        except requests.RequestException as exc:
            status = type(exc).__name__
        took = (time.perf_counter() - started) * 1000
        with self._lock:
            self.statuses[status] += 1
            self.ms[status].append(took)
            if status != "200" or took > SLOW_MS:
                self.slow.append((time.monotonic() - self.started, status, took))
            if status == "200":
                self.accepted.setdefault(d.user, time.time())
            elif d.attempts < MAX_ATTEMPTS:
                d.due = time.monotonic() + min(5.0, 2.0 ** (d.attempts - 1))  # Zalo retries
                heapq.heappush(self._heap, d)
            else:
                self.gave_up.append(d.user)

    def summary(self) -> list[tuple[str, str]]:
        ok = self.ms.get("200", [])
        rows = [
            ("events generated", f"{self._made} over {self.seconds:.0f} s ({self.rate:g}/s)"),
            ("acknowledged (200)", str(len(self.accepted))),
            ("given up after retries", str(len(self.gave_up))),
            ("responses by status", _statuses(self.statuses)),
            ("200 latency p50 / p99 ms", f"{percentile(ok, 50):.1f} / {percentile(ok, 99):.1f}"),
        ]  # fmt: skip
        for status, ms in sorted(self.ms.items()):
            if status != "200":
                figure = f"{percentile(ms, 50):.1f} / {max(ms):.1f}"
                rows.append((f"{status} latency p50 / max ms", figure))
        rows.append(("non-200 or slower than 200 ms, by second of the run", _by_second(self.slow)))
        return rows


def _statuses(counts: Counter[str]) -> str:
    return ", ".join(f"{k}: {n}" for k, n in sorted(counts.items()))


def _by_second(slow: list[tuple[float, str, float]]) -> str:
    """Compact "+41 s: 503×12 (max 6 ms)" spans, so a reader sees which fault caused what."""
    spans: dict[int, Counter[str]] = defaultdict(Counter)
    worst: dict[int, float] = defaultdict(float)
    for at, status, ms in slow:
        spans[int(at)][status] += 1
        worst[int(at)] = max(worst[int(at)], ms)
    parts = []
    for sec, c in sorted(spans.items()):
        kinds = ", ".join(f"{k}×{n}" for k, n in sorted(c.items()))
        parts.append(f"+{sec} s: {kinds} (max {worst[sec]:.0f} ms)")
    return "; ".join(parts) or "none"


class Sampler:
    """Calls `read()` (name → KiB) every few seconds in a thread; reports each series' growth."""

    def __init__(self, read: Callable[[], dict[str, int]], every: float = 5.0):
        self.read, self.every = read, every
        self.series: dict[str, list[int]] = defaultdict(list)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                for name, kib in self.read().items():
                    if kib:
                        self.series[name].append(kib)
            except OSError:
                continue  # a process went away between listing and reading

    def growth(self) -> dict[str, int]:
        """Late median − early median (after two warm-up samples), for series long enough."""
        out = {}
        for name, values in self.series.items():
            if len(values) >= 8:
                out[name] = int(statistics.median(values[-3:]) - statistics.median(values[2:5]))
        return out
