"""Read receipts: bursts of read:mark become at most one marker write per (user, room) per second.

The first mark of a burst is written at once (so a bad room is refused in its ack); later ones
wait for the write that carries them, with the burst's highest position, when the second is up.
A mark is acknowledged only once it is written, so an acked mark survives even a killed
process; pending marks are written at once on disconnect and at shutdown. Each write is a MarkRead
command: its event reaches the room's sockets as the feed's durable `read:receipt` (the only
source of that event).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from uuid import UUID

from hubbub.application.debounce import Clock, Fire, Policy
from hubbub.domain.read_marker import validated_position

from .timers import DebounceTimer, debouncer

log = logging.getLogger(__name__)
WRITE_EVERY_S = 1.0
# (user_id, room_id, up_to_position) → (last_read_position, position of the write)
WriteMark = Callable[[UUID, UUID, int], Awaitable[tuple[int, int]]]
Key = tuple[str, str]


class ReadReceipts:
    def __init__(
        self, write_mark: WriteMark, every_s: float = WRITE_EVERY_S, clock: Clock = time.monotonic,
    ):
        self.write_mark = write_mark
        self.marks = debouncer(Policy(wait_s=every_s, max_wait_s=every_s, leading=True, forget_when_quiet=True), clock, merge=max)
        self.timer = DebounceTimer(self.marks, self._write_fire)
        self.waiting: dict[Key, list[asyncio.Future[int]]] = {}  # marks merged into the next write

    async def mark(self, user_id: UUID, room_id: UUID, up_to_position: int) -> int:
        """read:mark; returns the last_read_position written (raises what the write raises)."""
        position, key = validated_position(up_to_position), (str(user_id), str(room_id))
        leading = self.marks.call(key, position)
        self.timer.poke()
        if leading is None:
            written = asyncio.get_running_loop().create_future()
            self.waiting.setdefault(key, []).append(written)
            return await written
        try:
            return await self._write(key, position, [])
        except Exception as error:
            self.marks.cancel(key)  # what follows a refused mark would be refused too
            _settle(self.waiting.pop(key, []), error=error)
            raise

    async def disconnected(self, user_id: UUID) -> None:
        await self._flush([k for k in self.marks.keys() if k[0] == str(user_id)])

    async def close(self) -> None:
        await self._flush(self.marks.keys())

    async def _flush(self, keys: list[Key]) -> None:
        for key in keys:
            fire = self.marks.flush(key)
            if fire is not None:
                await self._write_fire(fire)

    async def _write_fire(self, fire: Fire) -> None:
        try:
            await self._write(fire.key, fire.value, self.waiting.pop(fire.key, []))
        except Exception:  # its waiting marks were refused with the error; other keys go on
            log.warning("a debounced read-marker write failed", exc_info=True, extra={"key": str(fire.key)})

    async def _write(self, key: Key, up_to_position: int, waiters: list[asyncio.Future[int]]) -> int:
        user_id, room_id = key
        try:
            last_read, _ = await self.write_mark(UUID(user_id), UUID(room_id), up_to_position)
        except Exception as error:
            _settle(waiters, error=error)
            raise
        _settle(waiters, last_read=last_read)
        return last_read


def _settle(waiters: list[asyncio.Future[int]], *, last_read: int = 0, error: Exception | None = None) -> None:
    for waiter in waiters:
        if waiter.done():  # its socket went away and the ack with it
            continue
        if error is None:
            waiter.set_result(last_read)
        else:
            waiter.set_exception(error)
