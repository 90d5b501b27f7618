"""Turn parsed YAML into content types, collecting every problem with its file and line."""

from __future__ import annotations

import re
from collections.abc import Hashable
from datetime import date, time
from typing import Any

from bot.content.lines import LineMap
from bot.content.schema import (
    DAY_SETS,
    DISTRICT_SLUGS,
    ID_RE,
    PHONE_RE,
    District,
    FaqEntry,
    Hotline,
    Hours,
    Issue,
    Level,
    Link,
    phone_digits,
)

MIN_VARIANTS = 6
FAQ_KEYS = frozenset(
    [
        "id",
        "group",
        "question",
        "title",
        "variants",
        "answer",
        "details",
        "source",
        "references",
        "related",
        "links",
        "reviewed",
        "review_by",
    ]
)
MAX_BUTTON_TITLE = 35  # Zalo button titles
# The answer shown first is read on a phone: longer detail goes in `details` ("Xem thêm").
MAX_ANSWER = 600
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class Collector:
    """Issues found in one file, each placed at a line."""

    def __init__(self, file: str, lines: LineMap):
        self.file, self.lines = file, lines
        self.issues: list[Issue] = []

    def add(self, level: Level, path: tuple[Hashable, ...], entry: str, message: str) -> None:
        self.issues.append(Issue(level, self.file, self.lines.line(*path), entry, message))

    def error(self, path: tuple[Hashable, ...], entry: str, message: str) -> None:
        self.add("error", path, entry, message)

    def text(self, item: dict, path: tuple, entry: str, key: str, required: bool = True) -> str:
        value = item.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error((*path, key), entry, f"missing {key}")
            return ""
        if not isinstance(value, str | int | float):
            self.error((*path, key), entry, f"{key} must be text")
            return ""
        return str(value).strip()

    def strings(self, item: dict, path: tuple, entry: str, key: str) -> tuple[str, ...]:
        value = item.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.error((*path, key), entry, f"{key} must be a list of non-empty texts")
            return ()
        return tuple(v.strip() for v in value)

    def day(self, item: dict, path: tuple, entry: str, key: str) -> date | None:
        value = item.get(key)
        if value is None:
            self.error((*path, key), entry, f"missing {key} (YYYY-MM-DD)")
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.error((*path, key), entry, f"{key} is not a date (YYYY-MM-DD): {value!r}")
            return None


def parse_faq(data: Any, c: Collector, groups: frozenset[str]) -> tuple[str, list[FaqEntry]]:
    """The version and entries of faq.yaml; problems go to the collector."""
    if not isinstance(data, dict):
        c.error((), "", "faq file must be a mapping with 'version' and 'entries'")
        return "", []
    version = c.text(data, (), "", "version")
    raw = data.get("entries")
    if not isinstance(raw, list) or not raw:
        c.error(("entries",), "", "entries must be a non-empty list")
        return version, []
    entries = [e for i, item in enumerate(raw) if (e := _entry(item, ("entries", i), c, groups))]
    seen: set[str] = set()
    for i, e in enumerate(entries):
        if e.id in seen:
            c.error(("entries", i, "id"), e.id, "duplicate id")
        seen.add(e.id)
    for e in entries:
        for rel in e.related:
            if rel not in seen or rel == e.id:
                c.issues.append(
                    Issue("error", c.file, e.line, e.id, f"related: unknown or self id {rel!r}")
                )
    return version, entries


def _entry(item: Any, path: tuple, c: Collector, groups: frozenset[str]) -> FaqEntry | None:
    if not isinstance(item, dict):
        c.error(path, "", "an entry must be a mapping")
        return None
    entry_id = c.text(item, path, "", "id")
    if entry_id and not ID_RE.match(entry_id):
        c.error((*path, "id"), entry_id, "id must be lower-case words joined by '-'")
    for key in set(item) - FAQ_KEYS:
        c.add("warning", (*path, key), entry_id, f"unknown field {key!r}")
    group = c.text(item, path, entry_id, "group")
    if group and group not in groups:
        c.error((*path, "group"), entry_id, f"unknown group {group!r}")
    variants = c.strings(item, path, entry_id, "variants")
    if len(variants) < MIN_VARIANTS:
        c.error((*path, "variants"), entry_id, f"needs at least {MIN_VARIANTS} variants")
    answer = c.text(item, path, entry_id, "answer")
    if "Nguồn:" in answer:
        c.add("warning", (*path, "answer"), entry_id, "answer repeats 'Nguồn:' (added by the bot)")
    if len(answer) > MAX_ANSWER:
        c.error(
            (*path, "answer"),
            entry_id,
            f"answer dài {len(answer)} ký tự, tối đa {MAX_ANSWER}: "
            'chuyển phần chi tiết sang trường details (nút "Xem thêm")',
        )
    details = c.text(item, path, entry_id, "details", required=False)
    title = c.text(item, path, entry_id, "title", required=False)
    if len(title) > MAX_BUTTON_TITLE:
        c.error((*path, "title"), entry_id, f"title longer than {MAX_BUTTON_TITLE} characters")
    reviewed = c.day(item, path, entry_id, "reviewed")
    review_by = c.day(item, path, entry_id, "review_by")
    if reviewed and review_by and review_by < reviewed:
        c.error((*path, "review_by"), entry_id, "review_by is before reviewed")
    return FaqEntry(
        id=entry_id,
        group=group,
        question=c.text(item, path, entry_id, "question"),
        title=title,
        variants=variants,
        answer=answer,
        details=details,
        source=c.text(item, path, entry_id, "source"),
        references=c.strings(item, path, entry_id, "references"),
        related=c.strings(item, path, entry_id, "related"),
        links=_links(item, path, entry_id, c),
        reviewed=reviewed,
        review_by=review_by,
        line=c.lines.line(*path),
    )


