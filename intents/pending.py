"""What the session waits for: a suggestion number, a district, and 👍/👎 feedback taps."""

from __future__ import annotations

import re

from bot.dialogue import actions, wording
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide, next_session, remember
from bot.dialogue.hotlines import hotline
from bot.dialogue.turn import Bid, Turn
from bot.model import Effect, Reply

NAME = "pending"
_PICK = re.compile(r"^(?:số|so|câu|cau|chọn|chon)?\s*(\d)$")
VOTES = {"fb+": "up", "fb-": "down"}


def _feedback(turn: Turn) -> Bid | None:
    cmd = turn.command
    if cmd is None or cmd.name not in VOTES or not cmd.args:
        return None
    faq_id, vote = cmd.args[0], VOTES[cmd.name]
    if faq_id not in turn.content.entries:
        return None
    text = wording.FEEDBACK_UP if vote == "up" else wording.FEEDBACK_DOWN
    effect = Effect("feedback", {"faq_id": faq_id, "vote": vote})
    decision = decide(
        turn, "feedback", Reply(text), faq_id=faq_id, effects=(effect,), outcome="command"
    )
    return make_bid(100, decision)


def _pick(turn: Turn) -> Bid | None:
    """ "2" picks the second question offered."""
    match = _PICK.match(turn.norm.accented)
    pending = turn.session.pending
    if not match or not pending or turn.session.pending_kind != "faq":
        return None
    n = int(match[1])
    if not 1 <= n <= len(pending) or pending[n - 1] not in turn.content.entries:
        return None
    return make_bid(100, actions.faq_answer(turn, pending[n - 1], 100.0))


def _district_arg(turn: Turn) -> tuple[bool, str | None]:
    """(is a district answer, slug): "#huyen hai-hau", "#huyen", or a typed district name."""
    cmd = turn.command
    if cmd is not None:
        if cmd.name != "huyen":
            return False, None
        slug = cmd.args[0] if cmd.args and cmd.args[0] in turn.content.districts else None
        return True, slug
    return turn.district is not None, turn.district


def _district(turn: Turn) -> Bid | None:
    kind = turn.session.pending_kind
    is_answer, slug = _district_arg(turn)
    if not is_answer:
        return None
    if kind not in ("hotline", "subscribe"):
        if turn.command is None or slug is None:
            return None  # a district named in a question is for the other intents
        text = f"Dạ, kênh đã ghi nhận: {actions.district_name(turn, slug)}."
        session = next_session(turn, "pending", district=slug)
        effects = remember(turn, slug)
        return make_bid(
            100,
            decide(turn, NAME, Reply(text), effects=effects, session=session, outcome="command"),
        )
    if slug is None:  # "Khác…": list every district and keep waiting
        session = turn.session.evolve(last_intent=kind)
        decision = decide(
            turn,
            kind,
            Reply(actions.all_districts_text(turn)),
            outcome="clarified",
            session=session,
        )
        return make_bid(100, decision)
    if kind == "hotline":
        return make_bid(100, hotline(turn, slug))
    return make_bid(100, actions.subscribe(turn, turn.session.pending_arg or "lich-tiem", slug))


def bid(turn: Turn) -> Bid | None:
    return _feedback(turn) or _pick(turn) or _district(turn)
