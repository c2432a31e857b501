"""Messages, pages of them, unread counts and read markers."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from .common import Body, ClientKey, Emoji, Position


class MessageCreate(msgspec.Struct):
    body: Body
    client_msg_id: ClientKey | None = None
    thread_id: UUID | None = None


class MessageUpdate(msgspec.Struct):
    body: Body


class Message(msgspec.Struct):
    message_id: UUID
    room_id: UUID
    author_id: UUID
    body: str | None
    thread_id: UUID | None
    mentions: list[UUID]
    reactions: dict[str, list[UUID]]
    edited_at: datetime | None
    deleted: bool
    created_at: datetime
    position: int


class TimelineMessage(Message):
    """A message as the timeline shows it: with its thread's size."""

    reply_count: int = 0
    last_reply_at: datetime | None = None
    client_msg_id: str | None = None


class MessagePage(msgspec.Struct):
    """Items in position order; `prev_cursor` is the `before` for older items, `next_cursor` the
    `after` for newer ones (null when there is nothing there yet)."""

    items: list[TimelineMessage]
    next_cursor: int | None = None
    prev_cursor: int | None = None


class SearchHit(msgspec.Struct):
    message_id: UUID
    room_id: UUID
    author_id: UUID
    body: str | None
    thread_id: UUID | None
    created_at: datetime
    edited_at: datetime | None
    position: int


class SearchResults(msgspec.Struct):
    items: list[SearchHit]


class MessagePreview(msgspec.Struct):
    message_id: UUID
    author_id: UUID
    body: str | None
    thread_id: UUID | None
    created_at: datetime
    position: int
    edited: bool = False
    deleted: bool = False


class Unread(msgspec.Struct):
    unread: int
    mentions: int
    last_read_position: int


class ReadMark(msgspec.Struct):
    up_to_position: Position


class ReadMarked(msgspec.Struct):
    last_read_position: int
    position: int


class ReactionCreate(msgspec.Struct):
    emoji: Emoji

