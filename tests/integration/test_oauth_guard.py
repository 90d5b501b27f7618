"""Authorising the OA: a logged-in admin only, state bound to the session, the configured OA."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import redis
import requests
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from bot.services import accounts
from tests.admin_support import PASSWORD, fast_hashing, login  # noqa: F401  (autouse fixture)
from tests.fakezalo.events import OA_ID
from tests.fakezalo.server import FakeZalo

REDIRECT = "https://bot.example.gov.vn/zalo/oauth/callback"


@pytest.fixture
def oauth_app(bot_env: dict[str, str]) -> Flask:
    env = {**bot_env, "ZALO_OAUTH_REDIRECT_URI": REDIRECT, "ZALO_OA_ID": OA_ID}
    app = create_app({**env, "ADMIN_COOKIE_SECURE": "false"})
    rt = app.extensions["bot"]
    accounts.add_user(rt, "quantri", "admin", PASSWORD, by="test")
    accounts.add_user(rt, "canbo", "officer", PASSWORD, by="test")
    assert rt.tokens.state()["source"] == "env"  # the seeded pair, before any OAuth
    return app


def oauth_keys(rdb: redis.Redis) -> list[str]:
    return [k for k in rdb.keys("*") if ":oauth:" in k]


def start(client: FlaskClient) -> str:
    """Log-in already done: open the start page, submit its form; the consent URL."""
    page = client.get("/zalo/oauth/start")
    assert page.status_code == 200
    with client.session_transaction() as sess:
        token = sess["csrf"]
    resp = client.post("/zalo/oauth/start", data={"csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp.headers["Location"]


def consent(authorize: str) -> dict[str, str]:
    """The OA admin agrees at Zalo; the parameters Zalo sends back to the callback."""
    answer = requests.get(authorize, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlparse(answer.headers["Location"]).query).items()}


def refresh_token(rdb: redis.Redis) -> str:
    return str(rdb.hget("it:{zalo}:token", "refresh_token"))


def test_anonymous_start_is_refused_and_stores_nothing(oauth_app: Flask, rdb: redis.Redis) -> None:
    client = oauth_app.test_client()
    page = client.get("/zalo/oauth/start")
    assert page.status_code == 302 and "/admin/login" in page.headers["Location"]
    assert client.post("/zalo/oauth/start").status_code == 403
    assert oauth_keys(rdb) == []


def test_only_an_admin_may_start_and_only_with_the_csrf_token(
    oauth_app: Flask, rdb: redis.Redis
) -> None:
    officer = oauth_app.test_client()
    login(officer, "canbo")
    assert officer.get("/zalo/oauth/start").status_code == 403
    assert officer.post("/zalo/oauth/start").status_code == 403
    admin = oauth_app.test_client()
    login(admin, "quantri")
    assert admin.post("/zalo/oauth/start", data={"csrf_token": "wrong"}).status_code == 400
    assert oauth_keys(rdb) == []


def test_admin_flow_stores_a_pair_confirmed_for_the_oa(
    oauth_app: Flask, fake_zalo: FakeZalo, rdb: redis.Redis
) -> None:
    admin = oauth_app.test_client()
    login(admin, "quantri")
    params = consent(start(admin))
    assert params["oa_id"] == OA_ID
    done = admin.get("/zalo/oauth/callback", query_string=params)
    assert done.status_code == 200, done.get_data(as_text=True)
    assert refresh_token(rdb) == fake_zalo.refresh_token
    assert any(r["path"] == "/v2.0/oa/getoa" for r in fake_zalo.requests)
    assert admin.get("/zalo/oauth/callback", query_string=params).status_code == 400  # single use


def test_callback_in_another_session_is_refused(
    oauth_app: Flask, fake_zalo: FakeZalo, rdb: redis.Redis
) -> None:
    admin = oauth_app.test_client()
    login(admin, "quantri")
    params = consent(start(admin))
    before = refresh_token(rdb)
    stranger = oauth_app.test_client()
    assert stranger.get("/zalo/oauth/callback", query_string=params).status_code == 403
    other_admin = oauth_app.test_client()
    login(other_admin, "quantri")
    assert other_admin.get("/zalo/oauth/callback", query_string=params).status_code == 400
    assert refresh_token(rdb) == before


@pytest.mark.parametrize("oa_id", [None, "", "1111111111111111111"])
def test_callback_must_name_the_configured_oa(
    oauth_app: Flask, fake_zalo: FakeZalo, rdb: redis.Redis, oa_id: str | None
) -> None:
    admin = oauth_app.test_client()
    login(admin, "quantri")
    params = consent(start(admin))
    before = refresh_token(rdb)
    if oa_id is None:
        del params["oa_id"]
    else:
        params["oa_id"] = oa_id
    assert admin.get("/zalo/oauth/callback", query_string=params).status_code == 400
    assert refresh_token(rdb) == before
    assert not any(r["path"] == "/v4/oa/access_token" for r in fake_zalo.requests)


def test_a_token_for_another_oa_is_not_stored(
    oauth_app: Flask, fake_zalo: FakeZalo, rdb: redis.Redis
) -> None:
    admin = oauth_app.test_client()
    login(admin, "quantri")
    params = consent(start(admin))
    before = refresh_token(rdb)
    fake_zalo.oa_id = "2222222222222222222"  # the consent was given for another OA
    resp = admin.get("/zalo/oauth/callback", query_string=params)
    assert resp.status_code == 400
    assert refresh_token(rdb) == before


def test_oauth_is_off_while_the_oa_id_is_unset(bot_env: dict[str, str], rdb: redis.Redis) -> None:
    app = create_app({**bot_env, "ZALO_OAUTH_REDIRECT_URI": REDIRECT, "ZALO_OA_ID": ""})
    client = app.test_client()
    assert client.get("/zalo/oauth/start").status_code == 404
    assert client.post("/zalo/oauth/start").status_code == 404
    assert client.get("/zalo/oauth/callback?state=x&code=y").status_code == 404
    assert oauth_keys(rdb) == []
