"""What the signals need from the gateway (emitting to sockets), from the read side (who is where),
and from the transport between processes (a bus and a presence store)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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

class SignalBus(Protocol):
    """Signals between processes (bus.py, sqlite_bus.py): every process's subscribers, the
    publisher's included, receive each signal once."""

    def subscribe(self, handler: Callable[[str, dict[str, Any]], Awaitable[None]]) -> None: ...

    def unsubscribe(self, handler: Callable[[str, dict[str, Any]], Awaitable[None]]) -> None: ...

    async def publish(self, kind: str, payload: dict[str, Any]) -> None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class PresenceStore(Protocol):
    """Who is online, shared by the processes (presence_store.py, sqlite_presence.py)."""

    async def connected(self, user_id: str) -> bool: ...

    async def disconnected(self, user_id: str) -> None: ...

    async def settle(self, user_id: str) -> bool: ...

    async def states(self, user_ids: list[str]) -> list[Any]: ...

    async def heartbeat(self) -> None: ...

    async def sweep(self) -> list[str]: ...

    async def close(self) -> None: ...
