"""A message that is only a district's name ("Nam Trực", "huyện Hải Hậu", "em ở Giao Thủy"):
remember it as the resident's district and say what the bot can do there.

A district named inside a question belongs to the other intents ("số điện thoại Hải Hậu" is a
hotline question), and a district the session waits for is the pending intent's.
"""

from __future__ import annotations

from bot.dialogue import actions, render, wording
from bot.dialogue.cues import FILLERS, rest
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide, next_session, remember
from bot.dialogue.turn import Bid, Turn
from bot.language.lexicon import fold
from bot.model import Button, Reply

NAME = "district"
REPORTED = "help"
SCORE = 96.0  # a bare place name is not a question: it must not become a fuzzy FAQ suggestion
# "huyện Nam Trực", "tp Nam Định", "em ở Nam Trực", "nhà tôi tại Hải Hậu ạ"
PLACE_WORDS = frozenset(
    fold(w)
    for w in ("huyện", "thành", "phố", "tp", "thị", "xã", "ở", "tại", "tôi", "em", "mình",
              "cháu", "nhà", "sống", "đang", "quê", "bên", "dưới", "trên")
)  # fmt: skip


def bid(turn: Turn) -> Bid | None:
    slug = turn.district
    if slug is None or turn.command is not None:
        return None
    if turn.session.pending_kind in ("hotline", "subscribe"):
        return None  # the pending intent answers the question it asked
    if rest(turn.norm, turn.content.alias_phrases, FILLERS | PLACE_WORDS):
        return None  # more than a place: a question about it
    district = turn.content.districts[slug]
    name = actions.district_name(turn, slug)
    short = district.short or district.name
    buttons = (
        Button(
            wording.DISTRICT_HOTLINE_BUTTON.format(short=short),
            "query",
            f"số điện thoại liên hệ ở {district.name}",
        ),
        Button(
            wording.DISTRICT_SUBSCRIBE_BUTTON.format(short=short),
            "query",
            f"#dangky lich-tiem {slug}",
        ),
    )
    topics = render.main_topics(turn.content.groups, first=buttons)
    reply = render.fit(Reply(wording.DISTRICT_NOTED.format(district=name), topics))
    session = next_session(turn, NAME, district=slug)
    # reported as "help" (what the bot can do there): `faq predict`'s intent names are firm
    decision = decide(turn, REPORTED, reply, effects=remember(turn, slug), session=session)
    return make_bid(SCORE, decision)
