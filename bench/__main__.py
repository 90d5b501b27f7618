"""`python -m bench` (`make bench`): every benchmark, one bounded run, written to BENCHMARKS.md."""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bench.harness import ROOT, git_revision, machine, percentile
from bench.soak_load import Load

Floor = tuple[str, str, bool]  # (what, measured, met)
OUT = ROOT / "BENCHMARKS.md"
SOAK_HEADING = "\n## Soak run "
STEADY_RATE, STEADY_SECONDS = 200, 6


@dataclass
class Part:
    key: str
    title: str
    body: str = ""
    floors: list[Floor] = field(default_factory=list)
    seconds: float = 0.0
    failed: bool = False


def webhook() -> tuple[str, list[Floor]]:
    from bench import webhook as wh

    seconds, connections, repeat = 6, 16, 3
    bench = wh.Bench(50000, connections, seconds)
    try:
        bare, ours = wh.rounds(
            bench, [("bare parse-and-ack", wh.BARE, ()), (wh.LABEL_OURS, wh.OURS, ())], repeat
        )
        steady = steady_latency(wh, bench)
    finally:
        bench.close()
    ratio = ours.acks_per_second / bare.acks_per_second if bare.acks_per_second else 0.0
    p50, p99 = percentile(steady.ms["200"], 50), percentile(steady.ms["200"], 99)
    text = (
        f"wrk, {connections} connections, unique signed events, {seconds} s per run, median of "
        f"{repeat} interleaved runs; both apps under `gunicorn -c deploy/gunicorn.conf.py`; "
        "ours queues every event in a real Redis (checked after each run).\n\n"
        + wh.table([bare, ours], baseline=bare)
        + f"\n\nBelow saturation: {len(steady.accepted)} events at a steady {STEADY_RATE}/s "
        f"(open loop, {steady.threads} client threads): p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
        f"responses {dict(steady.statuses)}."
    )
    return text, [
        ("webhook acks ≥ 0.5× bare Flask", f"{ratio:.2f}×", ratio >= 0.5),
        (f"webhook p99 < 20 ms, saturated ({connections} connections)", f"{ours.p99_ms:.1f} ms",
         ours.p99_ms < 20),
        (f"webhook p99 < 20 ms at a steady {STEADY_RATE}/s", f"{p99:.1f} ms", p99 < 20),
    ]  # fmt: skip


def steady_latency(wh: Any, bench: Any) -> Load:
    """Ours at a fixed arrival rate well below capacity, as Zalo delivers a wave of replies."""
    with wh.gunicorn(wh.OURS, bench.env, (), bench.log) as port:
        warm = Load(port, 50, 2)
        warm.start()
        warm.join(30)
        load = Load(port, STEADY_RATE, STEADY_SECONDS, threads=8)
        load.start()
        load.join(STEADY_SECONDS + 60)
    return load


def pipeline() -> tuple[str, list[Floor]]:
    from bench import pipeline as pl

    result = pl.measure()
    return pl.describe(result) + "\n\n" + result.markdown(), result.floors()


def matching() -> tuple[str, list[Floor]]:
    from bench import matching as m

    result = m.measure()
    return m.DESCRIPTION + "\n\n" + result.markdown(), result.floors()


def broadcast() -> tuple[str, list[Floor]]:
    from bench import broadcast as b

    return b.run(), []


def memory() -> tuple[str, list[Floor]]:
    from bench import memory as mem

    result = mem.measure()
    return mem.describe(result) + "\n\n" + result.markdown(), result.floors()


PARTS: dict[str, tuple[str, Callable[[], tuple[str, list[Floor]]]]] = {
    "a": ("Webhook acknowledgements against a bare Flask app", webhook),
    "b": ("End-to-end processing: one worker against three", pipeline),
    "c": ("Matching latency against difflib, by FAQ size", matching),
    "d": ("The 100,000-subscriber broadcast", broadcast),
    "e": ("Memory: web and worker processes, Redis per item", memory),
}


def run_part(key: str) -> Part:
    title, fn = PARTS[key]
    part = Part(key, title)
    started = time.monotonic()
    print(f"bench ({key}) {title} …", file=sys.stderr, flush=True)
    try:
        part.body, part.floors = fn()
    except Exception:
        part.failed = True
        part.body = "This part did not complete:\n\n```\n" + traceback.format_exc(limit=6) + "```"
    part.seconds = time.monotonic() - started
    print(f"bench ({key}) done in {part.seconds:.0f} s", file=sys.stderr, flush=True)
    return part


def render(parts: Sequence[Part], command: str, started: datetime, seconds: float) -> str:
    floors = [(p.key, *f) for p in parts for f in p.floors]
    lines = [
        "# Benchmarks",
        "",
        f"- Command: `{command}` (whole run {seconds / 60:.1f} min)",
        f"- Date: {started.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {machine()}; load average at the start {os.getloadavg()[0]:.1f}",
        f"- Code: {git_revision()}",
        "- Every figure is set beside a baseline measured in the same run. All traffic stays on "
        "127.0.0.1: a throwaway redis-server, the fake Zalo, the bot's own processes.",
        "",
        "## Floors",
        "",
        "| part | floor | measured | result |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {k} | {what} | {value} | {'PASS' if ok else 'BELOW'} |" for k, what, value, ok in floors
    ]
    lines += [f"| {p.key} | (part did not complete) | - | FAILED |" for p in parts if p.failed]
    for p in parts:
        lines += ["", f"## ({p.key}) {p.title}", "", f"_{p.seconds:.0f} s._ {p.body}"]
    return "\n".join(lines) + "\n"


def kept_soak_runs() -> str:
    """Soak results appended by `make soak` survive a new `make bench`."""
    if not OUT.exists():
        return ""
    text = OUT.read_text("utf-8")
    at = text.find(SOAK_HEADING)
    return text[at:] if at >= 0 else ""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="abcde", help="which parts, e.g. 'bc'")
    parser.add_argument("--no-write", action="store_true", help="print, leave BENCHMARKS.md")
    args = parser.parse_args(argv)
    wanted = [k for k in args.only if k in PARTS]
    command = "make bench" if not argv else "python -m bench " + " ".join(argv)
    started_at, started = datetime.now().astimezone(), time.monotonic()
    parts = [run_part(k) for k in wanted]
    text = render(parts, command, started_at, time.monotonic() - started)
    if args.no_write:
        print(text)
    else:
        OUT.write_text(text + kept_soak_runs(), "utf-8")
        print(f"wrote {OUT}", file=sys.stderr)
    return 1 if any(p.failed for p in parts) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or None))
