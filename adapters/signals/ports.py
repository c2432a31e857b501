"""What the signals need from the gateway (emitting to sockets) and from the read side (who is where)."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID


class Emitter(Protocol):
    """Emits to this process's sockets only: other processes hear a signal over the SignalBus."""

    async def to_user(self, user_id: UUID, event: str, data: dict[str, Any]) -> None:
        """Every socket of the user connected to this process."""

    async def to_rooms(
        self, room_ids: list[UUID], event: str, data: dict[str, Any], skip_user: UUID | None = None,
    ) -> None:
        """Every socket on this process following any of the rooms, once, except those of `skip_user`."""


class Directory(Protocol):
    """Who shares which room, read from the read models."""

    async def is_member(self, user_id: UUID, room_id: UUID) -> bool: ...

    async def members_of(self, room_id: UUID) -> list[UUID]: ...

    async def peers_of(self, user_id: UUID) -> set[UUID]:
        """Everyone who shares at least one room with the user (the user included)."""

    async def rooms_up_to(self, user_id: UUID, max_members: int) -> list[UUID]:
        """The user's rooms of at most `max_members` members."""
