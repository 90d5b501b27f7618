"""The content pages of the console: list and search, editor with checks and "Thử câu hỏi" on the
draft, review with four eyes, history and rollback, "Thêm vào mục…" from unanswered questions."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.services import accounts
from bot.services import content_changes as svc
from bot.services.runtime import Runtime
from bot.store.stats import Stats
from tests.admin_support import (
    PASSWORD,
    console_app,
    console_env,
    fast_hashing,  # noqa: F401  (autouse)
    login,
    post,
)

ENTRY = "an-toan-vac-xin"


@pytest.fixture
def app(redis_url: str, tmp_path: Path) -> Flask:
    return console_app(console_env(redis_url, tmp_path))


@pytest.fixture
def rt(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["bot"]
    for name, role in (("mai", "staff"), ("hung", "reviewer"), ("lan", "reviewer"),
                       ("an", "officer")):  # fmt: skip
        accounts.add_user(runtime, name, role, PASSWORD, by="test")
    return runtime


def as_(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def text(resp) -> str:  # type: ignore[no-untyped-def]
    return str(resp.get_data(as_text=True))


def edit_form(client: FlaskClient, entry_id: str = ENTRY, **query: str) -> dict[str, str]:
    """The editor's fields as the browser would send them back."""
    page = text(client.get(f"/admin/content/entries/{entry_id}/edit", query_string=query))
    fields = {}
    for name in ("id", "question", "title", "source", "reviewed", "review_by"):
        found = re.search(rf'name="{name}" (?:type="\w+" )?value="([^"]*)"', page)
        fields[name] = found.group(1) if found else ""
    for name in ("variants", "answer", "details", "references", "related", "links"):
        found = re.search(rf'<textarea id="{name}" name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
        fields[name] = found.group(1) if found else ""
    fields["group"] = re.search(r'<option value="([^"]+)" selected>', page).group(1)  # type: ignore[union-attr]
    return {
        k: v.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
        for k, v in fields.items()
    }


def test_roles_see_the_content_pages_they_may(app: Flask, rt: Runtime) -> None:
    assert as_(app, "an").get("/admin/content/entries").status_code == 403
    for name in ("mai", "hung"):
        client = as_(app, name)
        assert client.get("/admin/content/entries").status_code == 200
        assert client.get(f"/admin/content/entries/{ENTRY}/edit").status_code == 200
        assert client.get(f"/admin/content/entries/{ENTRY}/history").status_code == 200


def test_the_list_searches_with_or_without_diacritics_and_shows_figures(
    app: Flask, rt: Runtime
) -> None:
    stats = Stats(rt.redis, rt.keys)
    today = rt.now().date().isoformat()
    for _ in range(3):
        stats.record_turn(today, "faq", "answered", ENTRY)
    stats.feedback(ENTRY, "down")
    client = as_(app, "mai")
    for q in ("vắc xin có an toàn", "vac xin co an toan"):
        page = text(client.get("/admin/content/entries", query_string={"q": q}))
        assert f"<code>{ENTRY}</code>" in page, q
    page = text(client.get("/admin/content/entries", query_string={"q": "vac xin co an toan"}))
    row = page.split(f"<code>{ENTRY}</code>")[1].split("</tr>")[0]
    assert re.findall(r'class="num">(\d+)<', row) == ["0", "1", "3"]  # 👍 👎 answers this month
    page = text(client.get("/admin/content/entries", query_string={"group": "an-toan"}))
    assert "dang-ky" not in re.sub(r"<select.*?</select>", "", page, flags=re.S)


def test_overdue_review_dates_show_in_red(app: Flask, rt: Runtime) -> None:
    _, snap = svc.live(rt)
    doc = {**snap.entries[ENTRY], "reviewed": "2020-01-01", "review_by": "2020-06-01"}
    rt.redis.set(rt.keys.content("live"), snap.with_docs({ENTRY: doc}).to_json())
    page = text(as_(app, "mai").get("/admin/content/entries"))
    row = page.split(f"<code>{ENTRY}</code>")[1].split("</tr>")[0]
    assert 'class="review-overdue"' in row and "quá hạn" in row


def test_edit_try_submit_review_approve_history_rollback(app: Flask, rt: Runtime) -> None:
    staff = as_(app, "mai")
    form = edit_form(staff)
    original = form["answer"]
    form["answer"] = "Dạ, vắc xin đã được Bộ Y tế cấp phép và theo dõi an toàn chặt chẽ."
    form["variants"] += "\nchich vac xin co hai gi khong"
    # An invalid draft: errors in Vietnamese, nothing recorded.
    bad = post(staff, f"/admin/content/entries/{ENTRY}/edit",
               {**form, "variants": "một\nhai", "action": "submit"})  # fmt: skip
    assert bad.status_code == 200 and 'class="errors"' in text(bad)
    assert svc.changes(rt) == []
    # Try a question on the draft: the new variant reaches this entry.
    trying = {**form, "action": "try", "try_text": "chich vac xin co hai gi khong"}
    tried = post(staff, f"/admin/content/entries/{ENTRY}/edit", trying)
    page = text(tried)
    assert f'<code id="try-entry">{ENTRY}</code>' in page and 'id="try-score"' in page
    live = post(staff, f"/admin/content/entries/{ENTRY}/check", form)
    assert live.get_json()["errors"] == []
    sent = post(staff, f"/admin/content/entries/{ENTRY}/edit", {**form, "action": "submit"})
    assert sent.status_code == 302
    change_id = sent.headers["Location"].rsplit("/", 1)[1]
    review = text(staff.get(f"/admin/content/changes/{change_id}"))
    assert "Câu trả lời" in review and "Cách người dân hay hỏi" in review
    assert "+ chich vac xin co hai gi khong" in review
    assert staff.post(f"/admin/content/changes/{change_id}/approve").status_code in (400, 403)
    assert post(staff, f"/admin/content/changes/{change_id}/approve").status_code == 403
    reviewer = as_(app, "hung")
    done = post(reviewer, f"/admin/content/changes/{change_id}/approve", follow_redirects=True)
    assert "Đã duyệt" in text(done)
    _, snap = svc.live(rt)
    assert snap.entries[ENTRY]["answer"] == form["answer"]
    assert snap.entries[ENTRY]["reviewed_by"] == "hung"
    approved = text(reviewer.get(f"/admin/content/changes/{change_id}"))
    assert "+ chich vac xin co hai gi khong" in approved and "Mã mục" not in approved
    history = text(reviewer.get(f"/admin/content/entries/{ENTRY}/history"))
    assert "Bản 2" in history and "đang dùng" in history and "người duyệt: <strong>hung" in history
    back = post(reviewer, f"/admin/content/entries/{ENTRY}/rollback", {"version": "1"},
                follow_redirects=True)  # fmt: skip
    assert "Đã quay lại bản 1" in text(back)
    _, snap = svc.live(rt)
    assert snap.entries[ENTRY]["answer"] == original.replace("\r\n", "\n").strip()
    assert (
        post(staff, f"/admin/content/entries/{ENTRY}/rollback", {"version": "2"}).status_code == 403
    )


def test_a_reviewer_cannot_approve_their_own_change_in_the_console(app: Flask, rt: Runtime) -> None:
    reviewer = as_(app, "hung")
    form = {**edit_form(reviewer), "source": "Bộ Y tế, 2021", "action": "submit"}
    sent = post(reviewer, f"/admin/content/entries/{ENTRY}/edit", form)
    change_id = sent.headers["Location"].rsplit("/", 1)[1]
    page = text(reviewer.get(f"/admin/content/changes/{change_id}"))
    assert "không thể tự duyệt" in page and 'id="approve-button"' not in page
    refused = post(reviewer, f"/admin/content/changes/{change_id}/approve", follow_redirects=True)
    assert "không được tự duyệt" in text(refused)
    assert svc.get_change(rt, change_id)["status"] == "pending"
    other = as_(app, "lan")
    returned = post(other, f"/admin/content/changes/{change_id}/reject",
                    {"comment": "Ghi rõ số quyết định"}, follow_redirects=True)  # fmt: skip
    assert "Đã trả lại" in text(returned) and "Ghi rõ số quyết định" in text(returned)


def test_add_to_entry_from_the_unanswered_questions(app: Flask, rt: Runtime) -> None:
    Stats(rt.redis, rt.keys).log_unanswered("vac xin nay co an toan cho nguoi 0912***")
    staff = as_(app, "mai")
    page = text(staff.get("/admin/content/unanswered"))
    assert "Thêm vào mục…" in page
    asked = "vac xin nay co an toan cho nguoi 0912345678"
    resp = staff.get("/admin/content/add-variant", query_string={"entry": ENTRY, "text": asked})
    assert resp.status_code == 302
    form = edit_form(staff, **dict(parse_qsl(resp.headers["Location"].split("?", 1)[1])))
    assert form["variants"].splitlines()[-1].startswith("vac xin nay co an toan cho nguoi")
    assert "0912345678" not in form["variants"]


def test_hotlines_are_edited_through_the_same_flow(app: Flask, rt: Runtime) -> None:
    staff = as_(app, "mai")
    page = text(staff.get("/admin/content/entries/hotlines.yaml/edit"))
    yaml_text = re.search(r'<textarea id="yaml" name="yaml"[^>]*>(.*?)</textarea>', page, re.S)
    assert yaml_text
    body = yaml_text.group(1).replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")
    wrong = body.replace("phone: 1900 9095", "phone: 123")
    broken = post(
        staff, "/admin/content/entries/hotlines.yaml/edit", {"yaml": wrong, "action": "submit"}
    )
    assert broken.status_code == 200 and 'class="errors"' in text(broken)
    edited = body.replace("verified_on: 2026-11-27", "verified_on: 2026-11-28", 1)
    sent = post(
        staff, "/admin/content/entries/hotlines.yaml/edit", {"yaml": edited, "action": "submit"}
    )
    assert sent.status_code == 302
    change_id = sent.headers["Location"].rsplit("/", 1)[1]
    assert "Đường dây nóng" in text(staff.get(f"/admin/content/changes/{change_id}"))


def test_a_new_entry_is_drafted_in_the_console_and_goes_live_when_approved(
    app: Flask, rt: Runtime
) -> None:
    staff = as_(app, "mai")
    assert staff.get("/admin/content/entries/new?group=an-toan").status_code == 200
    form = {
        "id": "vac-xin-cho-nguoi-cao-tuoi",
        "group": "an-toan",
        "question": "Người cao tuổi tiêm vắc xin COVID-19 có an toàn không?",
        "variants": "\n".join(
            [
                "ông bà già rồi tiêm vắc xin được không",
                "nguoi gia tiem vac xin co sao khong",
                "bà tôi 80 tuổi có nên chích ngừa không",
                "người trên 65 tuổi tiêm covid có an toàn",
                "ong toi 75 tuoi tiem duoc khong",
                "người già có bệnh nền có tiêm được không",
            ]
        ),
        "answer": "Dạ, người cao tuổi được ưu tiên tiêm; bác sĩ sẽ khám sàng lọc trước khi tiêm.",
        "source": "Bộ Y tế, Quyết định 5785/QĐ-BYT (21/12/2021)",
        "reviewed": "2026-11-27",
        "review_by": "2027-05-27",
        "action": "submit",
    }
    sent = post(staff, "/admin/content/entries/new", form)
    assert sent.status_code == 302, text(sent)
    change_id = sent.headers["Location"].rsplit("/", 1)[1]
    assert "Mục mới" in text(staff.get(f"/admin/content/changes/{change_id}"))
    assert post(as_(app, "hung"), f"/admin/content/changes/{change_id}/approve").status_code == 302
    page = text(staff.get("/admin/content/entries/vac-xin-cho-nguoi-cao-tuoi"))
    assert "Người cao tuổi tiêm vắc xin COVID-19 có an toàn không?" in page
    assert post(staff, "/admin/content/entries/new", form).status_code == 200  # the id is taken


def test_the_content_page_says_which_approved_revision_is_served(app: Flask, rt: Runtime) -> None:
    rt.__dict__.pop("content_watcher")  # the served content as in production, not the files
    page = text(as_(app, "mai").get("/admin/content"))
    assert "nội dung đã duyệt trong Redis (phiên bản 1)" in page
    assert "bản 1 · faq" in page
