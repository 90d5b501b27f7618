"""`python -m bench.matching`: our matcher against difflib, real FAQ and 10×, 20×, 100× larger."""

from __future__ import annotations

import argparse
import difflib
import gc
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import yaml

from bench.harness import ROOT, percentile, show
from bot.content.loader import load
from bot.language.matcher import MatchIndex
from bot.language.normalise import normalise

DEV_QUERIES = ROOT.parent / "shared" / "eval" / "dev-queries.yaml"
DEV_LONG = ROOT.parent / "shared" / "eval" / "dev-long.yaml"
LONG_CHARS = 1000
SEED = 20211
Entries = list[tuple[str, tuple[str, ...]]]


def real_entries() -> Entries:
    content = load(ROOT / "faq.yaml", ROOT / "hotlines.yaml")
    return [(e.id, tuple(e.phrasings)) for e in content.entries.values()]


def perturb(text: str, rng: random.Random, words: Sequence[str]) -> str:
    """A plausible other wording: drop, swap, repeat or replace a word, or slip a letter."""
    toks = text.split()
    if len(toks) < 2:
        return text + " " + rng.choice(words)
    i = rng.randrange(len(toks) - 1)
    kind = rng.randrange(5)
    if kind == 0:
        del toks[i]
    elif kind == 1:
        toks[i], toks[i + 1] = toks[i + 1], toks[i]
    elif kind == 2:
        toks.insert(i, toks[i])
    elif kind == 3:
        toks[i] = rng.choice(words)
    else:
        w = toks[i]
        j = rng.randrange(len(w))
        toks[i] = w[:j] + rng.choice("aeioudhnt") + w[j + 1 :]
    return " ".join(toks)


def synthetic(entries: Entries, times: int, seed: int = SEED) -> Entries:
    """The real FAQ plus `times - 1` perturbed copies of every entry (distinct ids)."""
    rng = random.Random(seed)
    words = sorted({w for _, ph in entries for p in ph for w in p.split()})
    out = list(entries)
    for k in range(1, times):
        for faq_id, phrasings in entries:
            out.append((f"{faq_id}--s{k}", tuple(perturb(p, rng, words) for p in phrasings)))
    return out


@dataclass(frozen=True)
class Query:
    text: str
    expect: frozenset[str]  # FAQ ids that count as right (empty: not an FAQ question)


def queries(entries: Entries) -> list[Query]:
    """The dev set's messages, then every real variant, in a fixed shuffled order."""
    try:
        items = yaml.safe_load(DEV_QUERIES.read_text("utf-8")) or []
    except OSError:
        items = []
    out = []
    for item in items:
        wanted = [item.get("expect", ""), *(item.get("also") or [])]
        ids = {w.split(":", 1)[1] for w in wanted if str(w).startswith("faq:")}
        out.append(Query(item["text"], frozenset(ids)))
    variants = [Query(p, frozenset({i})) for i, ph in entries for p in ph[1:]]
    random.Random(SEED).shuffle(variants)
    return out + variants


def base_id(faq_id: str) -> str:
    return faq_id.split("--s", 1)[0]


@dataclass
class Timing:
    ms: list[float] = field(default_factory=list)
    right: int = 0
    asked: int = 0  # FAQ questions among the measured ones

    def p(self, q: float) -> float:
        return percentile(self.ms, q)


def timed(top1: Callable[[str], str | None], qs: Sequence[Query], budget: float) -> Timing:
    """Per-message latency until every query ran or the time budget is spent (at least 5)."""
    t = Timing()
    deadline = time.perf_counter() + budget
    for i, q in enumerate(qs):
        if i >= 5 and time.perf_counter() > deadline:
            break
        start = time.perf_counter_ns()
        best = top1(q.text)
        t.ms.append((time.perf_counter_ns() - start) / 1e6)
        if q.expect:
            t.asked += 1
            t.right += best is not None and base_id(best) in q.expect
    return t


class Difflib:
    """The baseline: difflib's closest phrasings, over the same normalised (folded) phrasings."""

    def __init__(self, entries: Entries):
        self.owner: dict[str, str] = {}
        for faq_id, phrasings in entries:
            for p in phrasings:
                self.owner.setdefault(normalise(p).folded, faq_id)
        self.choices = list(self.owner)

    def top1(self, text: str) -> str | None:
        best = difflib.get_close_matches(normalise(text).folded, self.choices, n=5, cutoff=0.0)
        return self.owner[best[0]] if best else None


@dataclass
class Size:
    times: int
    entries: int
    phrasings: int
    build_s: float
    ours: Timing
    base: Timing

    @property
    def speedup(self) -> float:
        """difflib p50 ÷ ours p50 over the same messages (difflib ran the fewest)."""
        n = len(self.base.ms)
        ours = percentile(self.ours.ms[:n], 50)
        return percentile(self.base.ms, 50) / ours if ours else 0.0


def measure_size(entries: Entries, times: int, qs: Sequence[Query], budget: float) -> Size:
    data = synthetic(entries, times)
    start = time.perf_counter()
    index = MatchIndex(data)
    build = time.perf_counter() - start

    def ours(text: str) -> str | None:
        found = index.match(normalise(text), limit=5)
        return found[0].faq_id if found else None

    ours_t = timed(ours, qs, budget)
    base_t = timed(Difflib(data).top1, qs, budget)
    phrasings = sum(len(p) for _, p in data)
    return Size(times, len(data), phrasings, build, ours_t, base_t)


