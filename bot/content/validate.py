"""`faq check`: every error and warning in the content, including what only shows when rendered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from statistics import median

from bot.content.loader import Content, parse_files
from bot.content.schema import FaqEntry, Issue
from bot.language.normalise import normalise

MAX_MESSAGE = 2000
MEDIAN_ANSWER = 450  # answers are read on a phone: most should be well under the 600 maximum
# A variant is reported when, without itself, another entry beats its own by this much
# and would be answered: small overlaps between neighbouring topics are normal.
CONFLICT_MARGIN = 10.0
CONFLICT_SCORE = 40.0
SHOWN = 3  # variants quoted in one pair's warning


@dataclass(frozen=True)
class CheckReport:
    issues: tuple[Issue, ...]
    content: Content | None
    conflicts: tuple[Issue, ...] = ()  # also in issues: one warning per pair of entries

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def _length_issues(content: Content, faq_file: str) -> list[Issue]:
    from bot.dialogue import render  # rendering belongs to dialogue; only check needs it here

    out = []
    for entry in content.entries.values():
        related = [content.entries[r] for r in entry.related if r in content.entries]
        full = f"{entry.answer.rstrip()}\nNguồn: {entry.source}"
        shown = render.plain_text(render.answer(entry, related))
        if max(len(full), len(shown)) > MAX_MESSAGE:
            n = max(len(full), len(shown))
            msg = f"câu trả lời kèm nguồn dài {n} ký tự (Zalo cho tối đa {MAX_MESSAGE})"
            out.append(Issue("error", faq_file, entry.line, entry.id, msg))
        more = render.plain_text(render.details(entry, related))
        if entry.details and len(more) > MAX_MESSAGE:
            msg = f"details kèm nguồn dài {len(more)} ký tự (Zalo cho tối đa {MAX_MESSAGE})"
            out.append(Issue("error", faq_file, entry.line, entry.id, msg))
    lengths = sorted(len(e.answer) for e in content.entries.values())
    if lengths and median(lengths) > MEDIAN_ANSWER:
        msg = (
            f"độ dài trung vị của answer là {median(lengths):.0f} ký tự "
            f"(nên dưới {MEDIAN_ANSWER}); "
            "chuyển bớt chi tiết sang details"
        )
        out.append(Issue("warning", faq_file, None, "", msg))
    return out


def conflicts(content: Content, faq_file: str = "faq.yaml") -> list[Issue]:
    """Variants that match another entry better than their own (without themselves): one
    warning per pair of entries (either way round), most variants first, so a new overlap
    stands out from the small ones that neighbouring topics always have."""
    pairs: dict[tuple[str, str], list[tuple[str, str, float, float]]] = {}
    for entry in content.entries.values():
        for p, variant in enumerate(entry.phrasings):
            scored = content.index.scored(normalise(variant), exclude=(entry.id, p))
            own = next(r.score for r in scored if r.faq_id == entry.id)
            best = scored[0]
            if best.faq_id != entry.id and best.score >= max(own + CONFLICT_MARGIN, CONFLICT_SCORE):
                key = (min(entry.id, best.faq_id), max(entry.id, best.faq_id))
                pairs.setdefault(key, []).append((entry.id, variant, best.score, own))
    out = []
    for (first, second), rows in sorted(pairs.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        owners = [row[0] for row in rows]
        entry_id = max((first, second), key=owners.count)
        shown = "; ".join(
            f"{variant!r} của {owner} ({theirs:.0f} > {own:.0f})"
            for owner, variant, theirs, own in rows[:SHOWN]
        )
        more = f"; và {len(rows) - SHOWN} cách hỏi khác" if len(rows) > SHOWN else ""
        msg = (
            f"{first} ↔ {second}: {len(rows)} cách hỏi khớp với mục kia hơn mục của mình: "
            f"{shown}{more}"
        )
        out.append(Issue("warning", faq_file, content.entries[entry_id].line, entry_id, msg))
    return out


def _review_issues(entries: list[FaqEntry], today: date, faq_file: str) -> list[Issue]:
    return [
        Issue("warning", faq_file, e.line, e.id, f"đã quá hạn rà soát ({e.review_by.isoformat()})")
        for e in entries
        if e.review_by and e.review_by < today
    ]


def check(
    faq_path: str | Path, hotlines_path: str | Path, today: date | None = None
) -> CheckReport:
    """Validate both files; `today` (passed in) turns past review dates into warnings."""
    parsed = parse_files(faq_path, hotlines_path)
    issues = list(parsed.issues)
    content = parsed.content
    overlaps: list[Issue] = []
    if content is not None:
        faq_file = str(faq_path)
        issues += _length_issues(content, faq_file)
        if today is not None:
            issues += _review_issues(list(content.entries.values()), today, faq_file)
        overlaps = conflicts(content, faq_file)
    return CheckReport(
        tuple(issues + overlaps),
        content if not any(i.level == "error" for i in issues) else None,
        tuple(overlaps),
    )
