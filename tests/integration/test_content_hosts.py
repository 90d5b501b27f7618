"""Two hosts, each a copy of the project directory with its own faq.yaml, running a web process
(gunicorn) and a worker against one Redis: a change approved through one host's API is served by
both web processes and answered by both workers within 5 seconds."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.config import child_environment, settings_from
from bot.services import accounts
from bot.services.runtime import Runtime
from bot.store.inbound import partition_of
from tests.conftest import ROOT
from tests.fakezalo.events import OA_SECRET, deliver, new_user_id, text_event
from tests.fakezalo.server import FakeZalo
from tests.integration.test_smoke_gunicorn import Processes, health, until
from tests.redis_server import client_for, free_port

pytestmark = pytest.mark.slow

ENTRY, QUESTION = "sot-sau-tiem", "tiêm xong bị sốt phải làm sao"
MARKER = "Thông tin này vừa được cán bộ y tế cập nhật."
PARTITIONS = 12
LIVE_WITHIN = 5.0
STAFF, REVIEWER = "tok-staff-0123456789abcdef", "tok-reviewer-0123456789abcdef"
COPIED = ("app.py", "bot", "intents", "deploy", "faq.yaml", "hotlines.yaml", "subscriptions.yaml",
          "pyproject.toml")  # fmt: skip


def copy_project(dest: Path) -> Path:
    """What a host holds: the code and its own copy of the content files."""
    dest.mkdir(parents=True)
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, dest / name)
    return dest


def one_user_per_partition() -> dict[int, str]:
    users: dict[int, str] = {}
    while len(users) < PARTITIONS:
        user = new_user_id()
        users.setdefault(partition_of(user, PARTITIONS), user)
    return users


def revision_of(url: str) -> int | None:
    resp = health(url)
    if resp is None:
        return None
    return (resp.json().get("content") or {}).get("revision")


def test_an_approved_change_is_live_on_every_host_within_five_seconds(
    bot_env: dict[str, str], fake_zalo: FakeZalo, tmp_path: Path
) -> None:
    procs = Processes(tmp_path)
    urls = {}
    rt = Runtime(settings_from({"REDIS_URL": bot_env["REDIS_URL"], "REDIS_KEY_PREFIX": "hosts:"}))
    for name, role in (("chi", "staff"), ("dung", "reviewer")):  # the API tokens' accounts
        accounts.add_user(rt, name, role, "mật-khẩu-đủ-dài-2021", by="test")
    for host in ("a", "b"):
        home = copy_project(tmp_path / f"host-{host}")
        port = free_port()
        env = child_environment(
            {**bot_env, "PORT": str(port), "WEB_CONCURRENCY": "1", "REDIS_KEY_PREFIX": "hosts:",
             "FAQ_PATH": "faq.yaml", "HOTLINES_PATH": "hotlines.yaml",
             "INSTANCE_PATH": str(home / "instance"), "FLOOD_LIMIT_PER_MINUTE": "1000",
             "ADMIN_API_TOKENS": f"chi:staff:{STAFF},dung:reviewer:{REVIEWER}"}
        )  # fmt: skip
        procs.start(
            f"web-{host}",
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app:create_app()"],
            env,
            cwd=home,
        )
        procs.start(
            f"worker-{host}",
            [sys.executable, "-m", "flask", "--app", "app", "worker", "--name", f"worker-{host}"],
            env,
            cwd=home,
        )
        urls[host] = f"http://127.0.0.1:{port}"
    rdb = client_for(bot_env["REDIS_URL"])
    users = one_user_per_partition()
    try:
        for url in urls.values():
            until(lambda u=url: revision_of(u) == 1, "the web to serve revision 1", procs, 60)

        def both_workers_lease() -> bool:
            owners = {rdb.get(f"hosts:lease:inbound:{p}") for p in range(PARTITIONS)}
            return owners == {"worker-a", "worker-b"}

        until(both_workers_lease, "both workers to share the partitions", procs, 60)
        webhook = urls["a"] + "/webhook/zalo"
        for user in users.values():  # before: every worker answers with the old text
            deliver(webhook, text_event(user, QUESTION), OA_SECRET, timeout=10)
        until(lambda: all(fake_zalo.texts_to(u) for u in users.values()), "first replies", procs)
        assert not any(MARKER in t for u in users.values() for t in fake_zalo.texts_to(u))

        api = urls["a"] + "/admin/api/content"
        entry = requests.get(f"{api}/entries/{ENTRY}", headers=_auth(STAFF), timeout=10).json()
        # the new text replaces the last line (an answer stays within its 600 characters)
        entry["answer"] = "\n".join([*entry["answer"].rstrip().splitlines()[:-1], MARKER])
        put = requests.put(f"{api}/entries/{ENTRY}", json=entry, headers=_auth(STAFF), timeout=30)
        assert put.status_code == 202, put.text
        change_id = put.json()["change_id"]
        approve = urls["b"] + f"/admin/api/content/changes/{change_id}/approve"
        resp = requests.post(approve, headers=_auth(REVIEWER), timeout=30)
        assert resp.status_code == 200, resp.text
        approved_at, rev = time.monotonic(), resp.json()["rev"]

        live_at: dict[str, float] = {}
        pending = dict(users)
        while time.monotonic() - approved_at < LIVE_WITHIN + 5 and (pending or len(live_at) < 2):
            for host, url in urls.items():
                if host not in live_at and revision_of(url) == rev:
                    live_at[host] = time.monotonic() - approved_at
            for p, user in list(pending.items()):
                if any(MARKER in t for t in fake_zalo.texts_to(user)):
                    live_at[f"partition {p}"] = time.monotonic() - approved_at
                    del pending[p]
                else:
                    deliver(webhook, text_event(user, QUESTION), OA_SECRET, timeout=10)
            time.sleep(0.25)
        assert not pending, f"partitions never answered with the new text: {sorted(pending)}"
        assert {"a", "b"} <= set(live_at), f"web processes not on revision {rev}: {live_at}"
        slowest = max(live_at.values())
        assert slowest <= LIVE_WITHIN, f"slowest {slowest:.1f} s: {live_at}\n{procs.output()}"
        owners = {rdb.get(f"hosts:lease:inbound:{p}") for p in range(PARTITIONS)}
        assert owners == {"worker-a", "worker-b"}  # both workers answered some of them
    finally:
        codes = procs.stop()
    assert set(codes.values()) == {0}, f"unclean stop {codes}\n{procs.output()}"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
