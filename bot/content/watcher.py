"""Hot reload: watch both content files, swap in a new valid version, keep the last good one."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.content.loader import Content, parse_files
from bot.content.schema import Issue
from bot.errors import ContentError

log = logging.getLogger(__name__)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(b"\0missing")
        h.update(b"\0")
    return h.hexdigest()


class ContentWatcher:
    """`.current` is the last good Content; `.poll()` reloads when a file changed."""

    def __init__(self, faq_path: str | os.PathLike[str], hotlines_path: str | os.PathLike[str]):
        self.faq_path, self.hotlines_path = Path(faq_path), Path(hotlines_path)
        self._lock = threading.Lock()
        self._current: Content | None = None
        self._stamps: tuple[Any, Any] | None = None
        self._digest = ""
        self._errors: tuple[Issue, ...] = ()
        self.loaded_at: datetime | None = None
        self.last_checked: datetime | None = None
        self.poll()

    @property
    def current(self) -> Content:
        content = self._current
        if content is None:
            first = self._errors[0] if self._errors else None
            raise ContentError(
                first.message if first else "content not loaded",
                file=first.file if first else "",
                line=first.line if first else None,
                entry=first.entry if first else "",
            )
        return content

    def poll(self, now: datetime | None = None) -> bool:
        """Reload if either file's mtime, size or bytes changed; True when a new version is live."""
        with self._lock:
            self.last_checked = now or self.last_checked
            stamps = (_stamp(self.faq_path), _stamp(self.hotlines_path))
            if stamps == self._stamps:
                return False
            self._stamps = stamps
            digest = _digest(self.faq_path, self.hotlines_path)
            if digest == self._digest:
                return False
            self._digest = digest
            return self._reload(now)

    def _reload(self, now: datetime | None) -> bool:
        parsed = parse_files(self.faq_path, self.hotlines_path)
        if parsed.content is None:
            self._errors = tuple(parsed.errors)
            log.warning(
                "content edit rejected, keeping the last good version",
                extra={"errors": [str(e) for e in self._errors[:5]]},
            )
            return False
        self._current, self._errors = parsed.content, ()
        self.loaded_at = now or self.loaded_at
        return True

    def status(self) -> dict[str, Any]:
        content = self._current
        return {
            "version": content.version if content else None,
            "hash": content.content_hash if content else None,
            "loaded_at": self.loaded_at.isoformat() if self.loaded_at else None,
            "last_checked": self.last_checked.isoformat() if self.last_checked else None,
            "errors": [e.as_dict() for e in self._errors],
        }
