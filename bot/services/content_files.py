"""The files on this host and the approved content: seeding an empty store, taking in a direct
edit of the files as a change, `faq export` and `faq import`."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content.documents import HOTLINES, DocumentError, Snapshot, changed_docs, jsonable
from bot.content.lines import load_strict
from bot.content.loader import load_groups, parse_files
from bot.content.schema import Issue
from bot.services import accounts
from bot.services.content_changes import (
    COMMIT_ATTEMPTS,
    DISK_AUTHOR,
    SEED_AUTHOR,
    Conflict,
    Invalid,
    live,
    now_ms,
    propose,
    record,
    store,
    validate,
)
from bot.services.runtime import Runtime

log = logging.getLogger(__name__)


def files_digest(faq_bytes: bytes, hot_bytes: bytes) -> str:
    return hashlib.sha256(faq_bytes + b"\0" + hot_bytes).hexdigest()[:32]


@dataclass(frozen=True)
class FileState:
    digest: str
    snapshot: Snapshot | None
    errors: tuple[Issue, ...]


def digest_of_files(faq_path: str | Path, hot_path: str | Path) -> str:
    """The files' digest ("" when one cannot be read), without parsing them."""
    try:
        return files_digest(Path(faq_path).read_bytes(), Path(hot_path).read_bytes())
    except OSError:
        return ""


def read_files(faq_path: str | Path, hot_path: str | Path) -> FileState:
    """The files on this host, checked as the server loads them."""
    try:
        faq_bytes, hot_bytes = Path(faq_path).read_bytes(), Path(hot_path).read_bytes()
    except OSError as exc:
        return FileState("", None, (Issue("error", str(exc.filename or ""), None, "", str(exc)),))
    digest = files_digest(faq_bytes, hot_bytes)
    parsed = parse_files(faq_path, hot_path)
    if parsed.content is None:
        return FileState(digest, None, tuple(parsed.errors))
    try:
        snapshot = Snapshot.from_texts(faq_bytes.decode("utf-8"), hot_bytes.decode("utf-8"))
    except (DocumentError, UnicodeDecodeError) as exc:
        return FileState(digest, None, (Issue("error", str(faq_path), None, "", str(exc)),))
    return FileState(digest, snapshot, ())


def _filebase(files: FileState) -> dict[str, Any]:
    assert files.snapshot is not None
    return {"digest": files.digest, "snapshot": files.snapshot.to_json()}


def seed(rt: Runtime, files: FileState) -> int:
    """Fill an empty store from the files; 0 when another process seeded it first."""
    assert files.snapshot is not None
    snap = files.snapshot
    history = {
        name: record(rt, 1, value, kind="seed", author=SEED_AUTHOR)
        for name, value in snap.docs().items()
    }
    rev = store(rt).commit(
        0, snap.to_json(), history, filebase=_filebase(files), file_digest=files.digest
    )
    if rev > 0:
        accounts.audit(rt, SEED_AUTHOR, "content.seed", str(rev), f"{len(history)} documents")
    return max(rev, 0)


