"""Shared frozen dataclasses: events, replies, sessions, decisions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

# --- Zalo webhook events -------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    type: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    """Fields every webhook event has. `user_id` is the resident the event is about."""

    kind: str
    app_id: str
    timestamp_ms: int
    user_id: str | None
    oa_id: str | None
    user_id_by_app: str | None = None

    @property
    def dedupe_id(self) -> str:
        """Composite key for events without a msg_id."""
        return f"{self.kind}:{self.user_id or '-'}:{self.timestamp_ms}"


@dataclass(frozen=True)
class UserMessage(Event):
    """user_send_* : text (also button taps), media, location, link, file, sticker."""

    msg_id: str = ""
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    quote_msg_id: str | None = None

    @property
    def dedupe_id(self) -> str:
        return self.msg_id or super().dedupe_id

    @property
    def is_text(self) -> bool:
        return self.kind == "user_send_text"


@dataclass(frozen=True)
class OaEcho(Event):
    """oa_send_* : the OA's own message; admin_id set when a person sent it from the console."""

    msg_id: str = ""
    text: str = ""
    admin_id: str | None = None

    @property
    def dedupe_id(self) -> str:
        return self.msg_id or super().dedupe_id


@dataclass(frozen=True)
class Follow(Event):
    """follow / unfollow."""

    source: str = ""

    @property
    def following(self) -> bool:
        return self.kind == "follow"


@dataclass(frozen=True)
class ChatNow(Event):
    """user_click_chatnow: the resident opened the chat from the OA profile."""


@dataclass(frozen=True)
class SubmittedInfo(Event):
    """user_submit_info, both the flat and the full_address layouts."""

    name: str = ""
    phone: str = ""
    address: str = ""
    ward: str = ""
    district: str = ""
    city: str = ""
    dob: str = ""
    gender: str = ""


@dataclass(frozen=True)
class Receipt(Event):
    """user_received_message / user_seen_message."""

    msg_ids: tuple[str, ...] = ()

    @property
    def dedupe_id(self) -> str:
        return f"{self.kind}:{','.join(self.msg_ids)}:{self.timestamp_ms}"


@dataclass(frozen=True)
class OtherEvent(Event):
    """Reactions, tags, anonymous chats, withdrawals, revoked permission, unknown kinds."""

    data: Mapping[str, Any] = field(default_factory=dict)


# --- Replies ---------------------------------------------------------------------------------

ButtonKind = Literal["query", "phone", "url"]


@dataclass(frozen=True)
class Button:
    """A button: `query` sends payload back as text (oa.query.hide), `phone` dials, `url` opens."""

    title: str
    kind: ButtonKind
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()


# --- Understanding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    faq_id: str
    score: float


@dataclass(frozen=True)
class Effect:
    """Something the shell must do after a decision: subscribe, unsubscribe, handoff, forget, ..."""

    kind: str
    args: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Session:
    """Per-resident conversation state (idle TTL) plus the remembered district."""

    pending: tuple[str, ...] = ()
    pending_kind: str | None = None
    pending_arg: str | None = None
    misses: int = 0
    last_intent: str | None = None
    last_faq: str | None = None
    district: str | None = None

    def evolve(self, **changes: Any) -> Session:
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "pending": list(self.pending),
            "pending_kind": self.pending_kind,
            "pending_arg": self.pending_arg,
            "misses": self.misses,
            "last_intent": self.last_intent,
            "last_faq": self.last_faq,
            "district": self.district,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Session:
        return cls(
            pending=tuple(data.get("pending") or ()),
            pending_kind=data.get("pending_kind"),
            pending_arg=data.get("pending_arg"),
            misses=int(data.get("misses") or 0),
            last_intent=data.get("last_intent"),
            last_faq=data.get("last_faq"),
            district=data.get("district"),
        )


Action = Literal["answer", "clarify"]


@dataclass(frozen=True)
class Decision:
    """What the bot decided for one message; pure data, applied by the services layer."""

    intent: str
    action: Action
    reply: Reply
    session: Session
    faq_id: str | None = None
    score: float = 0.0
    candidates: tuple[Candidate, ...] = ()
    effects: tuple[Effect, ...] = ()
    outcome: str = "answered"  # answered | clarified | fallback | emergency | paused | ...
    also: tuple[str, ...] = ()  # other FAQ entries the message asked about, offered as buttons


# --- Sending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    message_id: str
    user_id: str
    fell_back_to_text: bool = False
