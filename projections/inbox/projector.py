"""Derives notifications from message events, and applies the inbox's read commands.

One notification per (source event, recipient), whatever the reasons (a DM that mentions you
is one notification, kind "mention", reasons ["mention", "dm"]). Its id comes from the source
event's position and the recipient, so a rebuild recreates the same ids and the replayed
read commands find them.
"""

from __future__ import annotations

from typing import Any

from hubbub.domain.inbox import notification_id
from hubbub.projections import topics as t
from hubbub.projections.runtime.batch import Batch
from hubbub.projections.erasure import ERASED, rewrite
from hubbub.projections.projector import Projector
from hubbub.projections.store import CollectionSpec

from . import audiences

NOTIFICATIONS = "notifications"
READERS = "readers"  # per user: read_all_up_to
ROOMS = "rooms"  # per room: kind and members (who gets a DM notification)
MESSAGES = "messages"  # per live message: author, mentions, who was notified and by which ids
KIND_ORDER = ("mention", "reply", "dm", "reaction", "broadcast")
PREVIEW_CHARS = 140


class InboxProjector(Projector):
    name = "inbox"
    collections = (
        CollectionSpec(NOTIFICATIONS, indexes=(("user_id", "position"),)),
        CollectionSpec(READERS), CollectionSpec(ROOMS), CollectionSpec(MESSAGES),
        CollectionSpec(audiences.MEMBERS, indexes=(("audience", "user_id"),)), CollectionSpec(audiences.SUBSCRIBERS),
    )
    write_once = frozenset({NOTIFICATIONS, MESSAGES})
    shape = "2"  # 2: broadcast audiences are one document per (audience, user)
    handles = {
        t.ROOM_CREATED: "room_created", t.MEMBERS_JOINED: "joined", t.MEMBER_LEFT: "left",
        t.MESSAGE_SENT: "sent", t.MESSAGE_EDITED: "edited", t.MESSAGE_DELETED: "deleted",
        t.REACTION_ADDED: "reaction_added",
        t.INBOX_NOTIFICATIONS_READ: "notifications_read", t.INBOX_ALL_READ: "all_read",
        t.ACCOUNT_REGISTERED: "registered", t.ACCOUNT_PREFS_CHANGED: "preferences_changed",
        t.BROADCAST_ANNOUNCED: "announced", t.ERASURE_REQUESTED: "erased",
    }

    def wants(self, topic: str, event: Any) -> list[tuple[str, str]]:
        if topic == t.MESSAGE_SENT:
            thread = [(MESSAGES, str(event.thread_id))] if event.thread_id else []
            return [(ROOMS, str(event.room_id)), *thread]
        if topic in (t.MESSAGE_EDITED, t.MESSAGE_DELETED, t.REACTION_ADDED):
            return [(MESSAGES, str(event.originator_id))]
        if topic == t.INBOX_NOTIFICATIONS_READ:
            return [(NOTIFICATIONS, str(i)) for i in event.notification_ids]
        if topic in (t.MEMBERS_JOINED, t.MEMBER_LEFT):
            return [(ROOMS, str(event.originator_id))]
        return [(READERS, str(event.user_id))] if topic == t.INBOX_ALL_READ else []

    def room_created(self, event: Any, position: int, batch: Batch) -> None:
        members = [str(m["user_id"]) for m in event.members]
        batch.put(ROOMS, {"_id": str(event.originator_id), "kind": event.kind, "members": members})

    def joined(self, event: Any, position: int, batch: Batch) -> None:
        room = batch.edit(ROOMS, str(event.originator_id))
        room["members"] = list(dict.fromkeys([*room["members"], *(str(u) for u in event.user_ids)]))

    def left(self, event: Any, position: int, batch: Batch) -> None:
        room = batch.edit(ROOMS, str(event.originator_id))
        room["members"] = [u for u in room["members"] if u != str(event.user_id)]

    def sent(self, event: Any, position: int, batch: Batch) -> None:
        author = str(event.author_id)
        reasons: dict[str, list[str]] = {}
        for user_id in (str(m) for m in event.mentions):
            reasons.setdefault(user_id, []).append("mention")
        root = batch.get(MESSAGES, str(event.thread_id)) if event.thread_id else None
        if root is not None:
            reasons.setdefault(root["author_id"], []).append("reply")
        room = batch.get(ROOMS, str(event.room_id))
        if room is not None and room["kind"] == "dm":
            for user_id in room["members"]:
                reasons.setdefault(user_id, []).append("dm")
        message = {"_id": str(event.originator_id), "room_id": str(event.room_id), "author_id": author,
                   "mentions": [str(m) for m in event.mentions], "notified": [], "notified_users": []}
        batch.put(MESSAGES, message)
        for user_id, why in reasons.items():
            if user_id != author:
                self._notify(batch, message, position, user_id, why, event, body=event.body)

    def edited(self, event: Any, position: int, batch: Batch) -> None:
        message = batch.get(MESSAGES, str(event.originator_id))
        if message is None:
            return
        message = batch.edit(MESSAGES, message["_id"])
        message["mentions"] = [str(m) for m in event.mentions]
        for user_id in message["mentions"]:
            # A mention added by an edit notifies once; someone already notified is not again.
            if user_id != message["author_id"] and user_id not in message["notified_users"]:
                self._notify(batch, message, position, user_id, ["mention"], event, body=event.body)

    def deleted(self, event: Any, position: int, batch: Batch) -> None:
        message = batch.get(MESSAGES, str(event.originator_id))
        if message is None:
            return
        for notified in message["notified"]:
            batch.delete(NOTIFICATIONS, notified)
        batch.delete(MESSAGES, message["_id"])

    def reaction_added(self, event: Any, position: int, batch: Batch) -> None:
        message = batch.get(MESSAGES, str(event.originator_id))
        author = str(event.author_id)
        if message is not None and author != str(event.actor_id):
            self._notify(batch, batch.edit(MESSAGES, message["_id"]), position, author, ["reaction"], event,
                         emoji=event.emoji)

    def _notify(self, batch: Batch, message: dict, position: int, user_id: str, why: list[str], event: Any,
                body: str | None = None, emoji: str | None = None) -> None:
        doc_id = str(notification_id(position, user_id))
        batch.put(NOTIFICATIONS, {
            "_id": doc_id, "user_id": user_id, "position": position,
            "kind": min(why, key=KIND_ORDER.index), "reasons": why, "room_id": message["room_id"],
            "message_id": message["_id"], "actor_id": str(event.actor_id), "emoji": emoji,
            "preview": body[:PREVIEW_CHARS] if body else None, "created_at": event.timestamp, "read": False,
        })
        message["notified"] = [*message["notified"], doc_id]
        message["notified_users"] = list(dict.fromkeys([*message["notified_users"], user_id]))

    def registered(self, event: Any, position: int, batch: Batch) -> None:
        audiences.registered(event, batch)

    def preferences_changed(self, event: Any, position: int, batch: Batch) -> None:
        audiences.preferences_changed(event, batch)

    def announced(self, event: Any, position: int, batch: Batch) -> None:
        for page in audiences.recipients(event, batch):
            for user_id in page:
                self._announce_to(event, position, batch, user_id)

    def _announce_to(self, event: Any, position: int, batch: Batch, user_id: str) -> None:
        batch.put(NOTIFICATIONS, {
            "_id": str(notification_id(position, user_id)), "user_id": user_id, "position": position,
            "kind": "broadcast", "reasons": ["broadcast"], "room_id": None, "message_id": None,
            "actor_id": str(event.actor_id), "emoji": None, "preview": event.body[:PREVIEW_CHARS],
            "title": event.title, "category": event.category, "priority": event.priority,
            "created_at": event.timestamp, "read": False,
        })

    def erased(self, event: Any, position: int, batch: Batch) -> None:
        def erase_text(notification: dict) -> None:
            notification.update({k: ERASED for k in ("preview", "title") if notification.get(k) is not None})

        rewrite(batch, NOTIFICATIONS, {"actor_id": str(event.user_id), "kind": {"$ne": "reaction"}}, erase_text)

    def notifications_read(self, event: Any, position: int, batch: Batch) -> None:
        owner = str(event.user_id)
        for notified in (str(i) for i in event.notification_ids):
            doc = batch.get(NOTIFICATIONS, notified)
            if doc is not None and doc["user_id"] == owner and not doc["read"]:
                batch.edit(NOTIFICATIONS, notified)["read"] = True

    def all_read(self, event: Any, position: int, batch: Batch) -> None:
        reader = batch.edit(READERS, str(event.user_id), new=lambda: {"read_all_up_to": 0})
        reader["read_all_up_to"] = max(reader["read_all_up_to"], event.up_to_position)
