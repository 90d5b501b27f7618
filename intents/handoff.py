"""The resident wants a person: hand the conversation to staff."""

from __future__ import annotations

from bot.dialogue import wording
from bot.dialogue.cues import phrases
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide
from bot.dialogue.turn import Bid, Turn
from bot.model import Effect, Reply

NAME = "handoff"
CUES = (
    "gặp nhân viên",
    "gặp cán bộ",
    "gặp người",
    "người thật",
    "người trực",
    "nói chuyện với người",
    "nói chuyện với cán bộ",
    "nói chuyện với nhân viên",
    "nói chuyện với bác sĩ",
    "nói chuyện trực tiếp",
    "nhân viên tư vấn",
    "tư vấn viên",
    "cán bộ tư vấn",
    "gặp tư vấn",
    "gặp bác sĩ",
    "gặp admin",
    "chuyển cho cán bộ",
    "chuyển cho nhân viên",
    "chuyển người",
    "cần người hỗ trợ",
    "cần người tư vấn",
    "muốn được tư vấn trực tiếp",
    "tổng đài viên",
    "kết nối nhân viên",
    "kết nối cán bộ",
    "có ai trực không",
    "có ai trực",
    "ai đang trực",
    "có ai ở đó không",
    "không muốn nói chuyện với bot",
    "không phải bot",
)
COMMANDS = frozenset({"canbo", "nhanvien", "tuvan"})


def bid(turn: Turn) -> Bid | None:
    cmd = turn.command
    if cmd is not None and cmd.name not in COMMANDS:
        return None
    if cmd is None and not phrases(CUES).search(turn.norm):
        return None
    reply = Reply(wording.HANDOFF, (wording.CALL_HOTLINE,))
    decision = decide(turn, NAME, reply, effects=(Effect("handoff"),), outcome="handoff")
    return make_bid(100 if cmd else 92, decision)
