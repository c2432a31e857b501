"""The one object the socket gateway calls for live signals, and the emits it makes back.

The gateway supplies an Emitter (this process's sockets) and calls: connected / disconnected
per socket, typing_start / typing_stop, message_sent after a send, read_mark, and
notification_ack. Signals that other processes' sockets must see cross the SignalBus.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from hubbub.application.debounce import Clock
from hubbub.domain.errors import NotFound

from .ports import Directory, Emitter, PresenceStore, SignalBus
from .presence import Presence
from .receipts import ReadReceipts, WriteMark
from .stopping import stopped
from .typing import Typing

OnAck = Callable[[UUID, str], Awaitable[None]]


class Signals:
    def __init__(
        self, bus: SignalBus, store: PresenceStore,
        directory: Directory, write_mark: WriteMark, clock: Clock = time.monotonic, **presence_options: float | int,
    ):
        self.bus, self.directory = bus, directory
        self.emitter: Emitter | None = None
        self.typing = Typing(bus, clock=clock)
        self.receipts = ReadReceipts(write_mark, clock=clock)
        self.presence = Presence(store, bus, directory, _Deferred(self), clock=clock, **presence_options)
        self.ack_handlers: list[OnAck] = []
        self._task: asyncio.Task | None = None
        bus.subscribe(self._heard)

    def attach(self, emitter: Emitter) -> None:
        """The gateway hands in how to reach its sockets (once, when it starts)."""
        self.emitter = emitter

    async def start(self) -> None:
        await self.bus.start()
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        """Writes pending read marks, ends typing sessions, then stops the timers."""
        await self.receipts.close()
        await self.typing.close()
        await self.presence.close()
        await stopped(self._task)
        await self.bus.close()

    async def connected(self, user_id: UUID, sid: str) -> None:
        await self.presence.connected(user_id, sid)
        # Whoever holds the user's undelivered digests shows them to the new socket (offline queue).
        await self.bus.publish("socket:connected", {"user_id": str(user_id)})

    async def disconnected(self, user_id: UUID, sid: str) -> None:
        await self.typing.disconnected(sid)
        await self.receipts.disconnected(user_id)
        await self.presence.disconnected(user_id, sid)

    async def typing_start(self, user_id: UUID, room_id: UUID, sid: str) -> None:
        await self._ensure_member(user_id, room_id)
        await self.typing.start(user_id, room_id, sid)

    async def typing_stop(self, user_id: UUID, room_id: UUID) -> None:
        await self.typing.stop(user_id, room_id)

    async def message_sent(self, user_id: UUID, room_id: UUID) -> None:
        await self.typing.stop(user_id, room_id)

    async def read_mark(self, user_id: UUID, room_id: UUID, up_to_position: int) -> int:
        return await self.receipts.mark(user_id, room_id, up_to_position)

    async def notification_ack(self, user_id: UUID, digest_id: str) -> None:
        await self.bus.publish("notification:ack", {"user_id": str(user_id), "id": digest_id})

    async def _ensure_member(self, user_id: UUID, room_id: UUID) -> None:
        if not await self.directory.is_member(user_id, room_id):
            raise NotFound(f"room {room_id} not found")

    def timers(self) -> list:
        """Every debounce timer, for a test that drives them with a fake clock."""
        return [self.typing.timer, self.receipts.timer, self.presence.grace, self.presence.throttle]

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self.typing.timer.run())
            tasks.create_task(self.receipts.timer.run())
            tasks.create_task(self.presence.run())

    async def _heard(self, kind: str, payload: dict[str, Any]) -> None:
        if self.emitter is None:
            return
        if kind == "typing":
            await self.emitter.to_rooms([UUID(payload["room_id"])], "typing", payload,
                                        skip_user=UUID(payload["user_id"]))
        elif kind == "notification":
            await self.emitter.to_user(UUID(payload["user_id"]), "notification", payload["digest"])


class _Deferred:
    """Presence emits through whichever Emitter the gateway attaches later."""

    def __init__(self, signals: Signals):
        self.signals = signals

    async def to_user(self, user_id: UUID, event: str, data: dict[str, Any]) -> None:
        if self.signals.emitter is not None:
            await self.signals.emitter.to_user(user_id, event, data)

    async def to_rooms(
        self, room_ids: list[UUID], event: str, data: dict[str, Any], skip_user: UUID | None = None,
    ) -> None:
        if self.signals.emitter is not None:
            await self.signals.emitter.to_rooms(room_ids, event, data, skip_user)
