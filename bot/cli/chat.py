"""`flask --app app chat`: talk to the bot in the terminal; nothing is sent to Zalo."""

from __future__ import annotations

import secrets
import time
import uuid

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.model import Reply, SendResult, UserMessage
from bot.services.delivery import Delivery
from bot.services.handle import handle_message
from bot.services.ingest import local_text_event
from bot.zalo.events import parse_event


class TerminalSender:
    """Prints replies; remembers the last buttons so `/N` can press one."""

    def __init__(self) -> None:
        self.buttons: list[tuple[str, str, str]] = []

    def send(self, user_id: str, reply: Reply, *, priority: str = "reply") -> SendResult:
        click.echo(click.style("bot> ", fg="blue") + reply.text)
        self.buttons = [(b.title, b.kind, b.payload) for b in reply.buttons]
        for i, (title, kind, payload) in enumerate(self.buttons, 1):
            extra = "" if kind == "query" else f" ({payload})"
            click.echo(f"   /{i} [{title}]{extra}")
        return SendResult(message_id=uuid.uuid4().hex[:20], user_id=user_id)


@click.command("chat")
@click.option("--user", default=None, help="Resident id to chat as (default: a new one).")
@with_appcontext
def chat_command(user: str | None) -> None:
    """Chat with the bot as a resident; type /N to press button N, Ctrl-D to quit."""
    rt = current_app.extensions["bot"]
    user_id = user or "9" + "".join(secrets.choice("0123456789") for _ in range(18))
    sender = TerminalSender()
    click.echo("Không gửi gì tới Zalo. Nhắn câu hỏi; /N để bấm nút số N, Ctrl-D để thoát.")
    while True:
        try:
            text = click.prompt(click.style("you", fg="green"), prompt_suffix="> ")
        except (EOFError, click.Abort):
            click.echo()
            return
        if _is_press(text):
            pressed = _pressed(text, sender)
            if pressed is None:
                continue  # said why; nothing goes to the bot
            text = pressed
        now_ms = int(time.time() * 1000)
        body = local_text_event(rt.settings.zalo_app_id, user_id, text, now_ms)
        event = parse_event(body)
        if isinstance(event, UserMessage):
            handle_message(rt, event, Delivery(rt, event.dedupe_id, sender=sender))


def _is_press(text: str) -> bool:
    return text.startswith("/") and text[1:].isdigit()


def _pressed(text: str, sender: TerminalSender) -> str | None:
    """`/2` stands for tapping the second button of the last reply; None (said why) otherwise."""
    n = int(text[1:])
    count = len(sender.buttons)
    if not 1 <= n <= count:
        if count:
            click.echo(
                f"Không có lựa chọn số {n}: tin nhắn trước có {count} nút (/1 đến /{count})."
            )
        else:
            click.echo(f"Không có lựa chọn số {n}: tin nhắn trước không có nút nào.")
        return None
    title, kind, payload = sender.buttons[n - 1]
    if kind != "query":
        action = "gọi số" if kind == "phone" else "mở"
        click.echo(f"Nút /{n} [{title}] trên Zalo sẽ {action} {payload}; ở đây không gửi gì.")
        return None
    return payload
