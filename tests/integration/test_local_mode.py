"""Local mode: the sandbox chat, /healthz, and the embedded redis-server under instance/."""

from __future__ import annotations

import time

from app import create_app
from bot.store.client import EmbeddedRedis, connect
from tests.integration.conftest import run_worker


def local_app(redis_url: str, tmp_path, **extra: str):
    return create_app(
        {"REDIS_URL": redis_url, "INSTANCE_PATH": str(tmp_path / "instance"), "ZALO_APP_ID": "",
         "ZALO_ACCESS_TOKEN": "", "ZALO_REFRESH_TOKEN": "", "ZALO_OA_SECRET_KEY": "", **extra}
    )  # fmt: skip


def test_sandbox_round_trip(redis_url: str, tmp_path) -> None:
    app = local_app(redis_url, tmp_path)
    rt = app.extensions["bot"]
    assert rt.settings.local_mode
    client = app.test_client()
    page = client.get("/sandbox")
    assert page.status_code == 200 and "Chế độ cục bộ" in page.get_data(as_text=True)
    user = "912345678901234567"
    sent = client.post("/sandbox/send", json={"user": user, "text": "chào bạn"})
    assert sent.status_code == 200 and sent.get_json()["outcome"] == "queued"
    run_worker(rt)
    got = client.get(f"/sandbox/messages?user={user}&since=0").get_json()
    assert got["next"] == 1 and got["messages"][0]["text"]
    assert client.get(f"/sandbox/messages?user={user}&since=1").get_json()["messages"] == []
    assert client.post("/sandbox/send", json={"user": "abc", "text": "x"}).status_code == 400


def test_sandbox_is_closed_with_a_real_oa(redis_url: str, tmp_path) -> None:
    app = local_app(
        redis_url, tmp_path, ZALO_APP_ID="1", ZALO_APP_SECRET="s", ZALO_REFRESH_TOKEN="r"
    )
    assert app.test_client().get("/sandbox").status_code == 404


def test_healthz_reports_workers_and_content(redis_url: str, tmp_path) -> None:
    app = local_app(redis_url, tmp_path)
    client, rt = app.test_client(), app.extensions["bot"]
    resp = client.get("/healthz/details")
    assert resp.status_code == 503 and "no worker heartbeat" in resp.get_json()["problems"]
    assert client.get("/healthz").get_json() == {"status": "unhealthy"}
    rt.workers.heartbeat("w1", time.time())
    body = client.get("/healthz/details").get_json()
    assert body["status"] == "ok", body
    assert body["mode"] == "local" and body["redis"]["ok"] and body["content"]["version"]


def test_the_public_healthz_tells_only_ok_or_not(redis_url: str, tmp_path) -> None:
    app = local_app(redis_url, tmp_path)
    client, rt = app.test_client(), app.extensions["bot"]
    rt.workers.heartbeat("w1", time.time())
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}
    rt.workers.leave("w1")  # the only worker is gone
    resp = client.get("/healthz")
    assert resp.status_code == 503 and resp.get_json() == {"status": "unhealthy"}


def test_healthz_when_redis_is_down(tmp_path) -> None:
    from tests.redis_server import free_port

    app = local_app(f"redis://127.0.0.1:{free_port()}/0", tmp_path)
    resp = app.test_client().get("/healthz/details")
    assert resp.status_code == 503
    assert "redis unreachable" in resp.get_json()["problems"]
    public = app.test_client().get("/healthz")
    assert public.status_code == 503 and public.get_json() == {"status": "unhealthy"}


def test_site_verification_meta_tag(redis_url: str, tmp_path) -> None:
    app = local_app(redis_url, tmp_path, ZALO_SITE_VERIFICATION="abc123")
    html = app.test_client().get("/").get_data(as_text=True)
    assert '<meta name="zalo-platform-site-verification" content="abc123" />' in html


def test_embedded_redis_keeps_data_across_restarts(tmp_path) -> None:
    server = EmbeddedRedis(tmp_path / "instance")
    url = server.ensure_running()
    try:
        assert server.ensure_running() == url  # a second process attaches to the same server
        connect(url).set("kept", "yes")
    finally:
        server.stop()
    assert not server.alive()
    server.ensure_running()
    try:
        assert connect(url).get("kept") == "yes"
    finally:
        server.stop()
