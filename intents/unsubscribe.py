"""No more announcements: "dừng gửi tin", "hủy đăng ký nhận tin", "#huy [topic]"."""

from __future__ import annotations

from bot.dialogue import wording
from bot.dialogue.cues import phrases
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide
from bot.dialogue.topics import command_target, topic_in
from bot.dialogue.turn import Bid, Turn
from bot.model import Decision, Effect, Reply

NAME = "unsubscribe"
CUES = (
    "hủy đăng ký",
    "hủy nhận",
    "hủy theo dõi",
    "hủy tin",
    "hủy thông báo",
    "bỏ đăng ký",
    "dừng gửi",
    "ngừng gửi",
    "thôi gửi",
    "đừng gửi",
    "không gửi",
    "đừng nhắn",
    "không nhận tin",
    "không muốn nhận",
    "ngừng nhận",
    "dừng nhận",
    "thôi nhận",
    "tắt thông báo",
    "stop",
    "unsubscribe",
)
# "hủy đăng ký tiêm" cancels a vaccination appointment, not announcements
VACCINATION = ("tiêm", "mũi", "vắc xin")


def unsubscribe(turn: Turn, topic: str | None, outcome: str) -> Decision:
    args = {"topic": topic} if topic else {}
    if topic:
        name = wording.TOPIC_NAMES.get(topic, topic)
        text = wording.UNSUBSCRIBED.format(topic=name, slug=topic)
    else:
        text = wording.UNSUBSCRIBED_ALL
    effects = (Effect("unsubscribe", args),)
    return decide(turn, NAME, Reply(text), effects=effects, outcome=outcome)


def bid(turn: Turn) -> Bid | None:
    cmd = turn.command
    if cmd is not None:
        if cmd.name != "huy":
            return None
        topic, _ = command_target(turn, cmd.args)
        return make_bid(100, unsubscribe(turn, topic, "command"))
    if not phrases(CUES).search(turn.norm):
        return None
    topic = topic_in(turn)
    if topic is None and phrases(VACCINATION).search(turn.norm):
        return None
    return make_bid(95, unsubscribe(turn, topic, "answered"))
