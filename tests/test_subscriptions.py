"""Subscriptions: the topics file, the store, the dialogue's effects, and forgetting a resident."""

from __future__ import annotations

import time

import pytest
import redis

from bot.config import settings_from
from bot.content.subscription_topics import fold, load_topics, parse_topics
from bot.dialogue import wording_broadcasts as wording
from bot.errors import ContentError
from bot.model import Effect, Reply
from bot.services import broadcasts as svc
from bot.services.runtime import Runtime
from bot.services.subscriptions import (
    apply_effect,
    forget_resident,
    subscriber_counts,
    subscription_offer,
    subscriptions_of,
)
from bot.store.broadcast_recipients import Recipients
from bot.store.notices import Notices
from bot.store.subscriptions import PER_RESIDENT_CAP, Subscriptions, covers
from tests.conftest import ROOT

DISTRICTS = {"tp-nam-dinh", "my-loc", "vu-ban", "y-yen", "nghia-hung", "nam-truc", "truc-ninh",
             "xuan-truong", "giao-thuy", "hai-hau"}  # fmt: skip


@pytest.fixture
def rt(redis_url: str) -> Runtime:
    env = {
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": "sub:",
        "SUBSCRIPTIONS_PATH": str(ROOT / "subscriptions.yaml"),
        "BROADCAST_QUIET_HOURS": "",
    }
    return Runtime(settings_from(env))


def effect(kind: str, **args: str) -> Effect:
    return Effect(kind, args)


# --- the topics file --------------------------------------------------------------------------


def test_shipped_topics_file_has_both_topics_and_the_ten_districts() -> None:
    topics = load_topics(ROOT / "subscriptions.yaml")
    assert [t.id for t in topics.topics] == ["lich-tiem", "tin-tuc"]
    assert {d.slug for d in topics.districts} == DISTRICTS
    lich, tin = topics.topics
    assert lich.by_district and not tin.by_district
    assert "#huy" in lich.opt_out_line and "lich-tiem" in lich.opt_out_line


@pytest.mark.parametrize(
    ("text", "topic"),
    [("lịch tiêm", "lich-tiem"), ("LICH TIEM", "lich-tiem"), ("lich_tiem", "lich-tiem"),
     ("tin tức", "tin-tuc"), ("khuyen cao", "tin-tuc"), ("tin-tuc", "tin-tuc")],
)  # fmt: skip
def test_topics_resolve_by_id_or_alias_with_or_without_diacritics(text: str, topic: str) -> None:
    found = load_topics(ROOT / "subscriptions.yaml").topic(text)
    assert found is not None and found.id == topic


@pytest.mark.parametrize(
    ("text", "slug"),
    [("Hải Hậu", "hai-hau"), ("hai hau", "hai-hau"), ("giao thuỷ", "giao-thuy"),
     ("Giao Thủy", "giao-thuy"), ("TP Nam Định", "tp-nam-dinh"), ("y-yen", "y-yen")],
)  # fmt: skip
def test_districts_resolve(text: str, slug: str) -> None:
    found = load_topics(ROOT / "subscriptions.yaml").district(text)
    assert found is not None and found.slug == slug


def test_fold_removes_diacritics_and_d_stroke() -> None:
    assert fold("  Đăng  Ký-Nhận ") == "dang ky nhan"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"topics": [], "districts": []}, "at least one topic"),
        ({"topics": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}], "districts": []},
         "duplicate topic id"),
        ({"topics": [{"id": "A b", "name": "A"}], "districts": []}, "lower-case"),
        ({"topics": [{"id": "a", "name": "A", "opt_out_line": "stop {x} #huy"}], "districts": []},
         "only {id} and {name}"),
        ({"topics": [{"id": "a", "name": "A", "opt_out_line": "Nhắn STOP"}], "districts": []},
         '"#huy"'),
        ({"topics": [{"id": "a", "name": "A", "by_district": "yes"}], "districts": []},
         "by_district"),
        ({"topics": [{"id": "a"}], "districts": []}, "`name`"),
        ({"topics": [{"id": "a", "name": "A"}]}, "`districts` must be a list"),
    ],
)  # fmt: skip
def test_invalid_topic_files_are_refused_with_the_entry(data: object, message: str) -> None:
    with pytest.raises(ContentError) as err:
        parse_topics(data, file="subs.yaml")
    assert message in str(err.value) and "subs.yaml" in str(err.value)


# --- subscribing through the dialogue's effects -------------------------------------------------


