"""The notification inbox, category subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from hubbub.domain.broadcast import MAX_TITLE
from hubbub.domain.message import MAX_BODY  # a broadcast body is a message body

from .common import Category


class Notification(msgspec.Struct):
    id: UUID
    kind: str
    reasons: list[str]
    room_id: UUID | None
    message_id: UUID | None
    actor_id: UUID | None
    emoji: str | None
    preview: str | None
    created_at: datetime
    position: int
    read: bool
    # Broadcasts only: what an admin announced, and to whom.
    title: str | None = None
    category: str | None = None
    priority: str | None = None


class NotificationPage(msgspec.Struct):
    """Newest first; pass `next_cursor` back as `cursor` for older items."""

    items: list[Notification]
    next_cursor: str | None = None
    unread: int = 0


class BroadcastRequest(msgspec.Struct):
    category: Category
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TITLE)]
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_BODY)]
    priority: Literal["transactional", "promotional"]


class BroadcastAccepted(msgspec.Struct):
    broadcast_id: UUID
    position: int


class NotificationRead(msgspec.Struct):
    id: UUID
    read: bool
    position: int


class AllRead(msgspec.Struct):
    updated: int
    read_up_to: int
    position: int


class Subscription(msgspec.Struct):
    category: str
    subscribed: bool
    position: int
