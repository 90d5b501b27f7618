"""One key builder: every Redis key comes from here, under one prefix.

Keys used together in one atomic operation (a MULTI/EXEC pipeline, a Lua script, a multi-key
command) share a hash tag ({...}), so the same code runs on Redis Cluster: per-resident keys use
{u:<user_id>}, the token record, its lock, OAuth states and the send throttle {zalo}, each inbound
stream partition with its dedupe marks {inbound:N}, one broadcast's keys {b:<id>}, the
subscription index {subs} (one SUNION reads several of its sets), console accounts and their
index {admin}, the approved content with its history and changes {content}. Every other key is
used alone or in non-transactional pipelines, which a cluster client splits by node.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

INBOUND_GROUP = "workers"


@dataclass(frozen=True)
class Keys:
    prefix: str = "nd:"

    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    # per resident -----------------------------------------------------------------------
    @staticmethod
    def _u(user_id: str) -> str:
        return "{u:" + user_id + "}"

    def session(self, user_id: str) -> str:
        return self._k(self._u(user_id), "session")

    def district(self, user_id: str) -> str:
        return self._k(self._u(user_id), "district")

    def paused(self, user_id: str) -> str:
        return self._k(self._u(user_id), "paused")

    def last_seen(self, user_id: str) -> str:
        return self._k(self._u(user_id), "seen")

    def flood(self, user_id: str, minute: int) -> str:
        return self._k(self._u(user_id), "flood", str(minute))

    def flood_warned(self, user_id: str, minute: int) -> str:
        return self._k(self._u(user_id), "flood-warned", str(minute))

    def user_lock(self, user_id: str) -> str:
        return self._k(self._u(user_id), "lock")

    def notices(self, user_id: str) -> str:
        return self._k(self._u(user_id), "notices")

    def subscriptions(self, user_id: str) -> str:
        return self._k(self._u(user_id), "subs")

    def daily_broadcasts(self, user_id: str, day: str) -> str:
        return self._k(self._u(user_id), "bday", day)

    def profile(self, user_id: str) -> str:
        return self._k(self._u(user_id), "profile")

    def outbox(self, user_id: str) -> str:
        """Sandbox replies in local mode."""
        return self._k(self._u(user_id), "outbox")

    def user_keys_pattern(self, user_id: str) -> str:
        return self._k(self._u(user_id), "*")

    # inbound events ---------------------------------------------------------------------
    def inbound(self, partition: int) -> str:
        return self._k("{inbound:" + str(partition) + "}", "stream")

    def partition_lease(self, partition: int) -> str:
        return self._k("lease", "inbound", str(partition))

    @staticmethod
    def _event(event_id: str) -> str:
        """Event ids without a msg_id hold the resident's id (kind:user:time): keys carry a
        digest instead, so no key name outlives a deletion request with the id in it."""
        return hashlib.sha256(event_id.encode("utf-8", "replace")).hexdigest()[:32]

    def sending(self, event_id: str) -> str:
        return self._k("sending", self._event(event_id))

    def dedupe(self, partition: int, event_id: str) -> str:
        """Beside its stream partition, so one script can check it and queue the event."""
        return self._k("{inbound:" + str(partition) + "}", "dedupe", self._event(event_id))

    def replied(self, event_id: str) -> str:
        return self._k("replied", self._event(event_id))

    def workers(self) -> str:
        return self._k("workers")

    def admin_notice_logged(self) -> str:
        return self._k("webhook-unverified-logged")

    # Zalo tokens and sending ------------------------------------------------------------
    def token(self) -> str:
        return self._k("{zalo}", "token")

    def token_lock(self) -> str:
        return self._k("{zalo}", "token-lock")

    def oauth_state(self, state: str) -> str:
        return self._k("{zalo}", "oauth", state)

    def throttle(self) -> str:
        return self._k("{zalo}", "throttle")

    def throttle_pause(self) -> str:
        return self._k("{zalo}", "paused-until")

    def throttle_waiting(self) -> str:
        return self._k("{zalo}", "interactive-waiting")

    # content feedback and statistics ------------------------------------------------------
    def unanswered(self) -> str:
        return self._k("unanswered")

    def unanswered_did(self) -> str:
        """Hash: unanswered message text → what the bot did instead of answering."""
        return self._k("unanswered:did")

    def feedback(self, faq_id: str) -> str:
        return self._k("feedback", faq_id)

    def stats(self, day: str) -> str:
        return self._k("stats", day)

    def audit(self) -> str:
        return self._k("audit")

    # subscriptions and broadcasts ---------------------------------------------------------
    def topic_subscribers(self, topic: str, district: str) -> str:
        return self._k("{subs}", topic, district or "*")

    def broadcast(self, broadcast_id: str) -> str:
        return self._k("{b:" + broadcast_id + "}", "meta")

    def broadcast_part(self, broadcast_id: str, part: str) -> str:
        return self._k("{b:" + broadcast_id + "}", part)

    def broadcasts(self) -> str:
        return self._k("broadcasts")

    def broadcasts_due(self) -> str:
        return self._k("broadcasts-due")

    def broadcast_seq(self) -> str:
        return self._k("broadcast-seq")

    def broadcast_lease(self, broadcast_id: str) -> str:
        return self._k("{b:" + broadcast_id + "}", "lease")

    # admin console ------------------------------------------------------------------------
    def admin_user(self, name: str) -> str:
        """Beside the account index: creating or deleting an account updates both at once."""
        return self._k("{admin}", "user", name)

    def admin_users(self) -> str:
        return self._k("{admin}", "users")

    def admin_session(self, sid: str) -> str:
        """One console login; deleted at logout, so its cookie is worth nothing after."""
        return self._k("admin", "session", sid)

    def login_attempts(self, who: str) -> str:
        return self._k("admin", "login", who)

    def content_status(self) -> str:
        return self._k("content-status")

    # approved content, its history and proposed changes (one hash tag: one script commits) --
    def content(self, part: str) -> str:
        """`rev`, `live`, `filebase`, `file-digests`, `changes`, `change-seq`."""
        return self._k("{content}", part)

    def content_history(self, doc: str) -> str:
        return self._k("{content}", "hist", doc)

    def content_change(self, change_id: str) -> str:
        return self._k("{content}", "change", change_id)

    # metrics shared by every process ------------------------------------------------------
    def metric(self, family: str) -> str:
        """One hash per metric family; each observation touches this one key only."""
        return self._k("metrics", family)
