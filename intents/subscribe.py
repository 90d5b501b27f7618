"""Receiving announcements: "đăng ký nhận lịch tiêm ở Hải Hậu", "#dangky", "#tin"."""

from __future__ import annotations

from bot.dialogue import actions, wording
from bot.dialogue.cues import phrases
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide
from bot.dialogue.topics import TOPIC_WORDS, command_target, topic_in
from bot.dialogue.turn import Bid, Turn
from bot.model import Button, Decision, Effect, Reply

NAME = "subscribe"
CUES = (
    "đăng ký nhận",
    "đăng ký theo dõi",
    "muốn nhận",
    "cho tôi nhận",
    "cho mình nhận",
    "nhận lịch tiêm",
    "nhận thông báo",
    "nhận tin",
    "theo dõi tin",
    "gửi lịch tiêm",
    "gửi tin cho",
    "báo lịch tiêm",
    "báo cho tôi",
    "báo cho mình",
    "thông báo cho tôi",
    "thông báo cho mình",
    "nhắn cho tôi khi",
    "nhắn cho mình khi",
    "đăng ký lịch tiêm",
    "đăng ký tin",
)
# "nhắn cho em biết" asks to be told later only when the message says when ("sau này có lịch tiêm
# … thì nhắn cho em biết"); without it, it asks for an answer now ("báo cho em biết tiêm ở đâu").
TELL_ME = tuple(
    f"{verb} {to}{who}"
    for verb in ("báo", "nhắn", "thông báo", "nhắn tin")
    for to in ("cho ", "")
    for who in ("em", "mình", "cháu", "con", "bọn em", "nhà em")
)
LATER = (
    "sau này",
    "khi có",
    "khi nào có",
    "lúc nào có",
    "hôm nào có",
    "nếu có",
    "mỗi khi",
    "mỗi lần có",
    "đợt sau",
    "lần sau",
)
# "nhắn tin ủng hộ quỹ" and "cú pháp nhắn tin" are about the Vaccine Fund's SMS, not news
ELSEWHERE = ("ủng hộ", "quỹ", "cú pháp", "sms", "1408")
NEWS_NAMED = tuple(w for w in TOPIC_WORDS["tin-tuc"] if w != "tin")
NEGATIONS = ("không", "đừng", "thôi", "hủy", "dừng", "ngừng", "bỏ", "chưa", "chẳng")


def _listing(turn: Turn) -> Reply:
    if not turn.subscriptions:
        return Reply(wording.NO_SUBSCRIPTIONS)
    items = []
    for topic, district in sorted(turn.subscriptions):
        name = wording.TOPIC_NAMES.get(topic, topic)
        where = f" ({actions.district_name(turn, district)})" if district else ""
        items.append(f"• {name}{where}")
    return Reply(wording.SUBSCRIPTIONS.format(items="\n".join(items)))


def _natural(turn: Turn) -> bool:
    """A wish to receive news, said where the message asks something (in a long message, not
    in its story: "vẫn nhận tin nhắn bình thường" is context)."""
    asked = turn.analysis.questions
    norms = [c.norm for c in asked] if asked and len(turn.analysis.clauses) > 1 else [turn.norm]
    negations = phrases(NEGATIONS)
    for norm in norms:
        denied = {end for _, end, _ in negations.spans(norm)}
        spans = phrases(CUES).spans(norm)
        if phrases(LATER).search(norm):
            spans = (*spans, *phrases(TELL_ME).spans(norm))
        if any(start not in denied and start - 1 not in denied for start, _, _ in spans):
            return True
    return False


def bid(turn: Turn) -> Bid | None:
    cmd = turn.command
    if cmd is not None:
        if cmd.name == "tin":
            effect = Effect("list_subscriptions")
            return make_bid(
                100, decide(turn, NAME, _listing(turn), effects=(effect,), outcome="command")
            )
        if cmd.name != "dangky":
            return None
        topic, district = command_target(turn, cmd.args)
        return make_bid(100, actions.subscribe(turn, topic or "lich-tiem", district, "command"))
    if turn.content.index.domain.verdict(turn.norm) == "out" or not _natural(turn):
        return None
    if phrases(ELSEWHERE, True).search(turn.norm):
        return None
    topic = _named_topic(turn)
    if topic is None:
        return make_bid(93, _ask_topic(turn))
    return make_bid(93, actions.subscribe(turn, topic, turn.district))


def _named_topic(turn: Turn) -> str | None:
    """The topic the message names; the bare "tin" of "nhận tin" only says "subscribe"."""
    topic = topic_in(turn)
    if topic == "tin-tuc" and not phrases(NEWS_NAMED).search(turn.norm):
        return None
    return topic


def _ask_topic(turn: Turn) -> Decision:
    """ "đăng ký nhận tin" names no topic: ask which, one button per topic."""
    where = f" {turn.district}" if turn.district else ""
    buttons = tuple(
        Button(title, "query", f"#dangky {slug}{where}")
        for slug, title in wording.TOPIC_BUTTONS.items()
    )
    return decide(turn, NAME, Reply(wording.ASK_TOPIC, buttons), outcome="clarified")
