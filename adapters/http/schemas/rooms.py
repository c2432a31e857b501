"""Rooms, their members, mutes and pins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from hubbub.domain.room import MAX_MEMBERS_PER_CHANGE, MAX_NAME, MAX_TOPIC

from .messages import MessagePreview

MemberIds = Annotated[list[UUID], msgspec.Meta(max_length=MAX_MEMBERS_PER_CHANGE)]


class RoomCreate(msgspec.Struct):
    kind: Literal["dm", "group", "channel"]
    member_ids: MemberIds = []
    name: Annotated[str, msgspec.Meta(max_length=MAX_NAME)] | None = None
    topic: Annotated[str, msgspec.Meta(max_length=MAX_TOPIC)] | None = None
    private: bool = False


class Member(msgspec.Struct):
    user_id: UUID
    role: str
    joined_at: datetime


class Room(msgspec.Struct):
    room_id: UUID
    kind: str
    name: str | None
    topic: str | None
    private: bool
    created_at: datetime
    members: list[Member]
    pinned: list[UUID] = []
    position: int | None = None


class RoomDetail(msgspec.Struct):
    """A room as the read model shows it."""

    room_id: UUID
    kind: str
    name: str | None
    topic: str | None
    private: bool
    created_at: datetime
    members: list[Member]
    pinned: list[UUID]
    member_count: int
    message_count: int
    created_by: UUID | None = None
    last_message: MessagePreview | None = None


class MemberBrief(msgspec.Struct):
    user_id: UUID
    role: str


class RoomSummary(msgspec.Struct):
    """One entry of the caller's room list: the room, and the caller's place in it."""

    room_id: UUID
    kind: str
    name: str | None
    topic: str | None
    private: bool
    role: str
    member_count: int
    unread: int
    mentions: int
    muted: bool
    last_read_position: int
    joined_at: datetime | None = None
    members: list[MemberBrief] | None = None
    last_message: MessagePreview | None = None


class MembersAdd(msgspec.Struct):
    user_ids: Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=MAX_MEMBERS_PER_CHANGE)]


class MuteUpdate(msgspec.Struct):
    muted: bool


class Muted(msgspec.Struct):
    room_id: UUID
    muted: bool
    position: int


class Pin(msgspec.Struct):
    room_id: UUID
    message_id: UUID
    pinned: bool
    position: int
