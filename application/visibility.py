"""Who may read a room on the query side, answered from the read model's room.

The same rule as Room.ensure_member on the command side: members read; a room a non-member can
see (public) answers 403, one they cannot (private) does not exist for them (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from .read_models import ReadModels
from hubbub.domain.room import NotAMember, RoomNotFound

T = TypeVar("T")


def visible_room(read_models: ReadModels, room_id: UUID, user_id: UUID) -> dict[str, Any]:
    room = read_models.room(room_id)
    if room is None or (room.get("private") and not _is_member(room, user_id)):
        raise RoomNotFound(room_id)
    return room


def member_room(read_models: ReadModels, room_id: UUID, user_id: UUID) -> dict[str, Any]:
    room = visible_room(read_models, room_id, user_id)
    if not _is_member(room, user_id):
        raise NotAMember(room_id)
    return room


def for_member(read_models: ReadModels, room_id: UUID, user_id: UUID, query: Callable[[], T]) -> T:
    """Answer a room's query to one of its members (blocking: one query-thread trip for both)."""
    member_room(read_models, room_id, user_id)
    return query()


def _is_member(room: dict[str, Any], user_id: UUID) -> bool:
    return any(str(member["user_id"]) == str(user_id) for member in room.get("members", []))
