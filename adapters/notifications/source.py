"""Which inbox notifications an event created, read back from the inbox read model.

The inbox projector decides who is notified (mentions, replies, DMs, reactions, broadcasts);
this only names the candidates an event could have notified and keeps those whose notification
exists, so both agree by construction. Call it once the inbox has processed the event
(processed_position).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from hubbub.application.digests import Item
from hubbub.application.read_models import ReadModels
from hubbub.domain.inbox import notification_id
from hubbub.projections import topics as t
from hubbub.projections.inbox.audiences import PAGE, audience_of
from hubbub.projections.inbox.projector import PREVIEW_CHARS

TOPICS = (t.MESSAGE_SENT, t.MESSAGE_EDITED, t.REACTION_ADDED, t.BROADCAST_ANNOUNCED)


class NotificationSource:
    def __init__(self, read_models: ReadModels, processed_position: Callable[[], int], page: int = PAGE):
        """`processed_position`: how far the read models this reads have stored the log."""
        self.read_models, self.processed_position, self.page = read_models, processed_position, page

    def items(self, logged: Any) -> Iterator[Item]:
        if logged.topic == t.BROADCAST_ANNOUNCED:
            yield from self._announced(logged)
            return
        for user_id in self._candidates(logged):
            doc = self.read_models.notification(UUID(user_id), notification_id(logged.position, user_id))
            if doc is not None:
                yield _item(doc, user_id, logged)

    def _announced(self, logged: Any) -> Iterator[Item]:
        """One item per member of the audience, built from the event: the inbox made the same, and
        the send-time check reads each back anyway."""
        event, at = logged.event, logged.event.timestamp.timestamp()
        fields = {"kind": "broadcast", "reasons": ["broadcast"], "room_id": None, "message_id": None,
                  "actor_id": str(event.actor_id), "preview": event.body[:PREVIEW_CHARS], "title": event.title,
                  "category": event.category, "priority": event.priority, "position": logged.position,
                  "created_at": datetime.fromtimestamp(at, UTC).isoformat()}
        transactional = event.priority == "transactional"
        for user_id in self._audience(audience_of(event)):
            yield Item(str(notification_id(logged.position, user_id)), user_id, logged.position, at,
                       transactional=transactional, fields=fields)

    def _candidates(self, logged: Any) -> Iterator[str]:
        event, topic = logged.event, logged.topic
        if topic == t.REACTION_ADDED:
            yield str(event.author_id)
        elif topic == t.MESSAGE_EDITED:
            yield from (str(m) for m in event.mentions)
        elif topic == t.MESSAGE_SENT:
            yield from dict.fromkeys(self._sent_candidates(event))

    def _sent_candidates(self, event: Any) -> Iterator[str]:
        yield from (str(m) for m in event.mentions)
        if event.thread_id:
            root = self.read_models.message(event.thread_id)
            if root is not None:
                yield str(root["author_id"])
        room = self.read_models.room(event.room_id)
        if room is not None and room["kind"] == "dm":
            yield from (str(m["user_id"]) for m in room["members"])

    def _audience(self, audience: str) -> Iterator[str]:
        after = ""
        while page := self.read_models.audience_page(audience, after, self.page):
            yield from page
            after = page[-1]


def _item(doc: dict[str, Any], user_id: str, logged: Any) -> Item:
    created = doc["created_at"]
    at = created.timestamp() if isinstance(created, datetime) else float(created)
    fields = {k: (str(v) if isinstance(v, UUID) else v) for k, v in doc.items() if k not in ("read", "id")}
    return Item(str(doc["id"]), user_id, logged.position, at, transactional=doc.get("priority") == "transactional",
                fields={**fields, "created_at": datetime.fromtimestamp(at, UTC).isoformat()})
