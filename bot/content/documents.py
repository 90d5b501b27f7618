"""The content as documents: each FAQ entry, and the hotlines file as a whole, kept as the plain
data of the YAML files, so it round-trips through JSON (the store) and YAML (the files) unchanged,
fields this module does not know included.

A `Snapshot` is one complete version of both files: the faq header (``version``), the entries in
order, the hotlines document and each file's leading comment. Documents are named by the FAQ
entry id, or `HOTLINES` for hotlines.yaml.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from bot.content.lines import load_strict
from bot.content.parse import ENTRY_FIELDS

HOTLINES = "hotlines.yaml"
DATE_KEYS = frozenset({"reviewed", "review_by", "verified_on"})
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIELD_NAMES = {
    "id": "Mã mục",
    "group": "Nhóm chủ đề",
    "question": "Câu hỏi",
    "title": "Chữ trên nút",
    "variants": "Cách người dân hay hỏi",
    "answer": "Câu trả lời",
    "details": "Giải thích thêm",
    "source": "Nguồn",
    "references": "Tài liệu tham khảo",
    "related": "Mục liên quan",
    "links": "Liên kết",
    "reviewed": "Ngày rà soát",
    "review_by": "Hạn rà soát lại",
    "reviewed_by": "Người rà soát",
    "lines": "Đường dây nóng",
    "districts": "Huyện/thành phố",
    "version": "Phiên bản",
}

Doc = dict[str, Any]


class DocumentError(ValueError):
    """The text is not the shape of faq.yaml / hotlines.yaml (message in Vietnamese)."""


def jsonable(value: Any) -> Any:
    """Dates as ISO text, recursively: what JSON and the store keep."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _yamlable(value: Any, key: str = "") -> Any:
    """ISO dates under the date keys back to dates, so the files show them unquoted."""
    if key in DATE_KEYS and isinstance(value, str) and _ISO_DAY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: _yamlable(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_yamlable(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key; multi-line text as a literal block."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(value: Any) -> str:
    return yaml.dump(
        _yamlable(jsonable(value)),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=1000,
        default_flow_style=False,
    )


def _leading_comment(text: str) -> str:
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith("#") or (out and not line.strip()):
            out.append(line)
        else:
            break
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


@dataclass(frozen=True)
class Snapshot:
    """One complete version of faq.yaml and hotlines.yaml, as data."""

    faq_header: Mapping[str, Any]
    entries: Mapping[str, Doc]  # in file order
    hotlines: Doc
    comments: Mapping[str, str] = field(default_factory=dict)

    # documents ---------------------------------------------------------------------------
    def docs(self) -> dict[str, Doc]:
        return {**{k: dict(v) for k, v in self.entries.items()}, HOTLINES: dict(self.hotlines)}

    def doc(self, name: str) -> Doc | None:
        if name == HOTLINES:
            return dict(self.hotlines)
        entry = self.entries.get(name)
        return dict(entry) if entry is not None else None

    def with_docs(
        self, changes: Mapping[str, Doc | None], header: Mapping[str, Any] | None = None
    ) -> Snapshot:
        """A new snapshot with `changes` applied (None removes an entry); a new entry goes after
        the last entry of its group."""
        entries = {k: dict(v) for k, v in self.entries.items()}
        hotlines = dict(self.hotlines)
        for name, value in changes.items():
            if name == HOTLINES:
                if value is None:
                    raise DocumentError("Không thể xoá tệp đường dây nóng.")
                hotlines = dict(value)
            elif value is None:
                entries.pop(name, None)
            elif name in entries:
                entries[name] = dict(value)
            else:
                entries = _insert(entries, name, dict(value))
        return Snapshot(dict(header or self.faq_header), entries, hotlines, dict(self.comments))

    # text ----------------------------------------------------------------------------------
    def faq_text(self, group_names: Mapping[str, str] | None = None) -> str:
        parts = [self.comments.get("faq", "")] if self.comments.get("faq") else []
        parts.append(dump_yaml(dict(self.faq_header)).rstrip("\n"))
        parts.append("entries:")
        group = None
        for entry in self.entries.values():
            if group_names is not None and entry.get("group") != group:
                group = entry.get("group")
                name = group_names.get(str(group), "")
                parts.append(f"\n  # ───────────── {group}: {name} ─────────────\n")
            block = dump_yaml([entry]).rstrip("\n")
            parts.append("\n".join("  " + line if line else line for line in block.split("\n")))
        return "\n".join(parts) + "\n"

    def hotlines_text(self) -> str:
        parts = [self.comments.get("hotlines", "")] if self.comments.get("hotlines") else []
        parts.append(dump_yaml(dict(self.hotlines)).rstrip("\n"))
        return "\n".join(parts) + "\n"

    # JSON ----------------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(
            {
                "faq_header": jsonable(dict(self.faq_header)),
                "entries": [jsonable(e) for e in self.entries.values()],
                "hotlines": jsonable(self.hotlines),
                "comments": dict(self.comments),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        data = json.loads(text)
        entries = {str(e["id"]): e for e in data["entries"]}
        return cls(data["faq_header"], entries, data["hotlines"], data.get("comments") or {})

    @classmethod
    def from_texts(cls, faq_text: str, hotlines_text: str) -> Snapshot:
        """Both files' text as a snapshot (their shape only; `check` validates the content)."""
        try:
            faq, hot = load_strict(faq_text), load_strict(hotlines_text)
        except yaml.YAMLError as exc:
            raise DocumentError(f"Tệp YAML không đọc được: {exc}") from exc
        if not isinstance(faq, dict) or not isinstance(faq.get("entries"), list):
            raise DocumentError("faq.yaml phải có 'version' và danh sách 'entries'.")
        if not isinstance(hot, dict):
            raise DocumentError("hotlines.yaml phải có 'version', 'lines' và 'districts'.")
        entries: dict[str, Doc] = {}
        for item in faq["entries"]:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise DocumentError("Mỗi mục trong faq.yaml cần có 'id' dạng chữ.")
            entries[item["id"]] = jsonable(item)
        header = {k: jsonable(v) for k, v in faq.items() if k != "entries"}
        comments = {"faq": _leading_comment(faq_text), "hotlines": _leading_comment(hotlines_text)}
        return cls(header, entries, jsonable(hot), comments)


def _insert(entries: dict[str, Doc], name: str, value: Doc) -> dict[str, Doc]:
    keys = list(entries)
    same = [i for i, k in enumerate(keys) if entries[k].get("group") == value.get("group")]
    at = same[-1] + 1 if same else len(keys)
    keys.insert(at, name)
    return {k: value if k == name else entries[k] for k in keys}


def changed_docs(old: Mapping[str, Doc], new: Mapping[str, Doc]) -> dict[str, Doc | None]:
    """The documents that differ from `old` to `new` (None: removed)."""
    out: dict[str, Doc | None] = {}
    for name in [*old, *(k for k in new if k not in old)]:
        if jsonable(old.get(name)) != jsonable(new.get(name)):
            out[name] = new.get(name)
    return out


# field-by-field differences --------------------------------------------------------------
@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    old: str
    new: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    lines: tuple[tuple[str, str], ...] = ()  # ("same"|"add"|"del", text) for long texts


def _show(value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return dump_yaml(value).rstrip("\n")


def _items(value: Any) -> list[str]:
    if isinstance(value, list):
        return [v if isinstance(v, str) else dump_yaml(v).rstrip("\n") for v in value]
    return []


def _line_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        tag, text = line[:2], line[2:]
        if tag == "  ":
            out.append(("same", text))
        elif tag == "+ ":
            out.append(("add", text))
        elif tag == "- ":
            out.append(("del", text))
    return tuple(out)


def field_diffs(old: Doc | None, new: Doc | None) -> list[FieldDiff]:
    """What changed, field by field, in the order fields are edited."""
    old, new = jsonable(old or {}), jsonable(new or {})
    names = [*ENTRY_FIELDS, *(k for k in [*old, *new] if k not in ENTRY_FIELDS)]
    out, seen = [], set()
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        label = FIELD_NAMES.get(name, name)
        if isinstance(a, list | type(None)) and isinstance(b, list | type(None)):
            before, after = _items(a), _items(b)
            added = tuple(x for x in after if x not in before)
            removed = tuple(x for x in before if x not in after)
            out.append(FieldDiff(name, label, _show(a), _show(b), added, removed))
        else:
            sa, sb = _show(a), _show(b)
            lines = _line_diff(sa, sb) if "\n" in sa or "\n" in sb else ()
            out.append(FieldDiff(name, label, sa, sb, lines=lines))
    return out
