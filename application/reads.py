"""Read markers: how far each member has read each room."""

from __future__ import annotations

from uuid import UUID

from hubbub.domain.ids import read_marker_id
from hubbub.domain.read_marker import ReadMarker, validated_position

from .app import Hubbub
from .concurrency import with_retries
from .context import CommandContext
from .rooms import RoomService


class ReadService:
    def __init__(self, app: Hubbub, rooms: RoomService):
        self.app = app
        self.rooms = rooms

    def mark_read(self, context: CommandContext, room_id: UUID, up_to_position: int) -> tuple[int, int]:
        """Returns (last_read_position, position); a position past the log's head is clamped to it."""
        wanted = min(validated_position(up_to_position), self.app.head())

        def command() -> tuple[int, int]:
            room = self.rooms.peek(room_id)
            marker = self._marker(context.actor_id, room_id)
            if marker is None:
                marker = ReadMarker.start(room, context.actor_id, wanted)
            else:
                marker.advance(room, wanted)
            return marker.position, self.app.commit(context, marker)

        return with_retries(command)

    def last_read(self, user_id: UUID, room_id: UUID) -> int:
        marker = self._marker(user_id, room_id)
        return marker.position if marker else 0

    def _marker(self, user_id: UUID, room_id: UUID) -> ReadMarker | None:
        marker_id = read_marker_id(user_id, room_id)
        return self.app.find(ReadMarker, marker_id)
