"""Content changes with medical review: propose, approve (never by the author), reject, roll back,
and the history of every approved version.

Every new revision is checked by the same validator as `flask faq check` (`bot.content.validate`)
on the complete content it would make; an invalid one is refused and never goes live.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.content.documents import HOTLINES, Doc, Snapshot, changed_docs, jsonable
from bot.content.loader import Content, load_groups, parse_files
from bot.content.schema import ID_RE, Issue
from bot.content.validate import check
from bot.services import accounts
from bot.services.runtime import Runtime
from bot.store.content_versions import ContentVersions

log = logging.getLogger(__name__)

DISK_AUTHOR = "sửa trực tiếp trên máy chủ"
SEED_AUTHOR = "tệp trên máy chủ"
DEFAULT_REVIEW_DAYS = 180
COMMIT_ATTEMPTS = 8
KIND_NAMES = {
    "seed": "nạp lần đầu từ tệp",
    "edit": "sửa mục",
    "new": "thêm mục mới",
    "import": "nhập từ tệp",
    "rollback": "quay lại bản cũ",
    "disk": DISK_AUTHOR,
}


class ContentChangeError(Exception):
    """A change that cannot be made; the message (Vietnamese) is shown to the person."""

    status = 400


class ChangeNotFound(ContentChangeError):
    status = 404


class FourEyes(ContentChangeError):
    status = 403


class Conflict(ContentChangeError):
    status = 409


class Invalid(ContentChangeError):
    """The content the change would make does not pass `faq check`."""

    status = 422

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


# validating -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Validation:
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]
    content: Content | None

    @property
    def ok(self) -> bool:
        return not self.errors


def _named(issues: tuple[Issue, ...] | list[Issue], faq: str, hot: str) -> list[Issue]:
    names = {faq: "faq.yaml", hot: HOTLINES}
    return [replace(i, file=names.get(i.file, i.file)) for i in issues]


def validate(snapshot: Snapshot, docs: Mapping[str, Any] | None = None) -> Validation:
    """`faq check` on the complete content of `snapshot`; warnings only about `docs` when given."""
    with tempfile.TemporaryDirectory(prefix="nd-content-") as tmp:
        faq, hot = Path(tmp) / "faq.yaml", Path(tmp) / HOTLINES
        faq.write_text(snapshot.faq_text(load_groups()), "utf-8")
        hot.write_text(snapshot.hotlines_text(), "utf-8")
        report = check(faq, hot)
        issues = _named(report.issues, str(faq), str(hot))
    errors = tuple(i for i in issues if i.level == "error")
    warnings = [i for i in issues if i.level == "warning"]
    if docs is not None:
        names = set(docs)
        warnings = [
            w
            for w in warnings
            if w.entry in names
            or any(f" {n} " in f" {w.message} " for n in names)
            or (HOTLINES in names and w.file == HOTLINES)
        ]
    return Validation(errors, tuple(warnings), report.content)


def build_content(snapshot: Snapshot) -> tuple[Content | None, list[Issue]]:
    """The served Content of a snapshot (parsing only: it was checked when approved)."""
    with tempfile.TemporaryDirectory(prefix="nd-content-") as tmp:
        faq, hot = Path(tmp) / "faq.yaml", Path(tmp) / HOTLINES
        faq.write_text(snapshot.faq_text(), "utf-8")
        hot.write_text(snapshot.hotlines_text(), "utf-8")
        parsed = parse_files(faq, hot)
        return parsed.content, _named(parsed.errors, str(faq), str(hot))


def issue_text(issue: Issue) -> str:
    where = f"[{issue.entry}] " if issue.entry else ""
    return f"{where}{issue.message}"


# reading the live content -----------------------------------------------------------------
def store(rt: Runtime) -> ContentVersions:
    return ContentVersions(rt.redis, rt.keys)


def live(rt: Runtime) -> tuple[int, Snapshot]:
    """The revision being served and its snapshot; seeds an empty store from the files."""
    rev, raw = store(rt).live()
    if raw is None:
        from bot.services import content_files  # seeding reads the files on this host

        files = content_files.read_files(rt.settings.faq_path, rt.settings.hotlines_path)
        if files.snapshot is None:
            raise Conflict("Chưa có nội dung nào được duyệt và các tệp trên máy chủ đang có lỗi.")
        content_files.seed(rt, files)
        rev, raw = store(rt).live()
        if raw is None:
            raise Conflict("Chưa nạp được nội dung; thử lại sau ít giây.")
    return rev, Snapshot.from_json(raw)


def record(
    rt: Runtime, rev: int, value: Doc | None, *, kind: str, author: str, reviewer: str = "",
    change_id: str = "", comment: str = "",
) -> dict[str, Any]:  # fmt: skip
    return {
        "rev": rev,
        "value": jsonable(value),
        "kind": kind,
        "author": author,
        "reviewer": reviewer,
        "at": rt.now().isoformat(timespec="seconds"),
        "change_id": change_id,
        "comment": comment,
    }


def now_ms(rt: Runtime) -> int:
    return int(rt.now().timestamp() * 1000)


# proposing --------------------------------------------------------------------------------
def normalise_docs(docs: Mapping[str, Any]) -> dict[str, Doc]:
    """Check the shape of what was sent; entry documents carry their own id."""
    out: dict[str, Doc] = {}
    for name, value in docs.items():
        if not isinstance(value, dict):
            raise Invalid([f"[{name}] Nội dung gửi lên phải là một mục đầy đủ (JSON object)."])
        if name == HOTLINES:
            out[name] = jsonable(value)
            continue
        if not ID_RE.match(name):
            raise Invalid([f"Mã mục không hợp lệ: {name!r} (chữ thường không dấu nối bằng '-')."])
        if value.get("id", name) != name:
            raise Invalid([f"[{name}] Mã mục trong nội dung ({value.get('id')!r}) không khớp."])
        out[name] = jsonable({"id": name, **value})
    return out


def propose(
    rt: Runtime, docs: Mapping[str, Any], *, by: str, kind: str = "edit", note: str = ""
) -> dict[str, Any]:
    """Record a change for review after checking it; raises Invalid (422) when it fails."""
    clean = normalise_docs(docs)
    rev, snap = live(rt)
    current = snap.docs()
    if kind == "new":
        taken = [n for n in clean if n in current]
        if taken:
            raise Conflict(f"Đã có mục mang mã {taken[0]}; hãy sửa mục đó hoặc chọn mã khác.")
    elif kind == "edit":
        missing = [n for n in clean if n not in current]
        if missing:
            raise ChangeNotFound(f"Không có mục {missing[0]}.")
    diff = changed_docs({n: current.get(n) for n in clean}, clean)  # type: ignore[misc]
    if not diff:
        raise Invalid(["Nội dung giống hệt bản đang dùng: không có gì để duyệt."])
    checked = validate(snap.with_docs(diff), diff)
    if not checked.ok:
        raise Invalid([issue_text(i) for i in checked.errors])
    st = store(rt)
    change_id = st.new_change_id()
    change = {
        "id": change_id, "kind": kind, "docs": diff,
        "base": {n: st.version_count(n) for n in diff}, "base_rev": rev, "author": by,
        "created_at": rt.now().isoformat(timespec="seconds"), "status": "pending",
        "reviewer": "", "decided_at": "", "comment": "", "note": note[:500],
        "warnings": [issue_text(w) for w in checked.warnings],
    }  # fmt: skip
    st.add_change(change, now_ms(rt))
    accounts.audit(rt, by, "content.submit", change_id, ", ".join(diff)[:400])
    return change


def get_change(rt: Runtime, change_id: str) -> dict[str, Any]:
    change = store(rt).change(str(change_id))
    if change is None:
        raise ChangeNotFound(f"Không có thay đổi số {change_id}.")
    return change


def _reviewed(docs: Mapping[str, Doc | None], today: date, by: str) -> dict[str, Doc | None]:
    """FAQ entries carry the approval: `reviewed` today by `by`; a review-by date that is not
    after today moves forward by the entry's previous review interval (else 180 days)."""
    out: dict[str, Doc | None] = {}
    for name, value in docs.items():
        if name == HOTLINES or value is None:
            out[name] = value
            continue
        entry = dict(value)
        reviewed, review_by = _day(entry.get("reviewed")), _day(entry.get("review_by"))
        entry["reviewed"], entry["reviewed_by"] = today.isoformat(), by
        if review_by is None or review_by <= today:
            days = (review_by - reviewed).days if reviewed and review_by else 0
            step = timedelta(days=days if days > 0 else DEFAULT_REVIEW_DAYS)
            entry["review_by"] = (today + step).isoformat()
        out[name] = entry
    return out


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _refuse(rt: Runtime, by: str, action: str, change_id: str, why: str) -> None:
    accounts.audit(rt, by, action, change_id, why, outcome="refused")


