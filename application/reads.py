"""Read markers: how far each member has read each room."""

from __future__ import annotations

from uuid import UUID

from hubbub.domain.ids import read_marker_id
from hubbub.domain.read_marker import ReadMarker, validated_position
from hubbub.domain.room import Room, RoomNotFound

from . import commands as c
from .app import Hubbub
from .context import CommandContext
from .staged import Staged, Workspace


class ReadService:
    def __init__(self, app: Hubbub):
        self.app = app

    def last_read(self, user_id: UUID, room_id: UUID) -> int:
        marker = self.app.find(ReadMarker, read_marker_id(user_id, room_id))
        return marker.position if marker else 0

    def handlers(self) -> dict:
        return {c.MarkRead: mark_read}


def mark_read(command: c.MarkRead, context: CommandContext, ws: Workspace) -> Staged:
    """Answers (last_read_position, position); a position past the log's head is clamped to it."""
    wanted = min(validated_position(command.up_to_position), ws.head())
    room = ws.load(Room, command.room_id, RoomNotFound(command.room_id), for_change=False)
    marker = ws.find(ReadMarker, read_marker_id(context.actor_id, command.room_id))
    if marker is None:
        marker = ReadMarker.start(room, context.actor_id, wanted)
    else:
        marker.advance(room, wanted)
    return Staged(context, (marker,), lambda position: (marker.position, position))
