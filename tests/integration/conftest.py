"""The bot wired to a real Redis and the fake Zalo over HTTP; events posted signed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from bot.services.runtime import Runtime
from bot.services.worker import Worker
from tests.conftest import ROOT
from tests.fakezalo.events import APP_ID, OA_SECRET, sign_event
from tests.fakezalo.server import FakeZalo

APP_SECRET = "fake-app-secret"
ACCESS, REFRESH = "access-token-1", "refresh-token-1"


@pytest.fixture
def fake_zalo() -> Iterator[FakeZalo]:
    fake = FakeZalo(
        app_id=APP_ID, app_secret=APP_SECRET, access_token=ACCESS, refresh_token=REFRESH
    )
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def bot_env(redis_url: str, fake_zalo: FakeZalo, tmp_path) -> dict[str, str]:
    return {
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": "it:",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "ZALO_APP_ID": APP_ID,
        "ZALO_APP_SECRET": APP_SECRET,
        "ZALO_OA_SECRET_KEY": OA_SECRET,
        "ZALO_ACCESS_TOKEN": ACCESS,
        "ZALO_REFRESH_TOKEN": REFRESH,
        "ZALO_API_BASE": fake_zalo.url,
        "ZALO_OAUTH_BASE": fake_zalo.url,
        "ZALO_TIMEOUT_SECONDS": "2",
        "FAQ_PATH": str(ROOT / "faq.yaml"),
        "HOTLINES_PATH": str(ROOT / "hotlines.yaml"),
        "BROADCAST_QUIET_HOURS": "",
        "SECRET_KEY": "test-secret",
    }


@pytest.fixture
def app(bot_env: dict[str, str]) -> Flask:
    return create_app(bot_env)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def rt(app: Flask) -> Runtime:
    return app.extensions["bot"]


def post_event(client: FlaskClient, body: dict[str, Any], secret: str = OA_SECRET) -> Any:
    raw, headers = sign_event(body, secret)
    return client.post("/webhook/zalo", data=raw, headers=headers)


def run_worker(rt: Runtime) -> None:
    """Process everything queued, in this process, then return."""
    Worker(rt, burst=True, name="test-worker").run()


def wait_until(predicate: Callable[[], object], seconds: float = 15.0) -> bool:
    """Poll `predicate` until it holds or `seconds` pass; its last answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())
