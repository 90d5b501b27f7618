"""The /admin/api JSON API: bearer tokens, roles, the broadcast operations, and the audit trail."""

from __future__ import annotations

import csv
import io
import time

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from bot.config import settings_from
from bot.model import Effect
from bot.services import accounts
from bot.services.broadcasts import run_broadcasts_once
from bot.services.runtime import Runtime
from bot.services.subscriptions import apply_effect
from bot.web.admin_api import admin_api, parse_tokens
from tests.admin_support import PASSWORD, fast_hashing  # noqa: F401  (autouse fixture)
from tests.conftest import ROOT

TOKENS = {
    "officer": "tok-officer-0123456789abcdef",
    "approver": "tok-approver-0123456789abcdef",
    "staff": "tok-staff-0123456789abcdef",
    "an-approver": "tok-an-approves-0123456789abcdef",
}
SPEC = ",".join(
    [
        f"An:officer:{TOKENS['officer']}",
        f"Binh:approver:{TOKENS['approver']}",
        f"Chi:staff:{TOKENS['staff']}",
        f"An:approver:{TOKENS['an-approver']}",  # the same officer holding both roles
        "broken-entry",
        "Dung:superuser:tok-dung-0123456789abcdef",  # not a role
    ]
)


@pytest.fixture
def app(redis_url: str) -> Flask:
    env = {
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": "api:",
        "SUBSCRIPTIONS_PATH": str(ROOT / "subscriptions.yaml"),
        "BROADCAST_QUIET_HOURS": "",
        "ADMIN_API_TOKENS": SPEC,
    }
    app = Flask("admin_api_test")
    app.config["TESTING"] = True
    rt = Runtime(settings_from(env))
    app.extensions["bot"] = rt
    app.register_blueprint(admin_api)
    for name, role in (("an", "approver"), ("binh", "approver"), ("chi", "staff")):
        accounts.add_user(rt, name, role, PASSWORD, by="test")  # the tokens' console accounts
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def draft(client: FlaskClient, **body: object) -> str:
    payload = {"topic": "lich-tiem", "districts": ["hai-hau"], "text": "Lịch tiêm", **body}
    resp = client.post("/admin/api/broadcasts", json=payload, headers=auth("officer"))
    assert resp.status_code == 201, resp.get_json()
    return str(resp.get_json()["id"])


def audit_rows(app: Flask) -> list[dict[str, str]]:
    rt: Runtime = app.extensions["bot"]
    rows = [fields for _id, fields in rt.redis.xrange(rt.keys.audit())]
    return [r for r in rows if r["action"] != "account.add"]  # the fixture's own accounts


