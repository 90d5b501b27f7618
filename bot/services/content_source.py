"""The content a process serves: the approved revision in Redis, followed by every web and worker
process on every host; the files on this host seed an empty store and a direct edit of them is
taken in as a change.

Like the file watcher before it, it swaps a complete new Content in at once and keeps the last
good version when a new one cannot be built. Without Redis at start it serves the files.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.content.documents import Snapshot
from bot.content.loader import Content, parse_files
from bot.content.schema import Issue
from bot.content.watcher import _stamp
from bot.errors import ContentError, StoreUnavailable
from bot.services import content_changes as changes
from bot.services import content_files
from bot.services.runtime import Runtime
from bot.store.client import RedisError

log = logging.getLogger(__name__)


class ContentSource:
    """`.current` is the last good Content; `.poll()` follows the store and the files."""

    def __init__(self, rt: Runtime, faq_path: str | Path, hotlines_path: str | Path):
        self.rt = rt
        self.faq_path, self.hotlines_path = Path(faq_path), Path(hotlines_path)
        self._lock = threading.Lock()
        self._current: Content | None = None
        self._rev = -1
        self._source = ""
        self._stamps: tuple[Any, Any] | None = None
        self._file_digest = ""
        self._files: Snapshot | None = None  # the last valid files seen on this host
        self._started = False
        self._file_errors: tuple[Issue, ...] = ()
        self._errors: tuple[Issue, ...] = ()
        self._store_down = False
        self.reason = ""
        self.loaded_at: datetime | None = None
        self.last_checked: datetime | None = None
        self.poll()

    @property
    def current(self) -> Content:
        content = self._current
        if content is None:
            errors = self._errors or self._file_errors
            first = errors[0] if errors else None
            raise ContentError(
                first.message if first else "content not loaded",
                file=first.file if first else "",
                line=first.line if first else None,
                entry=first.entry if first else "",
            )
        return content

    @property
    def revision(self) -> int:
        return self._rev

    def poll(self, now: datetime | None = None) -> bool:
        """Take in a direct edit of the files, then swap in a newer approved revision; True when a
        new version is live."""
        with self._lock:
            self.last_checked = now or self.last_checked
            try:
                self._sync_files()
                changed = self._follow_store(now)
                if self._store_down:
                    log.info("content: Redis reachable again", extra={"revision": self._rev})
                self._store_down = False
                return changed
            except (RedisError, StoreUnavailable) as exc:
                if not self._store_down:
                    log.warning("content: Redis unreachable", extra={"error": type(exc).__name__})
                self._store_down = True
                if self._current is None:
                    return self._serve_files(now)
                return False

    # the files on this host --------------------------------------------------------------
    def _sync_files(self) -> None:
        stamps = (_stamp(self.faq_path), _stamp(self.hotlines_path))
        if stamps == self._stamps and self._started:
            return
        same = content_files.digest_of_files(self.faq_path, self.hotlines_path) == self._file_digest
        if self._started and self._file_digest and same:
            self._stamps = stamps  # touched, not changed
            return
        files = content_files.read_files(self.faq_path, self.hotlines_path)
        if files.snapshot is None:
            self._file_errors = files.errors
            log.warning(
                "content: the files on this host are invalid; they are not taken in",
                extra={"errors": [str(e) for e in files.errors[:5]]},
            )
            if not self._started and changes.store(self.rt).revision() > 0:
                self.reason = "the files on this host are invalid; serving the approved content"
        else:
            self._file_errors = ()
            self.reason = content_files.sync_files(
                self.rt, files, at_start=not self._started, before=self._files
            )
            self._files = files.snapshot
            log.info("content: %s", self.reason)
        self._stamps, self._file_digest, self._started = stamps, files.digest, True

    # the approved content ----------------------------------------------------------------
    def _follow_store(self, now: datetime | None) -> bool:
        st = changes.store(self.rt)
        if st.revision() == self._rev and self._source == "store":
            return False
        rev, raw = st.live()
        if raw is None or (rev == self._rev and self._source == "store"):
            return False
        content, errors = changes.build_content(Snapshot.from_json(raw))
        if content is None:
            self._errors = tuple(errors)
            log.warning(
                "content: revision %s cannot be built; keeping the last good version",
                rev,
                extra={"errors": [str(e) for e in errors[:5]]},
            )
            return False
        first = self._rev < 0
        self._current = replace(content, version=f"bản {rev} · {content.version}")
        self._rev, self._source, self._errors = rev, "store", ()
        self.loaded_at = now or self.loaded_at
        if first:
            log.info("content: serving revision %s (%s)", rev, self.reason or "from the store")
        else:
            log.info("content: now serving revision %s", rev)
        return True

    def _serve_files(self, now: datetime | None) -> bool:
        parsed = parse_files(self.faq_path, self.hotlines_path)
        if parsed.content is None:
            self._file_errors = tuple(parsed.errors)
            return False
        self._current, self._source = parsed.content, "files"
        self.reason = "Redis unreachable: serving the files on this host"
        self.loaded_at = now or self.loaded_at
        log.warning("content: %s", self.reason)
        return True

    def status(self) -> dict[str, Any]:
        content = self._current
        return {
            "version": content.version if content else None,
            "hash": content.content_hash if content else None,
            "revision": self._rev if self._rev >= 0 else None,
            "source": self._source or None,
            "reason": self.reason,
            "loaded_at": self.loaded_at.isoformat() if self.loaded_at else None,
            "last_checked": self.last_checked.isoformat() if self.last_checked else None,
            "errors": [e.as_dict() for e in (*self._errors, *self._file_errors)],
        }