def test_subscribe_confirms_through_the_dialogue_and_records_both_sides(
    rt: Runtime, rdb: redis.Redis
) -> None:
    wanted = effect("subscribe", topic="lich-tiem", district="Hải Hậu")
    assert apply_effect(rt, "u1", wanted) is None
    assert subscriptions_of(rt, "u1") == frozenset({("lich-tiem", "hai-hau")})
    assert rdb.sismember(rt.keys.topic_subscribers("lich-tiem", "hai-hau"), "u1")
    again = apply_effect(rt, "u1", effect("subscribe", topic="lich tiem", district="hai-hau"))
    assert again is not None and "từ trước" in again.text and "huyện Hải Hậu" in again.text


def test_district_is_ignored_for_a_topic_not_sent_by_district(rt: Runtime) -> None:
    assert apply_effect(rt, "u1", effect("subscribe", topic="tin tức", district="my-loc")) is None
    assert subscriptions_of(rt, "u1") == frozenset({("tin-tuc", "")})


def test_schedule_without_district_means_the_whole_province(rt: Runtime) -> None:
    assert apply_effect(rt, "u1", effect("subscribe", topic="lich-tiem")) is None
    assert subscriptions_of(rt, "u1") == frozenset({("lich-tiem", "")})
    listed = apply_effect(rt, "u1", effect("list_subscriptions"))
    assert listed is not None and "lịch tiêm trên toàn tỉnh" in listed.text


def test_unknown_topic_or_district_gets_a_helpful_answer(rt: Runtime) -> None:
    reply = apply_effect(rt, "u1", effect("subscribe", topic="xổ số"))
    assert reply is not None and "#dangky lich-tiem" in reply.text and len(reply.buttons) == 2
    reply = apply_effect(rt, "u1", effect("subscribe", topic="lich-tiem", district="Hà Nội"))
    assert reply is not None and "huyện Hải Hậu" in reply.text
    assert subscriptions_of(rt, "u1") == frozenset()


def test_list_shows_each_subscription_with_how_to_stop(rt: Runtime) -> None:
    apply_effect(rt, "u1", effect("subscribe", topic="lich-tiem", district="giao-thuy"))
    apply_effect(rt, "u1", effect("subscribe", topic="tin-tuc"))
    reply = apply_effect(rt, "u1", effect("list_subscriptions"))
    assert reply is not None
    assert "lịch tiêm ở huyện Giao Thủy" in reply.text and "tin tức, khuyến cáo" in reply.text
    assert '"#huy tin-tuc"' in reply.text


def test_list_without_subscriptions_offers_them(rt: Runtime) -> None:
    reply = apply_effect(rt, "u1", effect("list_subscriptions"))
    assert reply is not None and "chưa đăng ký" in reply.text
    assert [b.payload for b in reply.buttons] == ["#dangky lich-tiem", "#dangky tin-tuc"]


def test_unsubscribe_one_topic_then_everything(rt: Runtime, rdb: redis.Redis) -> None:
    apply_effect(rt, "u1", effect("subscribe", topic="lich-tiem", district="hai-hau"))
    apply_effect(rt, "u1", effect("subscribe", topic="lich-tiem", district="my-loc"))
    apply_effect(rt, "u1", effect("subscribe", topic="tin-tuc"))
    assert apply_effect(rt, "u1", effect("unsubscribe", topic="lich-tiem")) is None
    assert subscriptions_of(rt, "u1") == frozenset({("tin-tuc", "")})
    assert not rdb.sismember(rt.keys.topic_subscribers("lich-tiem", "hai-hau"), "u1")
    assert apply_effect(rt, "u1", effect("unsubscribe")) is None
    assert subscriptions_of(rt, "u1") == frozenset()
    nothing = apply_effect(rt, "u1", effect("unsubscribe"))
    assert nothing is not None and "chưa đăng ký nhận tin nào" in nothing.text
    nothing = apply_effect(rt, "u1", effect("unsubscribe", topic="tin-tuc"))
    assert nothing is not None and "tin tức, khuyến cáo" in nothing.text


def test_a_resident_cannot_grow_their_set_without_bound(rt: Runtime, rdb: redis.Redis) -> None:
    store = Subscriptions(rt.redis, rt.keys)
    for i in range(PER_RESIDENT_CAP):
        assert store.subscribe("u1", f"t{i}", "") == "added"
    assert store.subscribe("u1", "one-more", "") == "full"
    assert rdb.scard(rt.keys.subscriptions("u1")) == PER_RESIDENT_CAP
    assert not rdb.sismember(rt.keys.topic_subscribers("one-more", ""), "u1")


