"""Rooms and membership: create, join, leave, mute, pin."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import IntegrityError

from hubbub.domain.account import Account
from hubbub.domain.errors import InvalidInput, NotFound
from hubbub.domain.ids import random_id
from hubbub.domain.message import Message
from hubbub.domain.room import Room, RoomNotFound

from .app import Hubbub
from .concurrency import with_retries
from .context import CommandContext


class RoomService:
    def __init__(self, app: Hubbub):
        self.app = app

    def get(self, room_id: UUID) -> Room:
        return self.app.load(Room, room_id, missing=RoomNotFound(room_id))

    def peek(self, room_id: UUID) -> Room:
        """The room for checks only (membership, roles): shared with the cache, never to be changed."""
        return self.app.load(Room, room_id, missing=RoomNotFound(room_id), for_change=False)

    def visible(self, room_id: UUID, viewer_id: UUID) -> Room:
        room = self.get(room_id)
        if not room.is_visible_to(viewer_id):
            raise RoomNotFound(room_id)
        return room

    def create(
        self, context: CommandContext, kind: str, member_ids: list[UUID], name: str | None = None,
        topic: str | None = None, private: bool = False,
    ) -> tuple[Room, int, bool]:
        """Returns (room, position, created); a DM that exists already comes back as is."""
        self._ensure_accounts_exist(member_ids)
        creator = context.actor_id
        if kind == "dm":
            return self._open_dm(context, [m for m in dict.fromkeys(member_ids) if m != creator])
        room = Room.open_room(kind, creator, name, topic, member_ids, private, room_id=random_id())
        return room, self.app.commit(context, room), True

    def _open_dm(self, context: CommandContext, others: list[UUID]) -> tuple[Room, int, bool]:
        if len(others) != 1:
            raise InvalidInput("member_ids", "a DM has exactly two members: name one other user")
        room = Room.open_dm(context.actor_id, others[0])
        try:
            return room, self.app.commit(context, room), True
        except IntegrityError:
            # At most one DM per pair: its id is derived from the pair, so it already exists.
            return self.get(room.id), self.app.head(), False

    def add_members(self, context: CommandContext, room_id: UUID, user_ids: list[UUID]) -> tuple[Room, int]:
        self._ensure_accounts_exist(user_ids)

        def command() -> tuple[Room, int]:
            room = self.get(room_id)
            room.add_members(user_ids, context.actor_id)
            return room, self.app.commit(context, room)

        return with_retries(command)

    def remove_member(self, context: CommandContext, room_id: UUID, user_id: UUID) -> int:
        return self._change(context, room_id, lambda room: room.remove_member(user_id, context.actor_id))

    def set_muted(self, context: CommandContext, room_id: UUID, muted: bool) -> int:
        return self._change(context, room_id, lambda room: room.set_muted(context.actor_id, muted))

    def pin(self, context: CommandContext, room_id: UUID, message_id: UUID) -> int:
        self._ensure_message_in_room(message_id, room_id)
        return self._change(context, room_id, lambda room: room.pin(message_id, context.actor_id))

    def unpin(self, context: CommandContext, room_id: UUID, message_id: UUID) -> int:
        return self._change(context, room_id, lambda room: room.unpin(message_id, context.actor_id))

    def _change(self, context: CommandContext, room_id: UUID, change) -> int:
        def command() -> int:
            room = self.get(room_id)
            change(room)
            return self.app.commit(context, room)

        return with_retries(command)

    def _ensure_accounts_exist(self, user_ids: list[UUID]) -> None:
        for user_id in dict.fromkeys(user_ids):
            self.app.load(Account, user_id, missing=InvalidInput("user_ids", f"no user {user_id}"))

    def _ensure_message_in_room(self, message_id: UUID, room_id: UUID) -> None:
        message = self.app.load(Message, message_id)
        if message.room_id != room_id:
            raise NotFound(f"message {message_id} not found")
