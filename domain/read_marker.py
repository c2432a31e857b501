"""How far one member has read one room, as a global log position that never moves back."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .errors import InvalidInput
from .ids import read_marker_id
from .room import Room


def validated_position(position: int) -> int:
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise InvalidInput("up_to_position", "must be a non-negative integer")
    return position


class ReadMarker(Aggregate):
    @classmethod
    def start(cls, room: Room, user_id: UUID, position: int) -> ReadMarker:
        room.ensure_member(user_id)
        return cls(room_id=room.id, user_id=user_id, position=validated_position(position),
                   actor_id=user_id, id=read_marker_id(user_id, room.id))

    @event("Started")
    def __init__(self, room_id: UUID, user_id: UUID, position: int, actor_id: UUID, id: UUID):
        self.room_id = room_id
        self.user_id = user_id
        self.position = position

    def advance(self, room: Room, position: int) -> bool:
        """Move forward; an older position is a no-op, never an error and never a step back."""
        room.ensure_member(self.user_id)
        if validated_position(position) <= self.position:
            return False
        self._advanced(room_id=self.room_id, position=position, actor_id=self.user_id)
        return True

    @event("Advanced")
    def _advanced(self, room_id: UUID, position: int, actor_id: UUID) -> None:
        self.position = position
