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
# The fields of an FAQ entry, in the order a file and the console's editor show them.
ENTRY_FIELDS = (
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
    "reviewed_by",  # set from the approval of a console change
)
FAQ_KEYS = frozenset(ENTRY_FIELDS)
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
                self.error((*path, key), entry, f"thiếu trường {key}")
            return ""
        if not isinstance(value, str | int | float):
            self.error((*path, key), entry, f"{key} phải là chữ")
            return ""
        return str(value).strip()

    def strings(self, item: dict, path: tuple, entry: str, key: str) -> tuple[str, ...]:
        value = item.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.error(
                (*path, key), entry, f"{key} phải là danh sách các dòng chữ, không dòng nào trống"
            )
            return ()
        return tuple(v.strip() for v in value)

    def day(self, item: dict, path: tuple, entry: str, key: str) -> date | None:
        value = item.get(key)
        if value is None:
            self.error(
                (*path, key),
                entry,
                f"thiếu trường {key} (ngày dạng NĂM-THÁNG-NGÀY, ví dụ 2026-12-02)",
            )
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.error((*path, key), entry, f"{key} không phải ngày dạng NĂM-THÁNG-NGÀY: {value!r}")
            return None


def parse_faq(data: Any, c: Collector, groups: frozenset[str]) -> tuple[str, list[FaqEntry]]:
    """The version and entries of faq.yaml; problems go to the collector."""
    if not isinstance(data, dict):
        c.error((), "", "tệp câu hỏi phải có hai phần 'version' và 'entries'")
        return "", []
    version = c.text(data, (), "", "version")
    raw = data.get("entries")
    if not isinstance(raw, list) or not raw:
        c.error(("entries",), "", "entries phải là danh sách các mục, không được trống")
        return version, []
    entries = [e for i, item in enumerate(raw) if (e := _entry(item, ("entries", i), c, groups))]
    seen: set[str] = set()
    for i, e in enumerate(entries):
        if e.id in seen:
            c.error(("entries", i, "id"), e.id, "id bị trùng với một mục khác")
        seen.add(e.id)
    for e in entries:
        for rel in e.related:
            if rel not in seen or rel == e.id:
                c.issues.append(
                    Issue(
                        "error",
                        c.file,
                        e.line,
                        e.id,
                        f"related: không có mục {rel!r}, hoặc mục tự trỏ vào chính nó",
                    )
                )
    return version, entries


def _entry(item: Any, path: tuple, c: Collector, groups: frozenset[str]) -> FaqEntry | None:
    if not isinstance(item, dict):
        c.error(path, "", "mỗi mục phải gồm các trường id, group, question, answer…")
        return None
    entry_id = c.text(item, path, "", "id")
    if entry_id and not ID_RE.match(entry_id):
        c.error((*path, "id"), entry_id, "id chỉ gồm chữ thường không dấu và số, nối bằng dấu '-'")
    for key in set(item) - FAQ_KEYS:
        c.add("warning", (*path, key), entry_id, f"trường lạ {key!r}: bot bỏ qua trường này")
    group = c.text(item, path, entry_id, "group")
    if group and group not in groups:
        c.error((*path, "group"), entry_id, f"nhóm {group!r} không có trong danh sách nhóm")
    variants = c.strings(item, path, entry_id, "variants")
    if len(variants) < MIN_VARIANTS:
        c.error((*path, "variants"), entry_id, f"cần ít nhất {MIN_VARIANTS} cách hỏi (variants)")
    answer = c.text(item, path, entry_id, "answer")
    if "Nguồn:" in answer:
        c.add(
            "warning",
            (*path, "answer"),
            entry_id,
            "answer không cần ghi 'Nguồn:': bot tự thêm từ trường source",
        )
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
        c.error(
            (*path, "title"),
            entry_id,
            f"title dài quá {MAX_BUTTON_TITLE} ký tự (giới hạn nút của Zalo)",
        )
    reviewed = c.day(item, path, entry_id, "reviewed")
    review_by = c.day(item, path, entry_id, "review_by")
    if reviewed and review_by and review_by < reviewed:
        c.error((*path, "review_by"), entry_id, "review_by sớm hơn ngày reviewed")
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
        c.error((*path, "links"), entry, "links phải là danh sách {title, url}")
        return ()
    out = []
    for i, link in enumerate(raw):
        where = (*path, "links", i)
        if not isinstance(link, dict) or not link.get("title") or not link.get("url"):
            c.error(where, entry, "mỗi liên kết cần có title và url")
            continue
        url = str(link["url"]).strip()
        if not re.match(r"^https://[^\s/]+\.[^\s]+$", url):
            c.error(where, entry, f"liên kết phải là địa chỉ https://: {url!r}")
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
    c.error(
        path,
        entry,
        "hours phải là '24/7', null hoặc "
        '{days: mon-fri|mon-sat|daily, from: "07:00", to: "17:00"}',
    )
    return None


def check_phone(phone: Any, path: tuple, entry: str, c: Collector) -> str | None:
    if phone is None:
        return None
    text = str(phone).strip()
    if not PHONE_RE.match(phone_digits(text)):
        c.error(path, entry, f"không phải số điện thoại Việt Nam hợp lệ: {text!r}")
    return text


def parse_hotlines(data: Any, c: Collector) -> tuple[str, list[Hotline], list[District]]:
    """The version, lines and districts of hotlines.yaml."""
    if not isinstance(data, dict):
        c.error((), "", "tệp đường dây nóng phải có các phần 'version', 'lines' và 'districts'")
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
            c.add("warning", ("districts",), slug, "thiếu huyện/thành phố này")
    return version, [h for h in lines if h], [d for d in districts if d]


def _list(data: dict, key: str, c: Collector) -> list:
    value = data.get(key)
    if not isinstance(value, list):
        c.error((key,), "", f"{key} phải là danh sách")
        return []
    return value


def _unique(ids: list[str], key: str, c: Collector) -> None:
    for i, x in enumerate(ids):
        if x in ids[:i]:
            c.error((key, i), x, "id bị trùng với một mục khác")


def _verified(item: dict, path: tuple, entry: str, c: Collector) -> bool:
    value = item.get("verified")
    if not isinstance(value, bool):
        c.error((*path, "verified"), entry, "verified phải là true hoặc false")
        return False
    if not value and item.get("phone"):
        c.add(
            "warning",
            (*path, "phone"),
            entry,
            "số chưa được xác minh (verified: false): không bao giờ hiện cho người dân",
        )
    return value


def _hotline(item: Any, path: tuple, c: Collector) -> Hotline | None:
    if not isinstance(item, dict):
        c.error(path, "", "mỗi đường dây phải gồm các trường id, scope, name, phone…")
        return None
    hid = c.text(item, path, "", "id")
    scope = c.text(item, path, hid, "scope")
    if scope and scope not in ("national", "province"):
        c.error((*path, "scope"), hid, "scope phải là national hoặc province")
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
        c.error(path, "", "mỗi huyện phải gồm các trường slug, name, phone…")
        return None
    slug = c.text(item, path, "", "slug")
    if slug and slug not in DISTRICT_SLUGS:
        c.error(
            (*path, "slug"), slug, f"mã huyện không đúng (một trong: {', '.join(DISTRICT_SLUGS)})"
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