def approve(rt: Runtime, change_id: str, *, by: str) -> dict[str, Any]:
    """Put a pending change live, as reviewed by `by` (never its author)."""
    st = store(rt)
    change = get_change(rt, change_id)
    if change["status"] != "pending":
        raise Conflict("Thay đổi này không còn chờ duyệt.")
    if by == change["author"]:
        _refuse(rt, by, "content.approve", change_id, "author")
        raise FourEyes(
            "Người soạn không được tự duyệt thay đổi của mình: cần một người duyệt khác."
        )
    for _ in range(COMMIT_ATTEMPTS):
        rev, snap = live(rt)
        for name, base in change["base"].items():
            if st.version_count(name) != base:
                raise Conflict(
                    f"Mục {name} đã được sửa sau khi thay đổi này được soạn. "
                    "Hãy trả lại để người soạn làm lại trên bản mới nhất."
                )
        docs = _reviewed(change["docs"], rt.now().date(), by)
        checked = validate(snap.with_docs(docs), docs)
        if not checked.ok:
            raise Invalid([issue_text(i) for i in checked.errors])
        now = rt.now().isoformat(timespec="seconds")
        done = {**change, "docs": docs, "status": "approved", "reviewer": by,
                "decided_at": now, "rev": rev + 1}  # fmt: skip
        history = {
            name: record(rt, rev + 1, value, kind=change["kind"], author=change["author"],
                          reviewer=by, change_id=change["id"], comment=change.get("note", ""))
            for name, value in docs.items()
        }  # fmt: skip
        new_rev = st.commit(
            rev, snap.with_docs(docs).to_json(), history, change=done, change_status="pending"
        )
        if new_rev == -2:
            raise Conflict("Thay đổi này vừa được người khác xử lý.")
        if new_rev > 0:
            accounts.audit(rt, by, "content.approve", change_id, f"revision {new_rev}")
            return done
    raise Conflict("Nội dung đang được thay đổi liên tục; thử lại sau.")


