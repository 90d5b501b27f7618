"""The webhook MAC against the fact sheet's test vector (§2)."""

from __future__ import annotations

import json

import pytest

from bot.zalo.signature import compute_mac, verify
from tests.fakezalo.server import sign_event

APP_ID = "3608465248940903967"
SECRET = "fake-oa-secret-key-for-tests"
TIMESTAMP = "1700000000000"
BODY = (
    '{"app_id":"3608465248940903967","sender":{"id":"2468458835296197922"},'
    '"user_id_by_app":"5521772797175877300","recipient":{"id":"1900000000000000001"},'
    '"event_name":"user_send_text","message":{"text":"Tiêm mũi 3 ở đâu?",'
    '"msg_id":"96d3cdf3af150460909"},"timestamp":"1700000000000"}'
).encode()
EXPECTED = "mac=95e7237fbfc51666ce458591f012fdc5e1c2a5e871e2ce1be3c422768af2698b"


def test_vector_bytes_are_the_documented_284() -> None:
    assert len(BODY) == 284


def test_compute_mac_matches_the_vector() -> None:
    assert "mac=" + compute_mac(APP_ID, BODY, TIMESTAMP, SECRET) == EXPECTED


@pytest.mark.parametrize("header", [EXPECTED, EXPECTED[4:], EXPECTED.upper(), f" {EXPECTED} "])
def test_verify_accepts_with_and_without_prefix(header: str) -> None:
    assert verify(header, BODY, APP_ID, TIMESTAMP, SECRET)


def test_wrong_secret_is_rejected() -> None:
    assert not verify(EXPECTED, BODY, APP_ID, TIMESTAMP, "another-secret")


def test_app_secret_is_not_the_oa_secret() -> None:
    assert not verify(EXPECTED, BODY, APP_ID, TIMESTAMP, "")


def test_tampered_body_is_rejected() -> None:
    tampered = BODY.replace("mũi 3".encode(), "mũi 4".encode())
    assert tampered != BODY
    assert not verify(EXPECTED, tampered, APP_ID, TIMESTAMP, SECRET)


def test_reserialised_body_is_rejected() -> None:
    """Hashing must use the raw bytes: pretty-printed JSON of the same event does not verify."""
    pretty = json.dumps(json.loads(BODY), ensure_ascii=True).encode()
    assert not verify(EXPECTED, pretty, APP_ID, TIMESTAMP, SECRET)


def test_other_timestamp_or_app_is_rejected() -> None:
    assert not verify(EXPECTED, BODY, APP_ID, "1700000000001", SECRET)
    assert not verify(EXPECTED, BODY, "1900000000000000001", TIMESTAMP, SECRET)


@pytest.mark.parametrize("header", [None, "", "mac=", "   ", "mac=zz", "mac=ðŸ", EXPECTED[:-1]])
def test_missing_or_garbled_header_is_rejected(header: str | None) -> None:
    assert not verify(header, BODY, APP_ID, TIMESTAMP, SECRET)


def test_fake_sign_event_reproduces_the_vector_exactly() -> None:
    raw, headers = sign_event(json.loads(BODY), SECRET)
    assert raw == BODY
    assert headers["X-ZEvent-Signature"] == EXPECTED
