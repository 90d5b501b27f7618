"""Replies shaped for Zalo: answer + source, buttons, and the hard limits of a message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.content.schema import FaqEntry
from bot.dialogue import wording
from bot.model import Button, Reply

MAX_TEXT = 2000
MAX_BUTTONS = 5
MAX_TITLE = 35
ELLIPSIS = "…"
MORE_TITLE = "Xem thêm"
MORE_COMMAND = "xemthem"  # "#xemthem <faq id>": the payload of the "Xem thêm" button


def short(text: str, limit: int = MAX_TITLE) -> str:
    """Cut text at a word boundary to at most `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip(" ,.?:;") + ELLIPSIS


def fit(reply: Reply) -> Reply:
    """Enforce Zalo's limits: text ≤ 2,000 chars, ≤ 5 buttons, titles ≤ 35 chars."""
    text = reply.text
    if len(text) > MAX_TEXT:
        cut = text[: MAX_TEXT - 1]
        cut = cut.rsplit("\n", 1)[0] if "\n" in cut[-400:] else cut.rsplit(" ", 1)[0]
        text = cut.rstrip() + ELLIPSIS
    buttons = tuple(
        Button(short(b.title), b.kind, b.payload) for b in reply.buttons[:MAX_BUTTONS] if b.title
    )
    return Reply(text, buttons)


def plain_text(reply: Reply) -> str:
    """The reply as one text, as shown where buttons cannot be sent."""
    extra = [f"{b.title}: {b.payload}" for b in reply.buttons if b.kind in ("phone", "url")]
    return "\n".join([reply.text, *extra])


def feedback_buttons(faq_id: str) -> tuple[Button, Button]:
    return Button("👍", "query", f"#fb+ {faq_id}"), Button("👎", "query", f"#fb- {faq_id}")


def faq_button(entry: FaqEntry) -> Button:
    return Button(entry.title or short(entry.question), "query", f"#faq {entry.id}")


def more_button(entry: FaqEntry) -> Button:
    return Button(MORE_TITLE, "query", f"#{MORE_COMMAND} {entry.id}")


def _follow_ups(entry: FaqEntry, related: Sequence[FaqEntry]) -> list[Button]:
    follow = [faq_button(r) for r in related[:2]]
    return follow + [Button(short(link.title), "url", link.url) for link in entry.links]


def answer(entry: FaqEntry, related: Sequence[FaqEntry] = ()) -> Reply:
    """An FAQ answer with its source, "Xem thêm" when it has details, follow-ups, the hotline
    and feedback buttons (five at most: with "Xem thêm", one follow-up instead of two)."""
    text = f"{entry.answer.rstrip()}\n{wording.SOURCE.format(source=entry.source)}"
    follow = _follow_ups(entry, related)
    first = (more_button(entry), *follow[:1]) if entry.details else tuple(follow[:2])
    buttons = (*first, wording.CALL_HOTLINE, *feedback_buttons(entry.id))
    return fit(Reply(text, buttons))


def details(entry: FaqEntry, related: Sequence[FaqEntry] = ()) -> Reply:
    """The longer text behind "Xem thêm", with the same source, follow-ups and feedback."""
    body = entry.details or entry.answer
    text = f"{body.rstrip()}\n{wording.SOURCE.format(source=entry.source)}"
    buttons = (*_follow_ups(entry, related)[:2], wording.CALL_HOTLINE, *feedback_buttons(entry.id))
    return fit(Reply(text, buttons))


def suggestions(entries: Sequence[FaqEntry]) -> Reply:
    """A numbered list of close questions; the resident taps or types the number."""
    text = f"{wording.CLARIFY}\n{wording.numbered(e.question for e in entries)}"
    return fit(Reply(text, tuple(faq_button(e) for e in entries)))


def main_topics(groups: Mapping[str, str], first: Sequence[Button] = ()) -> tuple[Button, ...]:
    """What the bot is for, as buttons: the first topic groups, then receiving the schedule."""
    topics = [Button(name, "query", f"#nhom {gid}") for gid, name in groups.items()]
    subscribe = Button(wording.SUBSCRIBE_BUTTON, "query", "#dangky lich-tiem")
    room = MAX_BUTTONS - len(first) - 1
    return (*first, *topics[:room], subscribe)[:MAX_BUTTONS]


def with_notices(reply: Reply, notices: Sequence[str]) -> Reply:
    """A reply followed by announcements that waited for the resident's next message."""
    if not notices:
        return reply
    body = "\n\n".join(n.strip() for n in notices)
    return fit(
        Reply(f"{reply.text}\n\n{wording.notice_prefix(len(notices))}\n{body}", reply.buttons)
    )
