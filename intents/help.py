"""The menu: what the bot can answer, by topic group."""

from __future__ import annotations

from bot.dialogue import actions, render, wording
from bot.dialogue.cues import FILLERS, only, phrases, rest
from bot.dialogue.decide import bid as make_bid
from bot.dialogue.decide import decide, next_session
from bot.dialogue.turn import Bid, Turn
from bot.language.lexicon import fold
from bot.language.normalise import normalise
from bot.language.phrases import PhraseSet
from bot.model import Button, Decision, Reply

NAME = "help"
CUES = (
    "hướng dẫn",
    "hướng dẫn sử dụng",
    "cách sử dụng",
    "cách dùng",
    "trợ giúp",
    "giúp đỡ",
    "help",
    "menu",
    "danh mục",
    "chức năng",
    "bắt đầu",
    "start",
    "hỏi được gì",
    "hỏi được những gì",
    "có thể hỏi gì",
    "làm được gì",
    "hỏi gì",
    "cách hỏi",
    "hướng dẫn cách hỏi",
    "hỏi như thế nào",
    "hỏi thế nào",
    "bot là gì",
    "kênh này là gì",
    "tôi cần giúp",
    "giúp tôi",
    "giúp mình",
    "giúp em",
    "hỗ trợ được gì",
    "hỗ trợ gì",
    "hỗ trợ những gì",
    "hỗ trợ được những gì",
    "nội dung nào",
    "những nội dung nào",
    "kênh này",
    "trang này",
    "sử dụng",
    "có hướng dẫn",
    "không rành",
    "công nghệ",
    "dùng để làm gì",
    "để làm gì",
    "hỏi những gì",
    "hỏi được những gì",
    "trả lời được gì",
    "trả lời được những gì",
    "trả lời những gì",
    "những chủ đề nào",
    "chủ đề nào",
    "có những mục nào",
    "làm được những gì",
    "giúp được gì",
    "giúp được những gì",
    "bấm nút",
    "gõ chữ",
    "nhắn tin thế nào",
    "nhắn như thế nào",
    "cách nhắn",
)
# Words that say nothing of the subject of a question about the channel ("… có bấm nút chọn
# được không hay phải gõ chữ").
FUNCTION_WORDS = frozenset(
    map(fold, "muốn được không hay phải những các trên câu cái nào thì".split())  # noqa: SIM905
)
COMMANDS = frozenset({"menu", "help", "trogiup", "huongdan", "nhom"})
FIRST_PAGE = 4


def menu(turn: Turn, page: int = 1) -> Decision:
    groups = list(turn.content.groups.items())
    text = f"{wording.HELP}\n{wording.numbered(name for _, name in groups)}\n{wording.HELP_TAIL}"
    shown = groups[:FIRST_PAGE] if page == 1 else groups[FIRST_PAGE:]
    buttons = [Button(name, "query", f"#nhom {gid}") for gid, name in shown]
    if page == 1 and len(groups) > FIRST_PAGE:
        buttons.append(Button(wording.MORE, "query", "#menu 2"))
    ids = tuple(gid for gid, _ in groups)
    session = next_session(turn, NAME, pending=ids, pending_kind="groups")
    return decide(turn, NAME, render.fit(Reply(text, tuple(buttons))), session=session)


def _pick_group(turn: Turn) -> Decision | None:
    """A number typed after the menu opens that group."""
    if turn.session.pending_kind != "groups" or not turn.norm.accented.isdigit():
        return None
    n = int(turn.norm.accented)
    groups = turn.session.pending
    if 1 <= n <= len(groups) and groups[n - 1] in turn.content.groups:
        return actions.group_listing(turn, groups[n - 1])
    return None


def bid(turn: Turn) -> Bid | None:
    cmd = turn.command
    if cmd is not None:
        if cmd.name not in COMMANDS:
            return None
        if cmd.name == "nhom" and cmd.args and cmd.args[0] in turn.content.groups:
            return make_bid(100, actions.group_listing(turn, cmd.args[0]))
        page = 2 if cmd.args[:1] == ("2",) else 1
        return make_bid(100, menu(turn, page))
    picked = _pick_group(turn)
    if picked is not None:
        return make_bid(100, picked)
    cues = phrases(CUES)
    if only(turn.norm, cues):
        return make_bid(90, menu(turn))
    if _asks_what_the_channel_does(turn, cues):
        return make_bid(85, menu(turn))  # "Chào ad, kênh này hỗ trợ được những gì ạ?"
    return None


def _asks_what_the_channel_does(turn: Turn, cues: PhraseSet) -> bool:
    """Every question of the message is about the channel itself: a help cue and nothing
    about vaccination ("hướng dẫn đăng ký tiêm" is a question for the FAQ)."""
    asked = [c for c in turn.analysis.questions if cues.search(c.norm)]
    if not asked or len(asked) < len(turn.analysis.questions):
        return False
    domain = turn.content.index.domain
    for clause in asked:
        left = rest(clause.norm, cues, FILLERS | FUNCTION_WORDS)
        if len(left) > 3 or domain.cues.search(normalise(" ".join(left))):
            return False
    return True
