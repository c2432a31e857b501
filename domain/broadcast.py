"""An announcement from an admin to everyone (transactional) or a category's subscribers."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .account import Account
from .errors import Forbidden, InvalidInput
from .message import validated_body
from .preferences import validated_category
from .text import bounded_text

PRIORITIES = ("transactional", "promotional")
MAX_TITLE = 120


class Broadcast(Aggregate):
    @classmethod
    def announce(cls, sender: Account, category: str, title: str, body: str, priority: str) -> Broadcast:
        if not sender.is_admin:
            raise NotAnAdmin()
        if priority not in PRIORITIES:
            raise InvalidInput("priority", 'must be "transactional" or "promotional"')
        return cls(
            category=validated_category(category), title=bounded_text("title", title, min_len=1, max_len=MAX_TITLE),
            body=validated_body(body), priority=priority, actor_id=sender.id,
        )

    @event("Announced")
    def __init__(self, category: str, title: str, body: str, priority: str, actor_id: UUID):
        self.category = category
        self.title = title
        self.body = body
        self.priority = priority
        self.sender_id = actor_id

    @property
    def reaches_everyone(self) -> bool:
        """Transactional notices go to every account; promotional ones only to subscribers."""
        return self.priority == "transactional"


class NotAnAdmin(Forbidden):
    def __init__(self) -> None:
        super().__init__("only an admin may do this")
