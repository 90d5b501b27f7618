"""Phone numbers and hotlines, by district when one is named or remembered."""

from __future__ import annotations

from bot.dialogue.cues import phrases, rest
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.hotlines import hotline
from bot.dialogue.turn import Bid, Turn

NAME = "hotline"
STRONG = (
    "đường dây nóng",
    "tổng đài",
    "số điện thoại liên hệ",
    "số điện thoại của",
    "số điện thoại trạm",
    "số điện thoại trung tâm",
    "số điện thoại bệnh viện",
    "số điện thoại y tế",
    "số điện thoại tư vấn",
    "số điện thoại hỏi",
    "số điện thoại để hỏi",
    "số điện thoại cấp cứu",
    "gọi số nào",
    "gọi số mấy",
    "số liên hệ",
    "số để gọi",
    "xin số",
    "cho xin số",
    "số trạm y tế",
    "số trung tâm y tế",
    "số cấp cứu",
    "điện thoại trạm y tế",
    "điện thoại trung tâm y tế",
)
# Asking where to turn: the hotline only when that is the whole question; "… muốn tiêm tiếp
# thì liên hệ ở đâu?" gets its FAQ answer, which says where.
WHERE = ("liên hệ ở đâu", "liên hệ với ai", "liên hệ ai", "gọi cho ai", "gọi đi đâu")
ABOUT_VACCINATION = ("tiêm", "vắc xin", "mũi")
WEAK = ("số điện thoại", "điện thoại", "liên hệ", "trung tâm y tế", "trạm y tế")


def _weak(turn: Turn) -> bool:
    """A bare "trạm y tế xã em" asks for the number; "có tiêm ở trạm y tế không" does not."""
    weak = phrases(WEAK)
    if not weak.search(turn.norm) or phrases(ABOUT_VACCINATION).search(turn.norm):
        return False
    return len(rest(turn.norm, weak)) <= 4


def _asks_only_where(turn: Turn) -> bool:
    """Where to turn is all the message asks — not a vaccination question ending with it
    ("em có phải tiêm lại không ạ, giờ muốn tiêm tiếp thì liên hệ ở đâu?")."""
    asked = turn.analysis.questions or turn.analysis.substance
    where = phrases(WHERE)
    return all(where.search(c.norm) and len(rest(c.norm, where)) <= 4 for c in asked)


def bid(turn: Turn) -> Bid | None:
    if turn.command or turn.content.index.domain.verdict(turn.norm) == "out":
        return None
    if phrases(STRONG).search(turn.norm):
        score = 90.0
    elif phrases(WHERE).search(turn.norm):
        score = 90.0 if _asks_only_where(turn) or not turn.candidates else 1.0
    elif _weak(turn):
        score = 70.0
    else:
        return None
    return make_bid(score, hotline(turn, turn.district))