def test_counts_per_topic_and_district(rt: Runtime) -> None:
    apply_effect(rt, "u1", effect("subscribe", topic="lich-tiem", district="hai-hau"))
    apply_effect(rt, "u2", effect("subscribe", topic="lich-tiem", district="hai-hau"))
    apply_effect(rt, "u3", effect("subscribe", topic="lich-tiem"))
    apply_effect(rt, "u3", effect("subscribe", topic="tin-tuc"))
    counts = subscriber_counts(rt)
    assert counts["lich-tiem"]["hai-hau"] == 2 and counts["lich-tiem"]["*"] == 1
    assert counts["lich-tiem"]["my-loc"] == 0 and counts["tin-tuc"] == {"*": 1}


def test_new_follower_offer_has_a_button_per_topic(rt: Runtime) -> None:
    offer = subscription_offer(rt)
    assert [b.payload for b in offer.buttons] == ["#dangky lich-tiem", "#dangky tin-tuc"]
    assert all(len(b.title) <= 35 for b in offer.buttons)


# --- forgetting a resident ----------------------------------------------------------------------


def test_forget_resident_removes_everything_of_theirs(rt: Runtime, rdb: redis.Redis) -> None:
    for user in ("u1", "u2"):
        apply_effect(rt, user, effect("subscribe", topic="tin-tuc"))
    rdb.set(rt.keys.last_seen("u2"), int(time.time() * 1000))  # u1 is outside the window
    b = svc.create(rt, topic="tin-tuc", text="Tin mới", by="An")
    svc.approve(rt, b.id, by="Bình")
    svc.run_broadcasts_once(rt)
    assert [i for i, _ in svc.pending_notices(rt, "u1", rt.now())] == [b.id]
    forget_resident(rt, "u1")
    assert rdb.keys("sub:{u:u1}*") == []
    assert not rdb.sismember(rt.keys.topic_subscribers("tin-tuc", ""), "u1")
    recipients = Recipients(rt.redis, rt.keys, b.id)
    ids = recipients.slice(0, 10)
    assert "u1" not in ids and "u2" in ids and len(ids) == 2
    anonymous = next(i for i in ids if i != "u2")
    assert recipients.state(anonymous).kind == "skipped"
    assert recipients.state(anonymous).detail == "forgotten"
    assert "u1" not in rdb.hkeys(rt.keys.broadcast_part(b.id, "states"))
    counts = recipients.counts()
    assert counts["skipped"] == 1 and counts["sent"] == 1 and counts.get("pending", 0) == 0


# --- wording of notices -------------------------------------------------------------------------


def test_a_notice_rides_on_the_reply_with_its_prefix() -> None:
    reply = wording.with_notices(Reply("Dạ không có gì ạ!"), [("1", "Lịch tiêm mới")])
    assert reply.text == "Dạ không có gì ạ!\n\nBạn có 1 thông báo mới:\nLịch tiêm mới"
    two = wording.with_notices(Reply("Chào bạn"), [("1", "A"), ("2", "B")])
    assert "Bạn có 2 thông báo mới:\nA\n\nB" in two.text


def test_only_notices_that_fit_one_zalo_message_are_taken() -> None:
    long = "x" * 1500
    reply = Reply("Dạ vâng.")
    chosen = wording.notices_that_fit(reply, [("1", long), ("2", long), ("3", "ngắn")])
    assert [i for i, _ in chosen] == ["1", "3"]
    assert len(wording.with_notices(reply, [("1", long), ("2", long)]).text) <= wording.MAX_TEXT


@pytest.mark.parametrize(
    ("pairs", "topic", "districts", "expected"),
    [
        ({("lich-tiem", "hai-hau")}, "lich-tiem", ("hai-hau",), True),
        ({("lich-tiem", "hai-hau")}, "lich-tiem", ("my-loc",), False),
        ({("lich-tiem", "")}, "lich-tiem", ("my-loc",), True),
        ({("lich-tiem", "my-loc")}, "lich-tiem", (), True),
        ({("tin-tuc", "")}, "lich-tiem", (), False),
        (set(), "tin-tuc", (), False),
    ],
)  # fmt: skip
def test_audience_rule_is_the_same_in_python_and_in_the_admission_script(
    rt: Runtime, pairs: set[tuple[str, str]], topic: str, districts: tuple[str, ...], expected: bool
) -> None:
    store = Subscriptions(rt.redis, rt.keys)
    for t, d in pairs:
        store.subscribe("u1", t, d)
    admitted = Notices(rt.redis, rt.keys).admit(
        "u1", "b1", day="2021-08-14", cap=0, topic=topic, districts=districts
    )
    assert covers(store.of("u1"), topic, districts) is admitted.subscribed is expected
