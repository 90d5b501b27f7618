"""The subscription topics and districts residents can choose, loaded from subscriptions.yaml."""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ContentError

OPT_OUT_FIELDS = frozenset({"id", "name"})
DEFAULT_OPT_OUT = '— Nhắn "#huy" để ngừng nhận tin.'
MAX_OPT_OUT = 200


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    by_district: bool
    aliases: tuple[str, ...]
    opt_out_template: str = DEFAULT_OPT_OUT

    @property
    def opt_out_line(self) -> str:
        return self.opt_out_template.format(id=self.id, name=self.name)


@dataclass(frozen=True)
class District:
    slug: str
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class SubscriptionTopics:
    topics: tuple[Topic, ...]
    districts: tuple[District, ...]

    def topic(self, text: str) -> Topic | None:
        """The topic named by its id or one of its aliases (diacritics optional)."""
        key = fold(text)
        for t in self.topics:
            if key == fold(t.id) or key in {fold(a) for a in t.aliases}:
                return t
        return None

    def district(self, text: str) -> District | None:
        key = fold(text)
        for d in self.districts:
            if key == fold(d.slug) or key in {fold(a) for a in d.aliases}:
                return d
        return None

    def topic_name(self, topic_id: str) -> str:
        found = self.topic(topic_id)
        return found.name if found else topic_id

    def district_name(self, slug: str) -> str:
        found = self.district(slug)
        return found.name if found else slug


def fold(text: str) -> str:
    """Lower-case, without diacritics, đ→d, '-'/'_' as spaces, single spaces."""
    s = unicodedata.normalize("NFD", text.strip().lower().replace("đ", "d"))
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return " ".join(s.replace("-", " ").replace("_", " ").split())


def load_topics(path: str | Path) -> SubscriptionTopics:
    """Read and validate subscriptions.yaml; ContentError names the file and the entry."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(str(exc), file=str(p)) from exc
    return parse_topics(data, file=str(p))


def parse_topics(data: Any, *, file: str = "subscriptions.yaml") -> SubscriptionTopics:
    if not isinstance(data, Mapping):
        raise ContentError("expected a mapping with `topics` and `districts`", file=file)
    topics = tuple(_topic(item, file) for item in _list(data, "topics", file))
    districts = tuple(_district(item, file) for item in _list(data, "districts", file))
    _unique([t.id for t in topics], "topic id", file)
    _unique([d.slug for d in districts], "district slug", file)
    if not topics:
        raise ContentError("at least one topic is needed", file=file)
    return SubscriptionTopics(topics, districts)


def _list(data: Mapping[str, Any], name: str, file: str) -> list[Any]:
    value = data.get(name)
    if not isinstance(value, list):
        raise ContentError(f"`{name}` must be a list", file=file)
    return value


def _text(item: Mapping[str, Any], name: str, file: str, entry: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"`{name}` must be a non-empty text", file=file, entry=entry)
    return unicodedata.normalize("NFC", value.strip())


def _aliases(item: Mapping[str, Any], file: str, entry: str) -> tuple[str, ...]:
    value = item.get("aliases") or []
    if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
        raise ContentError("`aliases` must be a list of texts", file=file, entry=entry)
    return tuple(unicodedata.normalize("NFC", a.strip()) for a in value)


def _slug(value: str, file: str, entry: str) -> str:
    allowed = set(string.ascii_lowercase + string.digits + "-")
    if not set(value) <= allowed or value.startswith("-") or "|" in value:
        raise ContentError(
            "ids are lower-case ASCII letters, digits and '-'", file=file, entry=entry
        )
    return value


def _topic(item: Any, file: str) -> Topic:
    if not isinstance(item, Mapping):
        raise ContentError("each topic must be a mapping", file=file)
    entry = str(item.get("id", "?"))
    topic_id = _slug(_text(item, "id", file, entry), file, entry)
    by_district = item.get("by_district", False)
    if not isinstance(by_district, bool):
        raise ContentError("`by_district` must be true or false", file=file, entry=entry)
    template = item.get("opt_out_line", DEFAULT_OPT_OUT)
    topic = Topic(
        id=topic_id,
        name=_text(item, "name", file, entry),
        by_district=by_district,
        aliases=_aliases(item, file, entry),
        opt_out_template=str(template).strip(),
    )
    _check_template(topic, file)
    return topic


def _check_template(topic: Topic, file: str) -> None:
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(topic.opt_out_template) if f}
        if not fields <= OPT_OUT_FIELDS:
            raise ValueError("it may use only {id} and {name}")
        line = topic.opt_out_line
    except (ValueError, KeyError, IndexError) as exc:
        raise ContentError(f"`opt_out_line`: {exc}", file=file, entry=topic.id) from exc
    if "#huy" not in line or len(line) > MAX_OPT_OUT:
        raise ContentError(
            f'`opt_out_line` must mention "#huy" and stay under {MAX_OPT_OUT} characters',
            file=file,
            entry=topic.id,
        )


def _district(item: Any, file: str) -> District:
    if not isinstance(item, Mapping):
        raise ContentError("each district must be a mapping", file=file)
    entry = str(item.get("slug", "?"))
    slug = _slug(_text(item, "slug", file, entry), file, entry)
    return District(slug, _text(item, "name", file, entry), _aliases(item, file, entry))


def _unique(ids: list[str], what: str, file: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ContentError(f"duplicate {what}", file=file, entry=i)
        seen.add(i)