def test_token_spec_parsing_skips_bad_entries() -> None:
    parsed = parse_tokens(SPEC)
    assert [(o.name, o.role) for _t, o in parsed] == [
        ("An", "officer"), ("Binh", "approver"), ("Chi", "staff"), ("An", "approver"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer nope-nope-nope-nope-nope", f"Basic {TOKENS['officer']}",
     f"Bearer {TOKENS['officer']}x"],
)  # fmt: skip
def test_calls_without_a_valid_token_are_refused_and_counted_not_audited(
    app: Flask, client: FlaskClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    resp = client.get("/admin/api/broadcasts", headers=headers)
    assert resp.status_code == 401 and "bearer token" in resp.get_json()["error"]
    assert audit_rows(app) == []
    assert refusals(app) == {("api_token",): 1}


def refusals(app: Flask) -> dict[tuple[str, ...], float]:
    rt: Runtime = app.extensions["bot"]
    return dict(rt.metrics.snapshot().get("console_refusals", {}))  # type: ignore[arg-type]


def test_a_flood_of_anonymous_calls_leaves_the_audit_alone_and_is_rate_limited(
    app: Flask, client: FlaskClient
) -> None:
    draft(client)  # one audited call before the flood
    codes = [client.get("/admin/api/broadcasts").status_code for _ in range(300)]
    assert codes.count(401) == 30 and codes.count(429) == 270
    assert [r["action"] for r in audit_rows(app)] == ["api.create_broadcast"]
    assert refusals(app) == {("api_token",): 30, ("api_throttled",): 270}
    elsewhere = {"REMOTE_ADDR": "192.0.2.8"}
    resp = client.get("/admin/api/broadcasts", headers=auth("officer"), environ_base=elsewhere)
    assert resp.status_code == 200
    assert len(audit_rows(app)) == 2


def test_officer_creates_and_approver_approves(app: Flask, client: FlaskClient) -> None:
    bid = draft(client)
    shown = client.get(f"/admin/api/broadcasts/{bid}", headers=auth("approver")).get_json()
    assert shown["status"] == "draft" and shown["created_by"] == "an"
    assert shown["counts"]["total"] == 0
    resp = client.post(f"/admin/api/broadcasts/{bid}/approve", headers=auth("approver"))
    assert resp.status_code == 200 and resp.get_json()["status"] == "scheduled"
    assert resp.get_json()["approved_by"] == "binh"


def test_roles_limit_what_each_token_may_do(client: FlaskClient) -> None:
    bid = draft(client)
    assert (
        client.post(f"/admin/api/broadcasts/{bid}/approve", headers=auth("officer")).status_code
        == 403
    )
    assert client.get("/admin/api/broadcasts", headers=auth("staff")).status_code == 403
    body = {"topic": "tin-tuc", "text": "x"}
    assert client.post("/admin/api/broadcasts", json=body, headers=auth("staff")).status_code == 403
    assert client.get("/admin/api/subscriptions", headers=auth("staff")).status_code == 200


def test_self_approval_is_refused_even_with_an_approver_token(client: FlaskClient) -> None:
    bid = draft(client)  # created by An (officer token)
    resp = client.post(f"/admin/api/broadcasts/{bid}/approve", headers=auth("an-approver"))
    assert resp.status_code == 403 and "cần một cán bộ khác duyệt" in resp.get_json()["error"]


def test_errors_map_to_statuses(client: FlaskClient) -> None:
    bad = client.post("/admin/api/broadcasts", json={"topic": "xo-so", "text": "x"},
                      headers=auth("officer"))  # fmt: skip
    assert bad.status_code == 400 and "không có chủ đề" in bad.get_json()["error"]
    not_json = client.post("/admin/api/broadcasts", data="x", headers=auth("officer"))
    assert not_json.status_code == 400
    bad_districts = client.post("/admin/api/broadcasts", json={"topic": "lich-tiem", "text": "x",
                                "districts": "hai-hau"}, headers=auth("officer"))  # fmt: skip
    assert bad_districts.status_code == 400
    assert client.get("/admin/api/broadcasts/99", headers=auth("officer")).status_code == 404
    bid = draft(client)
    assert (
        client.post(f"/admin/api/broadcasts/{bid}/cancel", headers=auth("officer")).status_code
        == 200
    )
    again = client.post(f"/admin/api/broadcasts/{bid}/cancel", headers=auth("officer"))
    assert again.status_code == 409
    assert client.get("/admin/api/broadcasts?limit=x", headers=auth("officer")).status_code == 400


def test_preview_report_and_per_recipient_states(app: Flask, client: FlaskClient) -> None:
    rt: Runtime = app.extensions["bot"]
    for i in range(5):
        user = f"u{i}"
        apply_effect(rt, user, Effect("subscribe", {"topic": "lich-tiem", "district": "hai-hau"}))
        if i < 3:
            rt.redis.set(rt.keys.last_seen(user), int(time.time() * 1000))
    bid = draft(client)
    preview = client.get(f"/admin/api/broadcasts/{bid}/preview", headers=auth("officer")).get_json()
    assert (preview["audience"], preview["reachable_now"], preview["pending_notice"]) == (5, 3, 2)
    client.post(f"/admin/api/broadcasts/{bid}/approve", headers=auth("approver"))
    run_broadcasts_once(rt)
    rep = client.get(f"/admin/api/broadcasts/{bid}/report", headers=auth("approver")).get_json()
    assert rep["counts"]["sent"] == 3 and rep["counts"]["pending"] == 2
    assert rep["reasons"]["pending"] == {"window": 2}
    page = client.get(f"/admin/api/broadcasts/{bid}/recipients?offset=1&limit=2",
                      headers=auth("officer")).get_json()  # fmt: skip
    assert [r["user_id"] for r in page["recipients"]] == ["u1", "u2"]
    resp = client.get(f"/admin/api/broadcasts/{bid}/recipients.csv", headers=auth("officer"))
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert len(rows) == 5 and {r["state"] for r in rows} == {"sent", "pending"}
    listed = client.get("/admin/api/broadcasts", headers=auth("officer")).get_json()
    assert [(b["id"], b["status"]) for b in listed] == [(bid, "done")]


def test_every_call_is_audited_with_who_what_and_outcome(app: Flask, client: FlaskClient) -> None:
    bid = draft(client)
    client.post(f"/admin/api/broadcasts/{bid}/approve", headers=auth("officer"))  # refused: role
    client.post(f"/admin/api/broadcasts/{bid}/approve", headers=auth("approver"))
    client.get(f"/admin/api/broadcasts/{bid}", headers=auth("staff"))  # refused: role
    rows = audit_rows(app)
    assert [(r["who"], r["action"], r["target"], r["outcome"]) for r in rows] == [
        ("an", "api.create_broadcast", "", "ok"),
        ("an", "api.approve_broadcast", bid, "refused 403"),
        ("binh", "api.approve_broadcast", bid, "ok"),
        ("chi", "api.show_broadcast", bid, "refused 403"),
    ]
    assert all("via api" in r["detail"] for r in rows)


def test_subscriber_counts_hold_no_resident_ids(
    app: Flask, client: FlaskClient, rdb: redis.Redis
) -> None:
    rt: Runtime = app.extensions["bot"]
    apply_effect(rt, "1234567890", Effect("subscribe", {"topic": "tin-tuc"}))
    resp = client.get("/admin/api/subscriptions", headers=auth("officer"))
    assert resp.get_json()["tin-tuc"] == {"*": 1} and "1234567890" not in resp.get_data(
        as_text=True
    )


def test_a_token_whose_name_is_no_account_is_refused(app: Flask, client: FlaskClient) -> None:
    rt: Runtime = app.extensions["bot"]
    accounts.remove_user(rt, "binh", by="test")
    resp = client.get("/admin/api/broadcasts", headers=auth("approver"))
    assert resp.status_code == 403 and "not a console account" in resp.get_json()["error"]


def test_api_approval_needs_an_account_with_the_approver_role(
    app: Flask, client: FlaskClient
) -> None:
    rt: Runtime = app.extensions["bot"]
    bid = draft(client)
    accounts.remove_user(rt, "binh", by="test")
    accounts.add_user(rt, "binh", "officer", PASSWORD, by="test")  # the token says approver
    resp = client.post(f"/admin/api/broadcasts/{bid}/approve", headers=auth("approver"))
    assert resp.status_code == 403 and "không có quyền duyệt" in resp.get_json()["error"]


def test_deeply_nested_json_is_a_400_not_a_500(client: FlaskClient) -> None:
    nested = b"[" * 200_000 + b"]" * 200_000
    headers = {**auth("officer"), "Content-Type": "application/json"}
    resp = client.post("/admin/api/broadcasts", data=nested, headers=headers)
    assert resp.status_code == 400 and "JSON object" in resp.get_json()["error"]
    deep = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    assert client.post("/admin/api/broadcasts", data=deep, headers=headers).status_code == 400
