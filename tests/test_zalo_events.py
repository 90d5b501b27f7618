"""Every example body of the fact sheet (§1.5) parses to the right event; bad shapes fail loudly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bot.model import (
    ChatNow,
    Follow,
    OaEcho,
    OtherEvent,
    Receipt,
    SubmittedInfo,
    UserMessage,
)
from bot.zalo.events import EventError, normalize_phone, parse_event, signed_fields
from tests.fakezalo import server as fake_server

EXAMPLES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "zalo" / "events.json").read_text(encoding="utf-8")
)
USER = "2468458835296197922"
OA = "1980476331409447193"
APP = "4143520836452916543"
BY_APP = "5521772797175877300"


def example(name: str) -> dict[str, Any]:
    return copy.deepcopy(EXAMPLES[name])


def test_user_send_text() -> None:
    e = parse_event(example("1.5.1 user_send_text"))
    assert isinstance(e, UserMessage) and e.is_text
    assert (e.kind, e.app_id, e.user_id, e.oa_id, e.user_id_by_app) == (
        "user_send_text", APP, USER, OA, BY_APP,
    )  # fmt: skip
    assert e.text == "Tiêm mũi nhắc lại ở đâu?"
    assert e.msg_id == "cb31dff1c39642cc1b83" == e.dedupe_id
    assert e.timestamp_ms == 1699003881354
    assert e.quote_msg_id is None and e.attachments == ()


def test_quoted_text_keeps_the_quote_id() -> None:
    body = example("1.5.1 user_send_text")
    body["message"]["quote_msg_id"] = "aaaabbbbccccdddd0000"
    e = parse_event(body)
    assert isinstance(e, UserMessage) and e.quote_msg_id == "aaaabbbbccccdddd0000"


@pytest.mark.parametrize(
    ("name", "kind", "att_type", "field", "value"),
    [
        ("1.5.2 user_send_image", "user_send_image", "image", "url",
         "https://f6.photo.talk.zdn.vn/.../full.jpg"),
        ("1.5.3 user_send_sticker", "user_send_sticker", "sticker", "id", "bfe458bf64fa8da4d4eb"),
        ("1.5.4 user_send_location", "user_send_location", "location", "coordinates",
         {"latitude": "10.7642473", "longitude": "106.6564314"}),
        ("1.5.5 user_send_link", "user_send_link", "link", "url", "https://tiemchungcovid19.gov.vn"),
        ("1.5.6 user_send_file", "user_send_file", "file", "size", "183422"),
    ],
)  # fmt: skip
def test_media_messages(name: str, kind: str, att_type: str, field: str, value: Any) -> None:
    e = parse_event(example(name))
    assert isinstance(e, UserMessage) and not e.is_text
    assert e.kind == kind and e.user_id == USER and e.oa_id == OA
    assert len(e.attachments) == 1
    assert e.attachments[0].type == att_type
    assert e.attachments[0].payload[field] == value
    assert e.msg_id == EXAMPLES[name]["message"]["msg_id"]


def test_image_caption_and_sticker_without_text() -> None:
    image = parse_event(example("1.5.2 user_send_image"))
    sticker = parse_event(example("1.5.3 user_send_sticker"))
    assert isinstance(image, UserMessage) and image.text == "giấy xác nhận tiêm"
    assert isinstance(sticker, UserMessage) and sticker.text == ""


@pytest.mark.parametrize(("name", "following"), [("1.5.7 follow", True), ("1.5.7 unfollow", False)])
def test_follow_and_unfollow(name: str, following: bool) -> None:
    e = parse_event(example(name))
    assert isinstance(e, Follow) and e.following is following
    assert e.user_id == USER and e.oa_id == OA and e.user_id_by_app == BY_APP
    assert e.source == ("oa_profile" if following else "zalo")
    assert e.timestamp_ms == 1752295684665


def test_submit_info_current_layout() -> None:
    e = parse_event(example("1.5.8 user_submit_info"))
    assert isinstance(e, SubmittedInfo)
    assert (e.user_id, e.oa_id) == (USER, OA)
    assert (e.name, e.phone, e.dob, e.gender) == (
        "Nguyễn Văn A",
        "84912345678",
        "30/10/1999",
        "Nam",
    )
    assert (e.city, e.ward, e.address) == ("Tỉnh Bình Dương", "Phường Phú Cường", "Số 1 Đường ABC")
    assert e.district == ""


def test_submit_info_flat_layout_normalises_the_phone() -> None:
    e = parse_event(example("1.5.8 user_submit_info (flat)"))
    assert isinstance(e, SubmittedInfo)
    assert e.name == "Trần Thị B" and e.phone == "84912345678"
    assert (e.address, e.city, e.district, e.ward) == (
        "Số 5 Đường Hùng Vương", "Nam Định", "Vụ Bản", "Thị trấn Gôi",
    )  # fmt: skip


def test_submit_info_without_info_has_empty_fields() -> None:
    body = example("1.5.8 user_submit_info")
    del body["info"]
    e = parse_event(body)
    assert isinstance(e, SubmittedInfo) and e.name == e.phone == e.city == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("84912345678", "84912345678"), ("+84 912 345 678", "84912345678"),
     ("0912.345.678", "84912345678"), ("", ""), ("19009095", "19009095")],
)  # fmt: skip
def test_normalize_phone(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


def test_chatnow_uses_the_flat_user_id() -> None:
    e = parse_event(example("1.5.9 user_click_chatnow"))
    assert isinstance(e, ChatNow)
    assert (e.user_id, e.oa_id, e.timestamp_ms) == (USER, OA, 1699003950000)


def test_echo_resolves_the_resident_as_recipient() -> None:
    e = parse_event(example("1.5.10 oa_send_text"))
    assert isinstance(e, OaEcho)
    assert e.user_id == USER and e.oa_id == OA
    assert e.admin_id == "7012345678901234567"
    assert e.msg_id == "f1a2b3c4d5e601234567"
    assert e.text.startswith("Dạ, bạn có thể tiêm")


def test_echo_of_an_api_send_has_no_admin() -> None:
    body = example("1.5.10 oa_send_text")
    del body["sender"]["admin_id"]
    e = parse_event(body)
    assert isinstance(e, OaEcho) and e.admin_id is None


def test_received_receipt() -> None:
    e = parse_event(example("1.5.11 user_received_message"))
    assert isinstance(e, Receipt)
    assert e.user_id == USER and e.oa_id == OA
    assert e.msg_ids == ("f1a2b3c4d5e601234567",)


def test_seen_receipt_lists_every_message() -> None:
    e = parse_event(example("1.5.12 user_seen_message"))
    assert isinstance(e, Receipt)
    assert e.user_id == USER and e.oa_id == OA
    assert e.msg_ids == ("f1a2b3c4d5e601234567", "0a1b2c3d4e5f60123456")


def test_ids_and_timestamp_arriving_as_numbers_become_strings_and_ms() -> None:
    body = example("1.5.1 user_send_text")
    body["app_id"] = int(APP)
    body["sender"]["id"] = int(USER)
    body["recipient"]["id"] = int(OA)
    body["user_id_by_app"] = int(BY_APP)
    body["timestamp"] = 1699003881354
    e = parse_event(body)
    assert (e.app_id, e.user_id, e.oa_id, e.user_id_by_app) == (APP, USER, OA, BY_APP)
    assert e.timestamp_ms == 1699003881354
    assert signed_fields(body) == (APP, "1699003881354")


def test_signed_fields_keep_the_timestamp_text() -> None:
    assert signed_fields(example("1.5.7 follow")) == (APP, "1752295684665")


@pytest.mark.parametrize(
    ("body", "kind", "user_id"),
    [
        ({"event_name": "user_reacted_message", "sender": {"id": USER}, "recipient": {"id": OA},
          "message": {"msg_id": "m1", "react_icon": "/-heart"}}, "user_reacted_message", USER),
        ({"event_name": "oa_reacted_message", "sender": {"id": OA}, "recipient": {"id": USER},
          "message": {"msg_id": "m1", "react_icon": "/-strong"}}, "oa_reacted_message", USER),
        ({"event_name": "add_user_to_tag", "oa_id": OA,
          "tag": {"user_ids": [USER], "name": "Đã tiêm"}}, "add_user_to_tag", None),
        ({"event_name": "anonymous_send_text", "sender": {"id": "anon-1"},
          "recipient": {"id": OA}, "message": {"text": "hi"}}, "anonymous_send_text", None),
        ({"event_name": "oa_send_anonymous_text", "sender": {"id": OA},
          "recipient": {"id": "anon-1"}}, "oa_send_anonymous_text", None),
        ({"event_name": "user_withdraw", "sender": {"id": USER}, "recipient": {"id": OA}},
         "user_withdraw", USER),
        ({"event_name": "permission_revoked", "oa_id": OA}, "permission_revoked", None),
        ({"event_name": "something_new_2027", "user_id": USER, "weird": [1, {"x": None}]},
         "something_new_2027", USER),
    ],
)  # fmt: skip
def test_other_events(body: dict[str, Any], kind: str, user_id: str | None) -> None:
    full = {"app_id": APP, "timestamp": "1699003999000", **body}
    e = parse_event(full)
    assert isinstance(e, OtherEvent)
    assert e.kind == kind and e.user_id == user_id
    assert e.data["event_name"] == kind
    assert e.timestamp_ms == 1699003999000


def test_fake_builders_round_trip() -> None:
    user = fake_server.new_user_id()
    assert len(user) == 19 and user.isdigit()
    text = parse_event(fake_server.text_event(user, "Xin chào", quote_msg_id="q1"))
    assert isinstance(text, UserMessage) and text.user_id == user and text.quote_msg_id == "q1"
    assert len(text.msg_id) == 20 and len(str(text.timestamp_ms)) == 13
    echo = parse_event(fake_server.echo_event(user, admin_id="7012345678901234567"))
    assert isinstance(echo, OaEcho) and echo.user_id == user and echo.admin_id
    assert isinstance(parse_event(fake_server.follow_event(user, follow=False)), Follow)
    assert isinstance(parse_event(fake_server.chatnow_event(user)), ChatNow)
    info = parse_event(fake_server.submit_info_event(user))
    assert isinstance(info, SubmittedInfo) and info.phone.startswith("84")
    seen = parse_event(fake_server.seen_event(user, ["a", "b"]))
    assert isinstance(seen, Receipt) and seen.user_id == user and seen.msg_ids == ("a", "b")
    image = parse_event(fake_server.image_event(user))
    assert isinstance(image, UserMessage) and image.attachments[0].type == "image"


def _broken(name: str, change: Any) -> dict[str, Any]:
    body = example(name)
    change(body)
    return body


@pytest.mark.parametrize(
    "data",
    [
        [],
        "user_send_text",
        None,
        {},
        {"event_name": "", "app_id": APP, "timestamp": "1"},
        {"event_name": 7, "app_id": APP, "timestamp": "1"},
        _broken("1.5.1 user_send_text", lambda b: b.pop("app_id")),
        _broken("1.5.1 user_send_text", lambda b: b.pop("timestamp")),
        _broken("1.5.1 user_send_text", lambda b: b.update(timestamp="yesterday")),
        _broken("1.5.1 user_send_text", lambda b: b.update(timestamp=1.5)),
        _broken("1.5.1 user_send_text", lambda b: b.update(timestamp=True)),
        _broken("1.5.1 user_send_text", lambda b: b.update(app_id=["x"])),
        _broken("1.5.1 user_send_text", lambda b: b.pop("sender")),
        _broken("1.5.1 user_send_text", lambda b: b.update(sender={"id": None})),
        _broken("1.5.1 user_send_text", lambda b: b.update(sender="2468458835296197922")),
        _broken("1.5.1 user_send_text", lambda b: b.update(message="hi")),
        _broken("1.5.1 user_send_text", lambda b: b.pop("message")),
        _broken("1.5.1 user_send_text", lambda b: b["message"].update(text={"a": 1})),
        _broken("1.5.1 user_send_text", lambda b: b["message"].update(msg_id=1.5)),
        _broken("1.5.2 user_send_image", lambda b: b["message"].update(attachments={"a": 1})),
        _broken("1.5.2 user_send_image", lambda b: b["message"]["attachments"].append("x")),
        _broken("1.5.7 follow", lambda b: b.pop("follower")),
        _broken("1.5.8 user_submit_info", lambda b: b.update(info="Nguyễn Văn A")),
        _broken("1.5.9 user_click_chatnow", lambda b: b.pop("user_id")),
        _broken("1.5.10 oa_send_text", lambda b: b.pop("recipient")),
        _broken("1.5.12 user_seen_message", lambda b: b["message"].update(msg_ids="a,b")),
        _broken("1.5.12 user_seen_message", lambda b: b["message"].update(msg_ids=[{"id": 1}])),
    ],
)
def test_malformed_input_raises_event_error(data: Any) -> None:
    with pytest.raises(EventError):
        parse_event(data)


def test_event_error_is_a_value_error_with_a_message() -> None:
    with pytest.raises(ValueError, match="app_id"):
        parse_event(_broken("1.5.1 user_send_text", lambda b: b.pop("app_id")))
