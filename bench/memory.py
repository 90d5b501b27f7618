"""`python -m bench.memory`: RSS of web and worker processes after load; Redis bytes per item."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import redis
import requests

from bench.harness import Stack, children, rss_kib, show, stop_process, wait_until
from bot.model import Session
from bot.store.keys import Keys
from bot.store.residents import Residents
from bot.store.subscriptions import Subscriptions, member
from tests.fakezalo.events import OA_SECRET, new_user_id, sign_event, text_event

BARE = "bench.webhook:bare_app()"
TEXTS = ("tiêm mũi 3 ở đâu", "sau tiêm bị sốt phải làm sao", "ai không được tiêm vắc xin", "chào")
DISTRICTS = ("tp-nam-dinh", "my-loc", "vu-ban", "y-yen", "nghia-hung", "nam-truc", "hai-hau")


def post_load(port: int, events: int, threads: int = 4) -> int:
    """`events` signed questions over keep-alive connections; how many got a 200."""
    ok = [0] * threads

    def one(k: int) -> None:
        with requests.Session() as http:
            for i in range(k, events, threads):
                raw, headers = sign_event(text_event(new_user_id(), TEXTS[i % 4]), OA_SECRET)
                url = f"http://127.0.0.1:{port}/webhook/zalo"
                ok[k] += http.post(url, data=raw, headers=headers, timeout=10).status_code == 200

    pool = [threading.Thread(target=one, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(300)
    return sum(ok)


def web_rss(master: int) -> list[int]:
    return [rss_kib(pid) for pid in children(master)]


@dataclass
class Processes:
    web_before: list[int]
    web_after: list[int]
    bare_after: list[int]
    worker_before: int
    worker_after: int
    events: int


def measure_processes(stack: Stack, events: int) -> Processes:
    bare, bare_port = stack.web(BARE)
    post_load(bare_port, events)
    bare_after = web_rss(bare.pid)
    stop_process(bare)
    web, port = stack.web()
    worker = stack.worker("bench-memory")
    post_load(port, 8)  # every web worker and the worker have served something
    base = stack.fake.count()
    wait_until(lambda: stack.fake.count() - base >= 8, 60)
    web_before, worker_before = web_rss(web.pid), rss_kib(worker.pid)
    accepted = post_load(port, events)
    wait_until(lambda: stack.fake.count() - base >= 8 + accepted, 60 + events / 20, step=0.2)
    result = Processes(
        web_before, web_rss(web.pid), bare_after, worker_before, rss_kib(worker.pid), accepted
    )
    stop_process(worker)
    stop_process(web)
    return result


def used_memory(r: redis.Redis) -> int:
    return int(r.info("memory")["used_memory"])


@dataclass
class PerItem:
    name: str
    count: int
    bytes_each: float
    payload_each: float  # key and value bytes as written: the floor any store pays


def per_session(r: redis.Redis, keys: Keys, count: int) -> PerItem:
    """A session as left after an FAQ turn that offered suggestions, district remembered."""
    residents = Residents(r, keys)
    session = Session(
        pending=("mui-nhac-lai", "khoang-cach-mui", "tiem-tron-mui"),
        pending_kind="suggestions",
        last_intent="faq",
        last_faq="mui-nhac-lai",
        district="hai-hau",
    )
    data = session.as_dict()
    data.pop("district")
    payload = len(json.dumps(data)) + len("hai-hau")
    users = [new_user_id() for _ in range(count)]
    before = used_memory(r)
    for user in users:
        residents.save_session(user, session)
    after = used_memory(r)
    key_bytes = sum(len(keys.session(u)) + len(keys.district(u)) for u in users) / count
    return PerItem("session", count, (after - before) / count, payload + key_bytes)


def per_subscriber(r: redis.Redis, keys: Keys, count: int) -> PerItem:
    """One topic and one district each: the resident's set plus the topic index entry."""
    subs = Subscriptions(r, keys)
    rows = [(new_user_id(), "lich-tiem", DISTRICTS[i % len(DISTRICTS)]) for i in range(count)]
    before = used_memory(r)
    subs.subscribe_many(rows)
    after = used_memory(r)
    payload = sum(
        len(keys.subscriptions(u)) + len(member(t, d)) + len(u) for u, t, d in rows
    )  # the index key itself is shared by thousands
    return PerItem("subscriber", count, (after - before) / count, payload / count)


@dataclass
class Result:
    procs: Processes
    items: list[PerItem]

    def floors(self) -> list[tuple[str, str, bool]]:
        return []

    def markdown(self) -> str:
        p = self.procs
        mib = 1024.0
        web_b, web_a, bare = max(p.web_before), max(p.web_after), max(p.bare_after)
        lines = [
            "| process | RSS after warm-up MiB | RSS after load MiB | baseline MiB | ratio |",
            "|---|---|---|---|---|",
            f"| web worker (largest of {len(p.web_after)}) | {web_b / mib:.1f} | {web_a / mib:.1f} "
            f"| bare Flask worker {bare / mib:.1f} | {web_a / bare:.2f}× |",
            f"| worker process | {p.worker_before / mib:.1f} | {p.worker_after / mib:.1f} "
            f"| itself after warm-up {p.worker_before / mib:.1f} "
            f"| {p.worker_after / p.worker_before:.2f}× |",
            "",
            "| Redis | items written | bytes each (INFO used_memory delta) | key + value bytes "
            "| overhead |",
            "|---|---|---|---|---|",
        ]
        for it in self.items:
            lines.append(
                f"| per {it.name} | {it.count} | {it.bytes_each:.0f} | {it.payload_each:.0f} "
                f"| {it.bytes_each / it.payload_each:.2f}× |"
            )
        return "\n".join(lines)


def measure(events: int = 2000, items: int = 20000) -> Result:
    with Stack() as stack:
        procs = measure_processes(stack, events)
        r = redis.Redis.from_url(stack.redis.url, decode_responses=True)
        r.flushall()
        keys = Keys("mem:")
        found = [per_session(r, keys, items), per_subscriber(r, keys, items)]
        return Result(procs, found)


def describe(result: Result) -> str:
    return (
        f"RSS from /proc after {result.procs.events} signed questions through gunicorn (shipped "
        "settings) and the worker process that answered them; the web baseline is the bare "
        "parse-and-ack Flask app's gunicorn worker after the same load. Redis: INFO "
        "used_memory before and after writing the items with the bot's own store code."
    )


def run() -> str:
    result = measure()
    return describe(result) + "\n\n" + result.markdown()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--items", type=int, default=20000)
    a = parser.parse_args(argv)
    return show(measure(a.events, a.items))


if __name__ == "__main__":
    sys.exit(main())
