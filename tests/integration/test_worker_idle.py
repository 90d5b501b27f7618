"""An idle worker waits for events on every partition at once, and never reads ahead of a retry."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask.testing import FlaskClient

from bot.services.runtime import Runtime
from bot.services.worker import Worker
from bot.store.inbound import Entry, partition_of
from tests.fakezalo.events import new_user_id, text_event
from tests.fakezalo.server import FakeZalo
from tests.integration.conftest import post_event, wait_until


def users_in_two_partitions(partitions: int) -> tuple[str, str]:
    first = new_user_id()
    while True:
        other = new_user_id()
        if partition_of(other, partitions) != partition_of(first, partitions):
            return first, other


def test_an_idle_worker_answers_what_arrives_in_order(
    client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo
) -> None:
    calls: list[int] = []
    wait_new = rt.inbound.wait_new

    def counted(*args: Any, **kwargs: Any) -> dict[int, list[Entry]]:
        found = wait_new(*args, **kwargs)
        calls.append(sum(len(v) for v in found.values()))
        return found

    rt.inbound.wait_new = counted  # type: ignore[method-assign]
    worker = Worker(rt, name="idle-worker", broadcasts=False)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        parts = rt.settings.inbound_partitions
        assert wait_until(lambda: len(worker.owned) == parts)
        time.sleep(0.2)  # the worker has found nothing and waits
        one, two = users_in_two_partitions(parts)
        for user, text in ((one, "xin chào"), (one, "cảm ơn"), (two, "tiêm mũi 3 ở đâu")):
            assert post_event(client, text_event(user, text)).status_code == 200
        assert wait_until(lambda: len(fake_zalo.texts_to(one)) == 2 and fake_zalo.texts_to(two))
    finally:
        worker.stopping.set()
        thread.join(10)
    assert not thread.is_alive()
    hello, thanks = fake_zalo.texts_to(one)
    assert "không có gì" in thanks.lower() and "không có gì" not in hello.lower()
    assert len(fake_zalo.texts_to(two)) == 1
    if rt.inbound.cluster:  # one read cannot span hash tags there: the worker polls
        assert calls == []
    else:
        assert sum(calls) >= 1  # events were taken by the blocking read, not a later poll


def test_the_idle_wait_skips_partitions_with_an_entry_to_retry(rt: Runtime) -> None:
    inbound, parts = rt.inbound, rt.settings.inbound_partitions
    inbound.ensure_groups()
    free_user, retry_user = users_in_two_partitions(parts)
    free, retrying = partition_of(free_user, parts), partition_of(retry_user, parts)
    now = int(time.time() * 1000)
    inbound.accept("old", retry_user, "user_send_text", "{}", now, seen_ms=now)
    assert [e.event_id for e in inbound.read(retrying, "w", pending=False)] == ["old"]
    inbound.accept("newer", retry_user, "user_send_text", "{}", now, seen_ms=now)
    inbound.accept("other", free_user, "user_send_text", "{}", now, seen_ms=now)

    worker = Worker(rt, name="w", broadcasts=False)
    ran: list[tuple[int, list[str]]] = []
    worker._run = lambda p, entries: ran.append((p, [e.event_id for e in entries]))  # type: ignore[method-assign]
    worker.owned = {free: False, retrying: True}  # "old" failed and waits to be tried again
    worker._renewed = time.time()
    worker._idle()
    assert ran == ([] if inbound.cluster else [(free, ["other"])])
    # "newer" was not read ahead of "old": only "old" is delivered and pending.
    assert [e.event_id for e in inbound.read(retrying, "w", pending=True)] == ["old"]

    ran.clear()
    worker.owned = {free: False}
    worker.retry_at[free] = time.monotonic() + 60  # backing off: not waited on either
    inbound.accept("later", free_user, "user_send_text", "{}", now, seen_ms=now)
    worker._idle()
    assert ran == []