def sync_files(
    rt: Runtime, files: FileState, *, at_start: bool, before: Snapshot | None = None
) -> str:
    """Bring a valid edit of the files on this host into the store as an approved change by
    DISK_AUTHOR; returns what happened, for the log.

    At start, files the store has already seen (an older copy on a host not yet updated, or
    what `faq export` wrote) change nothing: the store is newer. A change noticed while running
    is an edit made on this host and is applied: only the documents that differ from what this
    host's files held `before` (else from what the store last took from files), so approved
    console changes and other hosts' edits to other entries are kept.
    """
    assert files.snapshot is not None
    st = store(rt)
    for _ in range(COMMIT_ATTEMPTS):
        rev, raw = st.live()
        if raw is None:
            if seed(rt, files):
                return "the store was empty: seeded from the files on this host"
            continue
        if at_start and st.knows_files(files.digest):
            return "the files on this host are a version the store already has"
        base = st.filebase() or {}
        if base.get("digest") == files.digest:
            return "the files on this host are what the store last took from files"
        if before is not None:
            earlier = before.docs()
        else:
            earlier = Snapshot.from_json(base["snapshot"]).docs() if base.get("snapshot") else {}
        docs = changed_docs(earlier, files.snapshot.docs())
        snap = Snapshot.from_json(raw)
        header_changed = jsonable(dict(files.snapshot.faq_header)) != jsonable(
            dict(snap.faq_header)
        )
        if not docs and not header_changed:
            if st.remember_files(rev, _filebase(files), files.digest):
                return "the files on this host changed only in layout"
            continue
        new = snap.with_docs(docs, header=files.snapshot.faq_header)
        checked = validate(new)
        if not checked.ok:
            log.warning(
                "content: a direct edit of the files conflicts with approved content; not applied",
                extra={"errors": [str(e) for e in checked.errors[:5]]},
            )
            return "the direct edit of the files does not fit the approved content: not applied"
        change_id = st.new_change_id()
        now = rt.now().isoformat(timespec="seconds")
        change = {
            "id": change_id, "kind": "disk", "docs": jsonable(docs), "base": {},
            "author": DISK_AUTHOR, "created_at": now, "status": "approved", "reviewer": "",
            "decided_at": now, "comment": "", "rev": rev + 1,
        }  # fmt: skip
        history = {
            name: record(rt, rev + 1, value, kind="disk", author=DISK_AUTHOR, change_id=change_id)
            for name, value in docs.items()
        }
        new_rev = st.commit(
            rev, new.to_json(), history, change=change, index_ms=now_ms(rt),
            filebase=_filebase(files), file_digest=files.digest,
        )  # fmt: skip
        if new_rev > 0:
            accounts.audit(rt, DISK_AUTHOR, "content.disk", change_id, ", ".join(docs)[:400])
            return f"the files on this host were edited directly: revision {new_rev}"
    raise Conflict("Nội dung đang được thay đổi liên tục; thử lại sau.")


def export(rt: Runtime, faq_path: str | Path, hot_path: str | Path) -> int:
    """Write the live content to the files; the store remembers them (a start with these files
    changes nothing). Returns the revision written."""
    st = store(rt)
    for _ in range(COMMIT_ATTEMPTS):
        rev, snap = live(rt)
        faq_text, hot_text = snap.faq_text(load_groups()), snap.hotlines_text()
        digest = files_digest(faq_text.encode("utf-8"), hot_text.encode("utf-8"))
        filebase = {"digest": digest, "snapshot": snap.to_json()}
        if st.remember_files(rev, filebase, digest):
            _write(Path(faq_path), faq_text)
            _write(Path(hot_path), hot_text)
            return rev
    raise Conflict("Nội dung đang được thay đổi liên tục; thử lại sau.")


def _write(path: Path, text: str) -> None:
    """Replace a file in one step (a reader sees the old or the new file, never half)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(path)


def import_file(rt: Runtime, path: str | Path, *, by: str) -> dict[str, Any]:
    """A faq.yaml- or hotlines.yaml-shaped file as one change for review."""
    text = Path(path).read_text("utf-8")
    _, snap = live(rt)
    try:
        data = load_strict(text)
    except Exception as exc:  # YAML errors of any kind: reported, nothing recorded
        raise Invalid([f"Tệp YAML không đọc được: {exc}"]) from exc
    if isinstance(data, dict) and "entries" in data:
        other = Snapshot.from_texts(text, snap.hotlines_text())
        docs = {n: v for n, v in changed_docs(snap.docs(), other.docs()).items() if n != HOTLINES}
    elif isinstance(data, dict) and ("lines" in data or "districts" in data):
        docs = {HOTLINES: jsonable(data)}
    else:
        raise Invalid(["Tệp không có dạng faq.yaml (entries) hay hotlines.yaml (lines)."])
    removed = [n for n, v in docs.items() if v is None]
    if removed:
        raise Invalid([f"Tệp nhập thiếu mục {', '.join(removed[:5])}: nhập không xoá mục."])
    return propose(rt, docs, by=by, kind="import", note=f"nhập từ {Path(path).name}")