def long_messages(n: int, seed: int = SEED) -> list[str]:
    """`n` distinct messages of about 1,000 characters: residents' long messages (dev-long)
    run together, as one resident might write a whole story with several questions."""
    try:
        items = yaml.safe_load(DEV_LONG.read_text("utf-8")) or []
    except OSError:
        items = []
    texts = [str(i["text"]) for i in items] or ["Chào ad ạ. Mẹ em 68 tuổi bị tiểu đường. " * 3]
    rng = random.Random(seed)
    out = []
    for k in range(n):
        parts = [f"Tin nhắn số {k}."]
        while sum(len(p) + 1 for p in parts) < LONG_CHARS:
            parts.append(rng.choice(texts))
        out.append(" ".join(parts)[:LONG_CHARS])
    return out


@dataclass
class Decisions:
    """The whole decision for one message (analysis, signs, ranking, every intent's bid)."""

    long: Timing
    short: Timing

    @property
    def ratio(self) -> float:
        short = self.short.p(50)
        return self.long.p(50) / short if short else 0.0


def measure_decisions(budget: float, n: int = 400) -> Decisions:
    from datetime import UTC, datetime

    from bot.dialogue.turn import Thresholds
    from bot.model import Session
    from intents import respond

    content = load(ROOT / "faq.yaml", ROOT / "hotlines.yaml")
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

    def decide(text: str) -> str | None:
        d = respond(text, session=Session(), content=content, now=now, thresholds=Thresholds())
        return d.faq_id

    short = [Query(q.text, frozenset()) for q in queries(real_entries())[:n]]
    long = [Query(t, frozenset()) for t in long_messages(n)]
    decide(long[0].text + " khởi động")  # load rules and lexicon outside the timings
    gc.collect()
    gc.freeze()  # as a worker does once its content is loaded (bot/cli/worker.py)
    try:
        return Decisions(long=timed(decide, long, budget), short=timed(decide, short, budget))
    finally:
        gc.unfreeze()


@dataclass
class Result:
    sizes: list[Size]
    decisions: Decisions | None = None

    def floors(self) -> list[tuple[str, str, bool]]:
        real = self.sizes[0]
        rows = [("matching ≥ 20× faster than difflib (real FAQ, p50)", f"{real.speedup:.1f}×",
                 real.speedup >= 20)]  # fmt: skip
        if self.decisions is not None:
            p99 = self.decisions.long.p(99)
            rows.append(("decision p99 ≤ 20 ms for a 1,000-character message",
                         f"{p99:.1f} ms", p99 <= 20.0))  # fmt: skip
        return rows

    def markdown(self) -> str:
        head = (
            "| FAQ | entries | phrasings | index build s | messages ours / difflib "
            "| ours p50 ms | ours p99 ms | difflib p50 ms | difflib p99 ms | speed-up (p50) "
            "| top-1 right ours / difflib |"
        )
        lines = [head, "|" + "---|" * 11]
        for s in self.sizes:
            lines.append(
                f"| {s.times}× | {s.entries} | {s.phrasings} | {s.build_s:.1f} "
                f"| {len(s.ours.ms)} / {len(s.base.ms)} | {s.ours.p(50):.2f} | {s.ours.p(99):.2f} "
                f"| {s.base.p(50):.1f} | {s.base.p(99):.1f} | {s.speedup:.1f}× "
                f"| {_share(s.ours)} / {_share(s.base)} |"
            )
        if self.decisions is not None:
            d = self.decisions
            lines += [
                "",
                "| whole decision per message | messages | p50 ms | p99 ms | p50 ÷ short |",
                "|---|---|---|---|---|",
                f"| short (dev set and variants) | {len(d.short.ms)} | {d.short.p(50):.2f} "
                f"| {d.short.p(99):.2f} | 1.0× |",
                f"| {LONG_CHARS:,} characters (long messages run together) | {len(d.long.ms)} "
                f"| {d.long.p(50):.2f} | {d.long.p(99):.2f} | {d.ratio:.1f}× |",
            ]
        return "\n".join(lines)


def _share(t: Timing) -> str:
    return f"{t.right}/{t.asked}" if t.asked else "-"


def measure(sizes: Sequence[int] = (1, 10, 20, 100), budget: float = 6.0) -> Result:
    entries = real_entries()
    qs = queries(entries)
    normalise("khởi động")  # load the lexicon outside the timings
    decisions = measure_decisions(budget)  # first: the larger FAQs below leave a larger heap
    sized = [measure_size(entries, n, qs, budget) for n in sizes]
    return Result(sized, decisions)


DESCRIPTION = (
    "Per message: normalise, then the best five entries. Ours: `MatchIndex.match` (rapidfuzz "
    "over every phrasing, word overlap, domain gate). Baseline: `difflib.get_close_matches(n=5, "
    "cutoff=0)` over the same normalised phrasings. Messages: the dev set, then the real "
    "variants, in a fixed order, each size and method within a time budget; the speed-up "
    "compares the same messages. The larger FAQs are the real one plus perturbed copies of "
    "every entry (a word dropped, swapped, repeated or replaced, or a letter slipped). Top-1 "
    "right: FAQ questions (dev set and variants) whose entry, or a copy of it, came first. "
    "Whole decision: `intents.respond` on the real FAQ (message analysis, red-flag signs, "
    "ranking of the question with its context, every intent's bid), for short messages and for "
    "distinct 1,000-character messages made of residents' long messages run together."
)


def run() -> str:
    return DESCRIPTION + "\n\n" + measure().markdown()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=float, default=6.0, help="seconds per size and method")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 20, 100])
    a = parser.parse_args(argv)
    return show(measure(a.sizes, a.budget))


if __name__ == "__main__":
    sys.exit(main())
