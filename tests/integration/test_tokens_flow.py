"""Token life in the running system: one refresh for many workers, OAuth v4 with PKCE."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import requests

from app import create_app
from bot.config import child_environment
from bot.services import accounts
from tests.admin_support import PASSWORD, login
from tests.conftest import ROOT
from tests.fakezalo.events import OA_ID, new_user_id, text_event
from tests.fakezalo.server import FakeZalo
from tests.integration.conftest import post_event, wait_until


def test_expired_token_is_refreshed_once_by_four_workers(
    bot_env: dict[str, str], fake_zalo: FakeZalo
) -> None:
    env = {**bot_env, "INBOUND_PARTITIONS": "4", "WORKER_LEASE_SECONDS": "2"}
    app = create_app(env)
    client, rt = app.test_client(), app.extensions["bot"]
    names = [f"w{i}" for i in range(4)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "worker", "--name", name],
            cwd=ROOT,
            env=child_environment(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name in names
    ]
    try:
        # The token expires only once all four workers run and each leases a partition: a
        # worker still starting (seconds under load) must neither be raced by the test's clock
        # nor leave the refresh to whichever worker happened to start first.
        def spread() -> bool:
            owners = {rt.redis.get(rt.keys.partition_lease(p)) for p in range(4)}
            return owners == set(names)

        assert wait_until(spread, 60), "the four workers did not start and share the partitions"
        fake_zalo.expire_access_token()
        before = fake_zalo.refresh_calls
        users = [new_user_id() for _ in range(12)]
        for user in users:
            assert post_event(client, text_event(user, "xin chào")).status_code == 200
        answered = wait_until(lambda: len(fake_zalo.sent) >= len(users), 60)
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(15)
    assert answered, f"{len(fake_zalo.sent)} of {len(users)} residents answered"
    assert fake_zalo.refresh_calls - before == 1
    for user in users:
        assert len(fake_zalo.texts_to(user)) == 1


def test_oauth_start_and_callback_store_a_fresh_pair(
    bot_env: dict[str, str], fake_zalo: FakeZalo
) -> None:
    redirect = "https://bot.example.gov.vn/zalo/oauth/callback"
    app = create_app({**bot_env, "ZALO_OAUTH_REDIRECT_URI": redirect, "ZALO_OA_ID": OA_ID,
                      "ADMIN_COOKIE_SECURE": "false"})  # fmt: skip
    accounts.add_user(app.extensions["bot"], "quantri", "admin", PASSWORD, by="test")
    client = app.test_client()
    login(client, "quantri")
    with client.session_transaction() as sess:
        sess["csrf"] = "t" * 43
    start = client.post("/zalo/oauth/start", data={"csrf_token": "t" * 43})
    assert start.status_code == 302
    authorize = start.headers["Location"]
    assert authorize.startswith(fake_zalo.url + "/v4/oa/permission?")
    assert "code_challenge=" in authorize
    consent = requests.get(authorize, allow_redirects=False, timeout=5)  # the OA admin agrees
    assert consent.status_code == 302
    back = urlparse(consent.headers["Location"])
    assert back.path == "/zalo/oauth/callback"
    params = {k: v[0] for k, v in parse_qs(back.query).items()}
    done = client.get("/zalo/oauth/callback", query_string=params)
    assert done.status_code == 200, done.get_data(as_text=True)
    state = app.extensions["bot"].tokens.state()
    assert state["status"] == "ok" and state["source"] == "oauth"
    replay = client.get("/zalo/oauth/callback", query_string=params)  # state is single-use
    assert replay.status_code == 400
