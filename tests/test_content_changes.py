"""Content changes through the API against a real Redis: roles, four eyes, validation, history,
rollback; the served content following the store; direct edits of the files; a Redis restart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.config import settings_from
from bot.services import accounts, content_files
from bot.services import content_changes as svc
from bot.services.content_source import ContentSource
from bot.services.runtime import Runtime
from bot.web.admin_api import admin_api
from bot.web.admin_content_api import content_api
from tests.conftest import ROOT
from tests.redis_server import RedisServer

FIXTURES = ROOT / "tests" / "fixtures"
TOKENS = {
    "staff": "tok-staff-0123456789abcdef",
    "staff2": "tok-staff2-0123456789abcdef",
    "reviewer": "tok-reviewer-0123456789abcdef",
    "reviewer2": "tok-reviewer2-0123456789abcdef",
    "reviewer-as-admin": "tok-rev-admin-0123456789abcdef",
    "officer": "tok-officer-0123456789abcdef",
}
SPEC = ",".join(
    [
        f"chi:staff:{TOKENS['staff']}",
        f"hoa:staff:{TOKENS['staff2']}",
        f"dung:reviewer:{TOKENS['reviewer']}",
        f"lan:reviewer:{TOKENS['reviewer2']}",
        f"dung:admin:{TOKENS['reviewer-as-admin']}",  # the same person holding a second role
        f"an:officer:{TOKENS['officer']}",
    ]
)
ENTRY = "sot-sau-tiem"
NEW_ANSWER = "Dạ, sốt dưới 38,5 °C bạn chườm ấm và uống nhiều nước; cao hơn thì dùng thuốc hạ sốt."


def copy_files(where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "faq.yaml", where / "faq.yaml")
    shutil.copy(FIXTURES / "hotlines.yaml", where / "hotlines.yaml")
    return where


def runtime(redis_url: str, files: Path) -> Runtime:
    env = {
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": "cc:",
        "FAQ_PATH": str(files / "faq.yaml"),
        "HOTLINES_PATH": str(files / "hotlines.yaml"),
        "ADMIN_API_TOKENS": SPEC,
        "INSTANCE_PATH": str(files / "instance"),
    }
    rt = Runtime(settings_from(env))
    people = (("chi", "staff"), ("hoa", "staff"), ("dung", "reviewer"), ("lan", "reviewer"),
              ("an", "officer"))  # fmt: skip
    for name, role in people:
        if accounts.named_account(rt, name) is None:  # the API tokens' console accounts
            accounts.add_user(rt, name, role, "mật-khẩu-đủ-dài-2021", by="test")
    return rt


@pytest.fixture
def files(tmp_path: Path) -> Path:
    return copy_files(tmp_path / "host-a")


@pytest.fixture
def rt(redis_url: str, files: Path) -> Runtime:
    return runtime(redis_url, files)


@pytest.fixture
def client(rt: Runtime) -> FlaskClient:
    app = Flask("content_api_test")
    app.config["TESTING"] = True
    app.extensions["bot"] = rt
    app.register_blueprint(admin_api)
    app.register_blueprint(content_api)
    return app.test_client()


def auth(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[who]}"}


def entry(client: FlaskClient, entry_id: str = ENTRY) -> dict:
    resp = client.get(f"/admin/api/content/entries/{entry_id}", headers=auth("staff"))
    assert resp.status_code == 200, resp.get_json()
    return dict(resp.get_json())


def submit(client: FlaskClient, who: str = "staff", **fields: object) -> str:
    body = {**entry(client), "answer": NEW_ANSWER, **fields}
    resp = client.put(f"/admin/api/content/entries/{ENTRY}", json=body, headers=auth(who))
    assert resp.status_code == 202, resp.get_json()
    return str(resp.get_json()["change_id"])


def approve(client: FlaskClient, change_id: str, who: str = "reviewer"):  # type: ignore[no-untyped-def]
    return client.post(f"/admin/api/content/changes/{change_id}/approve", headers=auth(who))


def test_the_store_is_seeded_from_the_files_and_entries_read_as_in_faq_yaml(
    client: FlaskClient,
) -> None:
    resp = client.get("/admin/api/content/entries", headers=auth("reviewer"))
    assert resp.status_code == 200 and resp.headers["X-Content-Revision"] == "1"
    rows = resp.get_json()
    assert [r["id"] for r in rows][:2] == ["sot-sau-tiem", "dau-hieu-nguy-hiem"]
    first = rows[0]
    assert first["answer"].startswith("Dạ, sốt dưới 38,5 °C") and first["reviewed"] == "2022-01-01"
    assert first["related"] == ["dau-hieu-nguy-hiem"] and len(first["variants"]) == 6
    hist = client.get(f"/admin/api/content/history?entry={ENTRY}", headers=auth("staff"))
    (v1,) = hist.get_json()
    assert v1["version"] == 1 and v1["author"] == svc.SEED_AUTHOR and v1["kind"] == "seed"
    missing = client.get("/admin/api/content/entries/khong-co", headers=auth("staff"))
    assert missing.status_code == 404


def test_a_change_goes_live_only_when_another_reviewer_approves_it(
    client: FlaskClient, rt: Runtime
) -> None:
    served = ContentSource(rt, rt.settings.faq_path, rt.settings.hotlines_path)
    change_id = submit(client, "reviewer")  # a reviewer may write too
    assert entry(client)["answer"] != NEW_ANSWER  # nothing live before approval
    for path in ("reviewer", "reviewer-as-admin"):  # the author, by any of their roles
        resp = approve(client, change_id, path)
        assert resp.status_code == 403 and "tự duyệt" in resp.get_json()["error"]
    assert approve(client, change_id, "staff").status_code == 403  # staff may not approve
    resp = approve(client, change_id, "reviewer2")
    assert resp.status_code == 200 and resp.get_json()["status"] == "approved"
    live = entry(client)
    today = rt.now().date().isoformat()
    assert live["answer"] == NEW_ANSWER
    assert live["reviewed"] == today and live["reviewed_by"] == "lan"
    assert live["review_by"] > today  # the overdue review date moved forward
    assert approve(client, change_id, "reviewer2").status_code == 409  # done already
    assert served.poll() is True
    assert served.current.entries[ENTRY].answer == NEW_ANSWER
    rows = svc.store(rt).history(ENTRY)
    assert [(r["author"], r["reviewer"]) for r in rows] == [(svc.SEED_AUTHOR, ""), ("dung", "lan")]
    audit = [f for _i, f in rt.redis.xrange(rt.keys.audit())]
    actions = [(a["who"], a["action"], a["outcome"]) for a in audit if "content." in a["action"]]
    assert ("dung", "content.submit", "ok") in actions
    assert ("dung", "content.approve", "refused") in actions
    assert ("lan", "content.approve", "ok") in actions


def test_roles_are_enforced(client: FlaskClient) -> None:
    body = {**entry(client), "answer": NEW_ANSWER}
    put = client.put(f"/admin/api/content/entries/{ENTRY}", json=body, headers=auth("officer"))
    assert put.status_code == 403
    assert client.get("/admin/api/content/entries", headers=auth("officer")).status_code == 403
    assert client.get("/admin/api/content/entries").status_code == 401
    change_id = submit(client)
    rollback = client.post(
        f"/admin/api/content/entries/{ENTRY}/rollback", json={"version": 1}, headers=auth("staff2")
    )
    assert rollback.status_code == 403
    reject = client.post(
        f"/admin/api/content/changes/{change_id}/reject", json={"comment": "x"},
        headers=auth("staff2"),
    )  # fmt: skip
    assert reject.status_code == 403


def test_invalid_content_is_refused_with_reasons_and_never_recorded(
    client: FlaskClient, rt: Runtime
) -> None:
    before = entry(client)
    bad = {**before, "variants": ["chỉ một cách hỏi"], "links": [{"title": "x", "url": "http://a"}]}
    resp = client.put(f"/admin/api/content/entries/{ENTRY}", json=bad, headers=auth("staff"))
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert len(errors) >= 2 and all(e.startswith(f"[{ENTRY}]") for e in errors)
    new = {**before, "id": "muc-moi", "related": ["khong-ton-tai"]}
    resp = client.post("/admin/api/content/entries", json=new, headers=auth("staff"))
    assert resp.status_code == 422
    wrong_id = client.put(
        f"/admin/api/content/entries/{ENTRY}", json={**before, "id": "khac"}, headers=auth("staff")
    )
    assert wrong_id.status_code == 422
    same = client.put(f"/admin/api/content/entries/{ENTRY}", json=before, headers=auth("staff"))
    assert same.status_code == 422  # nothing to review
    assert svc.changes(rt) == [] and entry(client) == before


def test_a_new_entry_is_created_through_review(client: FlaskClient) -> None:
    new = {**entry(client), "id": "sot-o-tre-em", "question": "Trẻ bị sốt sau tiêm thì làm gì?"}
    new.pop("related")
    resp = client.post("/admin/api/content/entries", json=new, headers=auth("staff"))
    assert resp.status_code == 202
    again = client.post(
        "/admin/api/content/entries", json={**new, "id": ENTRY}, headers=auth("staff")
    )
    assert again.status_code == 409
    assert approve(client, resp.get_json()["change_id"]).status_code == 200
    assert entry(client, "sot-o-tre-em")["question"] == "Trẻ bị sốt sau tiêm thì làm gì?"


def test_reject_needs_a_comment_and_returns_the_change(client: FlaskClient) -> None:
    change_id = submit(client)
    path = f"/admin/api/content/changes/{change_id}/reject"
    assert client.post(path, json={}, headers=auth("reviewer")).status_code == 422
    resp = client.post(path, json={"comment": "Thiếu liều thuốc hạ sốt"}, headers=auth("reviewer"))
    assert resp.status_code == 200
    shown = client.get(f"/admin/api/content/changes/{change_id}", headers=auth("staff")).get_json()
    assert shown["status"] == "rejected" and shown["comment"] == "Thiếu liều thuốc hạ sốt"
    assert approve(client, change_id).status_code == 409
    assert entry(client)["answer"] != NEW_ANSWER


def test_history_and_one_step_rollback(client: FlaskClient, rt: Runtime) -> None:
    original = entry(client)["answer"]
    assert approve(client, submit(client)).status_code == 200
    rows = client.get(f"/admin/api/content/history?entry={ENTRY}", headers=auth("staff")).get_json()
    assert [r["version"] for r in rows] == [2, 1]  # newest first
    assert rows[0]["author"] == "chi" and rows[0]["reviewer"] == "dung" and rows[0]["at"]
    path = f"/admin/api/content/entries/{ENTRY}/rollback"
    assert client.post(path, json={"version": 9}, headers=auth("reviewer")).status_code == 404
    assert client.post(path, json={"version": "1"}, headers=auth("reviewer")).status_code == 422
    resp = client.post(path, json={"version": 1}, headers=auth("reviewer"))
    assert resp.status_code == 200, resp.get_json()
    assert entry(client)["answer"] == original
    rows = client.get(f"/admin/api/content/history?entry={ENTRY}", headers=auth("staff")).get_json()
    assert [(r["version"], r["kind"]) for r in rows] == [(3, "rollback"), (2, "edit"), (1, "seed")]
    assert client.post(path, json={"version": 1}, headers=auth("reviewer")).status_code == 409


def test_a_change_made_on_an_older_version_cannot_be_approved(client: FlaskClient) -> None:
    first, second = submit(client), submit(client, "staff2", answer=NEW_ANSWER + " Cảm ơn bạn.")
    assert approve(client, first).status_code == 200
    resp = approve(client, second)
    assert resp.status_code == 409 and "đã được sửa" in resp.get_json()["error"]


def test_hotlines_go_through_the_same_flow(client: FlaskClient) -> None:
    hot = entry(client, "hotlines.yaml")
    hot["lines"][0]["phone"] = "12345"  # not a Vietnamese number
    path = "/admin/api/content/entries/hotlines.yaml"
    assert client.put(path, json=hot, headers=auth("staff")).status_code == 422
    hot["lines"][0]["note"] = "Gọi miễn phí"
    hot["lines"][0]["phone"] = entry(client, "hotlines.yaml")["lines"][0]["phone"]
    resp = client.put(path, json=hot, headers=auth("staff"))
    assert resp.status_code == 202
    assert approve(client, resp.get_json()["change_id"]).status_code == 200
    assert entry(client, "hotlines.yaml")["lines"][0]["note"] == "Gọi miễn phí"


def test_a_direct_edit_of_the_files_is_taken_in_and_shown_in_the_history(
    rt: Runtime, files: Path, redis_url: str, tmp_path: Path
) -> None:
    source = ContentSource(rt, files / "faq.yaml", files / "hotlines.yaml")
    assert source.revision == 1 and "seeded" in source.reason
    faq = files / "faq.yaml"
    faq.write_text(faq.read_text("utf-8").replace("chườm ấm", "chườm mát"), "utf-8")
    assert source.poll() is True
    assert "chườm mát" in source.current.entries[ENTRY].answer
    newest = svc.history(rt, ENTRY)[0]
    assert newest["author"] == svc.DISK_AUTHOR and newest["kind"] == "disk"
    assert len(svc.history(rt, "dau-hieu-nguy-hiem")) == 1  # only what changed
    # Another host still holding the original files does not undo the edit when it starts.
    other = copy_files(tmp_path / "host-b")
    rt_b = runtime(redis_url, other)
    source_b = ContentSource(rt_b, other / "faq.yaml", other / "hotlines.yaml")
    assert "chườm mát" in source_b.current.entries[ENTRY].answer
    assert "already has" in source_b.reason
    # An invalid edit is not taken in: the last good version keeps serving.
    faq.write_text(faq.read_text("utf-8").replace("group: sau-tiem", "group: khong-co"), "utf-8")
    good = source.current
    assert source.poll() is False and source.current is good
    assert source.status()["errors"] and source.status()["revision"] == 2


def test_a_console_change_survives_a_later_direct_edit_of_another_entry(
    client: FlaskClient, rt: Runtime, files: Path
) -> None:
    source = ContentSource(rt, files / "faq.yaml", files / "hotlines.yaml")
    assert approve(client, submit(client)).status_code == 200
    faq = files / "faq.yaml"
    faq.write_text(faq.read_text("utf-8").replace("gọi 115", "gọi ngay 115"), "utf-8")
    source.poll()
    assert source.current.entries[ENTRY].answer == NEW_ANSWER
    assert "gọi ngay 115" in source.current.entries["dau-hieu-nguy-hiem"].answer


def test_export_writes_the_files_and_a_start_with_them_changes_nothing(
    client: FlaskClient, rt: Runtime, files: Path
) -> None:
    assert approve(client, submit(client)).status_code == 200
    rev = content_files.export(rt, files / "faq.yaml", files / "hotlines.yaml")
    assert rev == 2 and NEW_ANSWER in (files / "faq.yaml").read_text("utf-8")
    source = ContentSource(rt, files / "faq.yaml", files / "hotlines.yaml")
    assert source.revision == 2 and source.current.entries[ENTRY].answer == NEW_ANSWER
    assert len(svc.history(rt, ENTRY)) == 2


def test_approved_versions_survive_a_redis_restart(tmp_path: Path) -> None:
    server = RedisServer("--appendonly", "yes", "--appendfsync", "always").start()
    try:
        rt = runtime(server.url, copy_files(tmp_path / "host"))
        _, snap = svc.live(rt)
        change = svc.propose(rt, {ENTRY: {**snap.entries[ENTRY], "answer": NEW_ANSWER}}, by="chi")
        svc.approve(rt, change["id"], by="dung")
        server.restart()
        rt2 = runtime(server.url, tmp_path / "host")
        assert [r["author"] for r in svc.history(rt2, ENTRY)] == ["chi", svc.SEED_AUTHOR]
        source = ContentSource(rt2, rt2.settings.faq_path, rt2.settings.hotlines_path)
        assert source.revision == 2 and source.current.entries[ENTRY].answer == NEW_ANSWER
    finally:
        server.stop()


def test_a_host_with_older_files_edits_one_entry_without_undoing_another_hosts_edit(
    rt: Runtime, files: Path, redis_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    other = copy_files(tmp_path / "host-b")  # still the original files
    caplog.set_level("INFO", logger="bot.services.content_source")
    source_a = ContentSource(rt, files / "faq.yaml", files / "hotlines.yaml")
    assert "serving revision 1 (the store was empty: seeded" in caplog.text
    rt_b = runtime(redis_url, other)
    source_b = ContentSource(rt_b, other / "faq.yaml", other / "hotlines.yaml")
    faq_a = files / "faq.yaml"
    faq_a.write_text(faq_a.read_text("utf-8").replace("chườm ấm", "chườm mát"), "utf-8")
    assert source_a.poll() is True
    faq_b = other / "faq.yaml"
    faq_b.write_text(faq_b.read_text("utf-8").replace("gọi 115", "gọi ngay 115"), "utf-8")
    assert source_b.poll() is True
    served = source_b.current.entries
    assert "chườm mát" in served[ENTRY].answer  # host A's edit is kept
    assert "gọi ngay 115" in served["dau-hieu-nguy-hiem"].answer
    assert [r["kind"] for r in svc.history(rt, ENTRY)] == ["disk", "seed"]
