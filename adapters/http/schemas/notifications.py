"""The notification inbox, category subscriptions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


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


class NotificationPage(msgspec.Struct):
    """Newest first; pass `next_cursor` back as `cursor` for older items."""

    items: list[Notification]
    next_cursor: str | None = None
    unread: int = 0


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