def reject(rt: Runtime, change_id: str, *, by: str, comment: str) -> dict[str, Any]:
    """Return a pending change to its author with the reviewer's comment."""
    change = get_change(rt, change_id)
    comment = comment.strip()[:2000]
    if not comment:
        raise Invalid(["Hãy ghi góp ý để người soạn biết cần sửa gì."])
    if change["status"] != "pending":
        raise Conflict("Thay đổi này không còn chờ duyệt.")
    if by == change["author"]:
        _refuse(rt, by, "content.reject", change_id, "author")
        raise FourEyes("Người soạn không tự trả lại thay đổi của mình: cần một người duyệt khác.")
    done = {**change, "status": "rejected", "reviewer": by, "comment": comment,
            "decided_at": rt.now().isoformat(timespec="seconds")}  # fmt: skip
    if not store(rt).set_change_if(done, "pending"):
        raise Conflict("Thay đổi này vừa được người khác xử lý.")
    accounts.audit(rt, by, "content.reject", change_id)
    return done


def rollback(rt: Runtime, doc: str, version: int, *, by: str) -> dict[str, Any]:
    """Put version `version` of a document live again, in one step, recorded like any change."""
    st = store(rt)
    for _ in range(COMMIT_ATTEMPTS):
        old = st.version(doc, version)
        if old is None:
            raise ChangeNotFound(f"Mục {doc} không có bản số {version}.")
        rev, snap = live(rt)
        value = old["value"]
        if jsonable(snap.doc(doc)) == value:
            raise Conflict(f"Bản số {version} đang được dùng rồi.")
        docs = {doc: value}
        checked = validate(snap.with_docs(docs), docs)
        if not checked.ok:
            raise Invalid([issue_text(i) for i in checked.errors])
        now = rt.now().isoformat(timespec="seconds")
        change_id = st.new_change_id()
        comment = f"quay lại bản {version}"
        change = {
            "id": change_id, "kind": "rollback", "docs": docs,
            "base": {doc: st.version_count(doc)}, "author": by, "created_at": now,
            "status": "approved", "reviewer": by, "decided_at": now, "comment": comment,
            "rev": rev + 1, "version": version,
        }  # fmt: skip
        history = {
            doc: record(rt, rev + 1, value, kind="rollback", author=by, reviewer=by,
                         change_id=change_id, comment=comment)
        }  # fmt: skip
        new_rev = st.commit(
            rev, snap.with_docs(docs).to_json(), history, change=change, index_ms=now_ms(rt)
        )
        if new_rev > 0:
            accounts.audit(rt, by, "content.rollback", doc, f"version {version} → rev {new_rev}")
            return change
    raise Conflict("Nội dung đang được thay đổi liên tục; thử lại sau.")


# reading ----------------------------------------------------------------------------------
def history(rt: Runtime, doc: str) -> list[dict[str, Any]]:
    """Every approved version of a document, newest first."""
    rows = store(rt).history(doc)
    if not rows:
        raise ChangeNotFound(f"Không có lịch sử cho {doc}.")
    return list(reversed(rows))


def changes(rt: Runtime, status: str = "", limit: int = 200) -> list[dict[str, Any]]:
    rows = store(rt).recent_changes(limit)
    return [c for c in rows if not status or c.get("status") == status]
