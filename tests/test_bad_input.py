"""Odd input from anyone on the internet gets a 4xx, never a 500 with a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from tests.admin_support import (  # noqa: F401  (fast_hashing: autouse fixture)
    PASSWORD,
    console_app,
    console_env,
    csrf_of,
    fast_hashing,
    make_users,
)

NESTED = b"[" * 200_000 + b"]" * 200_000


@pytest.fixture
def console(redis_url: str, tmp_path: Path) -> Flask:
    app = console_app(console_env(redis_url, tmp_path / "instance"))
    make_users(app.extensions["bot"], "officer")
    return app


@pytest.mark.parametrize("token", ["ánh", "\u00e9" * 43, "\x00", "a\u200bb"])
def test_a_non_ascii_csrf_token_is_a_400(console: Flask, token: str) -> None:
    client = console.test_client()
    csrf_of(client)
    form = {"name": "officer", "password": PASSWORD, "csrf_token": token}
    assert client.post("/admin/login", data=form).status_code == 400


@pytest.mark.parametrize(
    "target",
    ["/admin/\r\nSet-Cookie: x=1", "/admin/\x00", "/admin/\x7f", "/admin/a b", "/admin\\x"],
)
def test_a_next_with_control_characters_goes_to_the_dashboard(console: Flask, target: str) -> None:
    client = console.test_client()
    form = {"name": "officer", "password": PASSWORD, "csrf_token": csrf_of(client), "next": target}
    resp = client.post("/admin/login", data=form)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/admin/dashboard"
    assert client.get("/admin/login", query_string={"next": target}).status_code == 200


def test_a_good_next_still_works(console: Flask) -> None:
    client = console.test_client()
    form = {"name": "officer", "password": PASSWORD, "csrf_token": csrf_of(client),
            "next": "/admin/broadcasts?page=2"}  # fmt: skip
    assert client.post("/admin/login", data=form).headers["Location"] == "/admin/broadcasts?page=2"


def test_nested_or_odd_json_to_the_sandbox_is_a_400(redis_url: str, tmp_path: Path) -> None:
    app = create_app(
        {"REDIS_URL": redis_url, "INSTANCE_PATH": str(tmp_path / "instance"), "ZALO_APP_ID": "",
         "ZALO_ACCESS_TOKEN": "", "ZALO_REFRESH_TOKEN": "", "ZALO_OA_SECRET_KEY": ""}
    )  # fmt: skip
    client: FlaskClient = app.test_client()
    json_type = {"Content-Type": "application/json"}
    for body in (NESTED, b"[1, 2]", b'"text"', "{}".encode("utf-16")):
        assert client.post("/sandbox/send", data=body, headers=json_type).status_code == 400
