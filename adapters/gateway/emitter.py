"""How the live signals reach this process's sockets: the Emitter that runtime.signals is handed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from .gateway import Gateway


class SocketEmitter:
    def __init__(self, gateway: Gateway):
        self.gateway = gateway

    async def to_user(self, user_id: UUID, event: str, data: dict[str, Any]) -> None:
        for connection in self.gateway.connections.of_user(str(user_id)):
            if not connection.closing:
                await self.gateway.emit_to(connection, event, data)

    async def to_rooms(
        self, room_ids: list[UUID], event: str, data: dict[str, Any], skip_user: UUID | None = None,
    ) -> None:
        """Only live sockets follow a room: a room's signals never reach a socket outside it.
        A socket in several of the rooms gets the signal once."""
        skipped = [c.sid for c in self.gateway.connections.of_user(str(skip_user))] if skip_user else []
        await self.gateway.emit_to_rooms([str(r) for r in room_ids], event, data, skipped)