def _links(item: dict, path: tuple, entry: str, c: Collector) -> tuple[Link, ...]:
    raw = item.get("links") or []
    if not isinstance(raw, list):
        c.error((*path, "links"), entry, "links must be a list of {title, url}")
        return ()
    out = []
    for i, link in enumerate(raw):
        where = (*path, "links", i)
        if not isinstance(link, dict) or not link.get("title") or not link.get("url"):
            c.error(where, entry, "a link needs a title and a url")
            continue
        url = str(link["url"]).strip()
        if not re.match(r"^https://[^\s/]+\.[^\s]+$", url):
            c.error(where, entry, f"link must be an https:// address: {url!r}")
        out.append(Link(str(link["title"]).strip(), url))
    return tuple(out)


def parse_hours(value: Any, path: tuple, entry: str, c: Collector) -> Hours | None:
    """'24/7', {days, from, to} or null."""
    if value is None:
        return None
    if value == "24/7":
        return Hours(always=True)
    if isinstance(value, dict):
        days, start, end = value.get("days"), str(value.get("from", "")), str(value.get("to", ""))
        m1, m2 = _HHMM.match(start), _HHMM.match(end)
        if days in DAY_SETS and m1 and m2:
            t1, t2 = time(int(m1[1]), int(m1[2])), time(int(m2[1]), int(m2[2]))
            if t1 < t2:
                return Hours(days=str(days), start=t1, end=t2)
    c.error(path, entry, "hours must be '24/7', null or {days: mon-fri|mon-sat|daily, from, to}")
    return None


def check_phone(phone: Any, path: tuple, entry: str, c: Collector) -> str | None:
    if phone is None:
        return None
    text = str(phone).strip()
    if not PHONE_RE.match(phone_digits(text)):
        c.error(path, entry, f"not a Vietnamese phone number: {text!r}")
    return text


def parse_hotlines(data: Any, c: Collector) -> tuple[str, list[Hotline], list[District]]:
    """The version, lines and districts of hotlines.yaml."""
    if not isinstance(data, dict):
        c.error((), "", "hotlines file must be a mapping with 'version', 'lines', 'districts'")
        return "", [], []
    version = c.text(data, (), "", "version")
    lines = [_hotline(x, ("lines", i), c) for i, x in enumerate(_list(data, "lines", c))]
    districts = [
        _district(x, ("districts", i), c) for i, x in enumerate(_list(data, "districts", c))
    ]
    _unique([h.id for h in lines if h], "lines", c)
    _unique([d.slug for d in districts if d], "districts", c)
    known = {d.slug for d in districts if d}
    for slug in DISTRICT_SLUGS:
        if slug not in known:
            c.add("warning", ("districts",), slug, "district missing")
    return version, [h for h in lines if h], [d for d in districts if d]


def _list(data: dict, key: str, c: Collector) -> list:
    value = data.get(key)
    if not isinstance(value, list):
        c.error((key,), "", f"{key} must be a list")
        return []
    return value


def _unique(ids: list[str], key: str, c: Collector) -> None:
    for i, x in enumerate(ids):
        if x in ids[:i]:
            c.error((key, i), x, "duplicate id")


def _verified(item: dict, path: tuple, entry: str, c: Collector) -> bool:
    value = item.get("verified")
    if not isinstance(value, bool):
        c.error((*path, "verified"), entry, "verified must be true or false")
        return False
    if not value and item.get("phone"):
        c.add("warning", (*path, "phone"), entry, "unverified number: it is never shown")
    return value


def _hotline(item: Any, path: tuple, c: Collector) -> Hotline | None:
    if not isinstance(item, dict):
        c.error(path, "", "a line must be a mapping")
        return None
    hid = c.text(item, path, "", "id")
    scope = c.text(item, path, hid, "scope")
    if scope and scope not in ("national", "province"):
        c.error((*path, "scope"), hid, "scope must be national or province")
    free = item.get("free")
    return Hotline(
        id=hid,
        scope=scope,
        name=c.text(item, path, hid, "name"),
        phone=check_phone(item.get("phone"), (*path, "phone"), hid, c),
        hours=parse_hours(item.get("hours"), (*path, "hours"), hid, c),
        source=c.text(item, path, hid, "source"),
        verified=_verified(item, path, hid, c),
        free=free if isinstance(free, bool) else None,
        note=c.text(item, path, hid, "note", required=False),
        verified_on=c.day(item, path, hid, "verified_on") if item.get("verified_on") else None,
        line=c.lines.line(*path),
    )


def _district(item: Any, path: tuple, c: Collector) -> District | None:
    if not isinstance(item, dict):
        c.error(path, "", "a district must be a mapping")
        return None
    slug = c.text(item, path, "", "slug")
    if slug and slug not in DISTRICT_SLUGS:
        c.error(
            (*path, "slug"), slug, f"unknown district slug (one of {', '.join(DISTRICT_SLUGS)})"
        )
    return District(
        slug=slug,
        name=c.text(item, path, slug, "name"),
        short=c.text(item, path, slug, "short", required=False) or c.text(item, path, slug, "name"),
        aliases=c.strings(item, path, slug, "aliases"),
        health_centre=c.text(item, path, slug, "health_centre", required=False),
        phone=check_phone(item.get("phone"), (*path, "phone"), slug, c),
        hours=parse_hours(item.get("hours"), (*path, "hours"), slug, c),
        source=c.text(item, path, slug, "source", required=bool(item.get("phone"))),
        verified=_verified(item, path, slug, c),
        line=c.lines.line(*path),
    )
