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


@dataclass(frozen=True)
class CheckReport:
    issues: tuple[Issue, ...]
    content: Content | None

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
            msg = f"answer with its source is {n} characters (Zalo allows {MAX_MESSAGE})"
            out.append(Issue("error", faq_file, entry.line, entry.id, msg))
        more = render.plain_text(render.details(entry, related))
        if entry.details and len(more) > MAX_MESSAGE:
            msg = f"details with its source is {len(more)} characters (Zalo allows {MAX_MESSAGE})"
            out.append(Issue("error", faq_file, entry.line, entry.id, msg))
    lengths = sorted(len(e.answer) for e in content.entries.values())
    if lengths and median(lengths) > MEDIAN_ANSWER:
        msg = (
            f"median answer is {median(lengths):.0f} characters (aim: {MEDIAN_ANSWER}); "
            "move detail to `details`"
        )
        out.append(Issue("warning", faq_file, None, "", msg))
    return out


def conflicts(content: Content, faq_file: str = "faq.yaml") -> list[Issue]:
    """Variants that match another entry better than their own (without themselves)."""
    out = []
    for entry in content.entries.values():
        for p, variant in enumerate(entry.phrasings):
            rows = content.index.scored(normalise(variant), exclude=(entry.id, p))
            own = next(r.score for r in rows if r.faq_id == entry.id)
            best = rows[0]
            if best.faq_id != entry.id and best.score >= max(own + CONFLICT_MARGIN, CONFLICT_SCORE):
                msg = (
                    f"variant {variant!r} matches {best.faq_id} ({best.score:.0f}) better than "
                    f"its own entry ({own:.0f})"
                )
                out.append(Issue("warning", faq_file, entry.line, entry.id, msg))
    return out


def _review_issues(entries: list[FaqEntry], today: date, faq_file: str) -> list[Issue]:
    return [
        Issue("warning", faq_file, e.line, e.id, f"review was due on {e.review_by.isoformat()}")
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
    if content is not None:
        faq_file = str(faq_path)
        issues += _length_issues(content, faq_file)
        issues += conflicts(content, faq_file)
        if today is not None:
            issues += _review_issues(list(content.entries.values()), today, faq_file)
    return CheckReport(
        tuple(issues), content if not any(i.level == "error" for i in issues) else None
    )
