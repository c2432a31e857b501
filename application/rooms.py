"""Rooms and membership: create, join, leave, mute, pin."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from hubbub.domain.account import Account
from hubbub.domain.errors import InvalidInput, NotFound
from hubbub.domain.ids import random_id
from hubbub.domain.message import Message
from hubbub.domain.room import Room, RoomNotFound

from . import commands as c
from .app import Hubbub
from .context import CommandContext
from .staged import Staged, Workspace


class RoomService:
    def __init__(self, app: Hubbub):
        self.app = app

    def get(self, room_id: UUID) -> Room:
        return self.app.load(Room, room_id, missing=RoomNotFound(room_id))

    def handlers(self) -> dict:
        return {
            c.CreateRoom: create_room, c.AddMembers: add_members, c.RemoveMember: remove_member,
            c.SetMuted: set_muted, c.Pin: pin, c.Unpin: unpin,
        }


def create_room(command: c.CreateRoom, context: CommandContext, ws: Workspace) -> Staged:
    """Answers (room, position, created); a DM that exists already comes back as is."""
    _ensure_accounts_exist(ws, command.member_ids)
    creator = context.actor_id
    if command.kind == "dm":
        return _open_dm(context, ws, [m for m in dict.fromkeys(command.member_ids) if m != creator])
    room = Room.open_room(command.kind, creator, command.name, command.topic, command.member_ids, command.private,
                          room_id=random_id())
    return Staged(context, (room,), lambda position: (room, position, True))


def _open_dm(context: CommandContext, ws: Workspace, others: list[UUID]) -> Staged:
    if len(others) != 1:
        raise InvalidInput("member_ids", "a DM has exactly two members: name one other user")
    room = Room.open_dm(context.actor_id, others[0])
    # At most one DM per pair: its id is derived from the pair.
    existing = ws.find(Room, room.id)
    if existing is not None:
        return Staged.answered(context, (existing, ws.head(), False))
    return Staged(context, (room,), lambda position: (room, position, True))


def add_members(command: c.AddMembers, context: CommandContext, ws: Workspace) -> Staged:
    _ensure_accounts_exist(ws, command.user_ids)
    room = _room(ws, command.room_id)
    room.add_members(command.user_ids, context.actor_id)
    return Staged(context, (room,), lambda position: (room, position))


def remove_member(command: c.RemoveMember, context: CommandContext, ws: Workspace) -> Staged:
    return _change(context, ws, command.room_id, lambda room: room.remove_member(command.user_id, context.actor_id))


def set_muted(command: c.SetMuted, context: CommandContext, ws: Workspace) -> Staged:
    return _change(context, ws, command.room_id, lambda room: room.set_muted(context.actor_id, command.muted))


def pin(command: c.Pin, context: CommandContext, ws: Workspace) -> Staged:
    message = ws.load(Message, command.message_id, for_change=False)
    if message.room_id != command.room_id:
        raise NotFound(f"message {command.message_id} not found")
    return _change(context, ws, command.room_id, lambda room: room.pin(command.message_id, context.actor_id))


def unpin(command: c.Unpin, context: CommandContext, ws: Workspace) -> Staged:
    return _change(context, ws, command.room_id, lambda room: room.unpin(command.message_id, context.actor_id))


def _change(context: CommandContext, ws: Workspace, room_id: UUID, change: Callable[[Room], object]) -> Staged:
    room = _room(ws, room_id)
    change(room)
    return Staged(context, (room,), lambda position: position)


def _room(ws: Workspace, room_id: UUID) -> Room:
    return ws.load(Room, room_id, RoomNotFound(room_id))


def _ensure_accounts_exist(ws: Workspace, user_ids: list[UUID]) -> None:
    for user_id in dict.fromkeys(user_ids):
        ws.load(Account, user_id, InvalidInput("user_ids", f"no user {user_id}"), for_change=False)
