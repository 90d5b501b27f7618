"""The content's data types and the rules every field must follow."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Literal

Level = Literal["error", "warning"]
LEVEL_NAMES = {"error": "lỗi", "warning": "cảnh báo"}  # how staff read them

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DAY_SETS = {"mon-fri": range(0, 5), "mon-sat": range(0, 6), "daily": range(0, 7)}
DISTRICT_SLUGS = (
    "tp-nam-dinh",
    "my-loc",
    "vu-ban",
    "y-yen",
    "nghia-hung",
    "nam-truc",
    "truc-ninh",
    "xuan-truong",
    "giao-thuy",
    "hai-hau",
)
# Vietnamese numbers residents can dial: short emergency lines, 1900/1800 lines, 0xxx, +84.
PHONE_RE = re.compile(r"^(?:11[1-5]|18001\d{3}|1[89]00\d{4,6}|0\d{9,10}|\+84\d{9,10})$")


def phone_digits(phone: str) -> str:
    """A phone number without the spaces, dots and dashes people write in it."""
    return re.sub(r"[\s.\-()]", "", phone)


@dataclass(frozen=True)
class Issue:
    level: Level
    file: str
    line: int | None
    entry: str
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        level = LEVEL_NAMES[self.level]
        return f"{where}{f' [{self.entry}]' if self.entry else ''}: {level}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "entry": self.entry, "message": self.message}


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class FaqEntry:
    id: str
    group: str
    question: str
    variants: tuple[str, ...]
    answer: str
    source: str
    title: str = ""  # the button title (Zalo allows 35 characters); empty: the question, cut
    details: str = ""  # longer text sent when the resident presses "Xem thêm"; empty: no button
    references: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    reviewed: date | None = None
    review_by: date | None = None
    line: int | None = None

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.variants)


@dataclass(frozen=True)
class Hours:
    """When a line answers: always, or on some days between two times (local time)."""

    always: bool = False
    days: str = "daily"
    start: time = time(0, 0)
    end: time = time(0, 0)

    def is_open(self, now: datetime) -> bool:
        if self.always:
            return True
        return now.weekday() in DAY_SETS[self.days] and self.start <= now.time() < self.end


@dataclass(frozen=True)
class Hotline:
    id: str
    scope: str
    name: str
    phone: str | None
    hours: Hours | None
    source: str
    verified: bool
    free: bool | None = None
    note: str = ""
    verified_on: date | None = None
    line: int | None = None

    @property
    def shown(self) -> bool:
        """Only verified numbers are ever shown to residents."""
        return bool(self.verified and self.phone)


@dataclass(frozen=True)
class District:
    slug: str
    name: str
    short: str
    aliases: tuple[str, ...]
    health_centre: str
    phone: str | None
    hours: Hours | None
    source: str
    verified: bool
    line: int | None = None

    @property
    def shown(self) -> bool:
        return bool(self.verified and self.phone)
