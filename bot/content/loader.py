"""Load faq.yaml and hotlines.yaml into one frozen, validated Content with its match index."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

from bot.content.lines import LineMap, describe_yaml_error, load_strict
from bot.content.parse import Collector, parse_faq, parse_hotlines
from bot.content.schema import District, FaqEntry, Hotline, Issue
from bot.errors import ContentError
from bot.language.lexicon import fold
from bot.language.matcher import MatchIndex
from bot.language.normalise import Normalised
from bot.language.phrases import PhraseSet

GROUPS_PATH = Path(__file__).with_name("groups.yaml")
PROVINCE_NAMES = frozenset({"nam dinh", "tinh nam dinh"})


@lru_cache(maxsize=1)
def load_groups() -> Mapping[str, str]:
    """The eight topic groups, id → Vietnamese name, in menu order."""
    data = yaml.safe_load(GROUPS_PATH.read_text("utf-8")) or {}
    return MappingProxyType({str(k): str(v) for k, v in data.items()})


@dataclass(frozen=True)
class Content:
    """One consistent version of everything residents can be told."""

    version: str
    entries: Mapping[str, FaqEntry]
    groups: Mapping[str, str]
    hotlines: tuple[Hotline, ...]
    districts: Mapping[str, District]
    content_hash: str
    index: MatchIndex = field(repr=False, compare=False)
    district_aliases: Mapping[str, str] = field(repr=False, compare=False)
    alias_phrases: PhraseSet = field(repr=False, compare=False)

    def find_district(self, norm: Normalised) -> str | None:
        """The district slug a message names ("ở hải hậu", "giao thuy"), longest alias first."""
        spans = self.alias_phrases.spans(norm)
        if not spans:
            return None
        _, _, phrase = max(spans, key=lambda s: s[1] - s[0])
        return self.district_aliases[phrase.text]

    def in_group(self, group: str) -> list[FaqEntry]:
        return [e for e in self.entries.values() if e.group == group]


@dataclass(frozen=True)
class Parsed:
    """Both files parsed, with every issue found; `content` is None when there are errors."""

    content: Content | None
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]


def _read(path: str | Path, c_file: str) -> tuple[bytes, object, Collector]:
    raw = Path(path).read_bytes()
    text = raw.decode("utf-8", errors="replace")
    collector = Collector(c_file, LineMap(text))
    try:
        data = load_strict(text)
    except yaml.YAMLError as exc:
        line, why = describe_yaml_error(text, exc)
        detail = str(getattr(exc, "problem", "") or exc).strip()
        message = f"YAML sai cú pháp: {why} (chi tiết: {detail})"
        collector.issues.append(Issue("error", c_file, line, "", message))
        data = None
    return raw, data, collector


def _district_aliases(districts: list[District]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for d in districts:
        for alias in (d.name, d.short, *d.aliases):
            if fold(alias.lower()).strip() not in PROVINCE_NAMES:  # "Nam Định" is the province
                aliases.setdefault(alias, d.slug)
    return aliases


def parse_files(faq_path: str | Path, hotlines_path: str | Path) -> Parsed:
    """Read and check both files; build Content only if no error was found."""
    faq_file, hot_file = str(faq_path), str(hotlines_path)
    issues: list[Issue] = []
    try:
        faq_raw, faq_data, faq_c = _read(faq_path, faq_file)
        hot_raw, hot_data, hot_c = _read(hotlines_path, hot_file)
    except OSError as exc:
        name = getattr(exc, "filename", "") or ""
        why = f"không đọc được tệp: {exc.strerror or exc}"
        return Parsed(None, (Issue("error", name, None, "", why),))
    groups = load_groups()
    faq_version, entries = "", list[FaqEntry]()
    if faq_data is not None:
        faq_version, entries = parse_faq(faq_data, faq_c, frozenset(groups))
    hot_version, lines, districts = "", list[Hotline](), list[District]()
    if hot_data is not None:
        hot_version, lines, districts = parse_hotlines(hot_data, hot_c)
    issues = faq_c.issues + hot_c.issues
    if faq_data is None and not faq_c.issues:
        issues.append(Issue("error", faq_file, None, "", "tệp trống"))
    if hot_data is None and not hot_c.issues:
        issues.append(Issue("error", hot_file, None, "", "tệp trống"))
    if any(i.level == "error" for i in issues):
        return Parsed(None, tuple(issues))
    aliases = _district_aliases(districts)
    content = Content(
        version=f"faq {faq_version} · hotlines {hot_version}",
        entries=MappingProxyType({e.id: e for e in entries}),
        groups=groups,
        hotlines=tuple(lines),
        districts=MappingProxyType({d.slug: d for d in districts}),
        content_hash=hashlib.sha256(faq_raw + b"\0" + hot_raw).hexdigest()[:16],
        index=MatchIndex((e.id, e.phrasings) for e in entries),
        district_aliases=MappingProxyType(aliases),
        alias_phrases=PhraseSet.of(aliases),
    )
    return Parsed(content, tuple(issues))


def load(faq_path: str | Path, hotlines_path: str | Path) -> Content:
    """Load both files; raise ContentError (file, line, entry) for the first error found."""
    parsed = parse_files(faq_path, hotlines_path)
    if parsed.content is None:
        first = parsed.errors[0]
        more = len(parsed.errors) - 1
        suffix = f" (và {more} lỗi khác)" if more else ""
        raise ContentError(
            first.message + suffix, file=first.file, line=first.line, entry=first.entry
        )
    return parsed.content
