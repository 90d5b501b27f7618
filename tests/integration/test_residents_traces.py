"""After the reply, and after a deletion request, no resident's number or id is left in Redis."""

from __future__ import annotations

from typing import Any

import redis
from flask.testing import FlaskClient

from bot.services.runtime import Runtime
from tests.fakezalo.events import APP_ID, follow_event, new_user_id, now_ms, text_event
from tests.fakezalo.server import FakeZalo
from tests.integration.conftest import post_event, run_worker

PHONE, CCCD = "0912345678", "036090001234"


def everything(rdb: redis.Redis) -> str:
    """Every key and value in Redis as one text (streams, hashes, sets, lists, strings)."""
    out: list[str] = []
    for key in rdb.scan_iter("*"):
        kind = rdb.type(key)
        value: Any
        if kind == "string":
            value = rdb.get(key)
        elif kind == "hash":
            value = rdb.hgetall(key)
        elif kind == "set":
            value = rdb.smembers(key)
        elif kind == "zset":
            value = rdb.zrange(key, 0, -1, withscores=True)
        elif kind == "list":
            value = rdb.lrange(key, 0, -1)
        elif kind == "stream":
            value = rdb.xrange(key)
        else:
            value = ""
        out.append(f"{key} {value}")
    return "\n".join(out)


def test_no_phone_or_id_number_is_left_in_redis_after_the_reply(
    client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo, rdb: redis.Redis
) -> None:
    user = new_user_id()
    text = f"số điện thoại của tôi là {PHONE}, CCCD {CCCD}, tôi muốn đăng ký tiêm"
    assert post_event(client, text_event(user, text)).status_code == 200
    assert PHONE in everything(rdb)  # queued: the webhook stored it until a worker handles it
    run_worker(rt)
    assert len(fake_zalo.texts_to(user)) == 1
    dump = everything(rdb)
    assert PHONE not in dump and CCCD not in dump


def test_a_deletion_request_leaves_nothing_naming_the_resident(
    client: FlaskClient, rt: Runtime, fake_zalo: FakeZalo, rdb: redis.Redis
) -> None:
    user = new_user_id()
    post_event(client, follow_event(user))
    post_event(client, text_event(user, "đăng ký nhận lịch tiêm ở Hải Hậu"))
    run_worker(rt)
    assert user in everything(rdb)
    request = {"app_id": APP_ID, "event_name": "user_request_delete_data",
               "sender": {"id": user}, "timestamp": now_ms()}  # fmt: skip
    assert post_event(client, request).status_code == 200
    run_worker(rt)
    assert user not in everything(rdb)
