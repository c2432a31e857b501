"""Read receipts: bursts of read:mark become at most one marker write per (user, room) per second.

The first mark of a burst is written at once (so a bad room is refused in its ack); later
ones are acked at once with the highest position asked and written together, with the highest
position, when the second is up. Pending marks are written on disconnect and at shutdown, so a
mark that was acked is not lost by either. Each write is a MarkRead command: its event reaches the
room's sockets as the feed's durable `read:receipt` (the only source of that event).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from uuid import UUID

from hubbub.application.debounce import Clock, Fire, Policy
from hubbub.domain.read_marker import validated_position

from .timers import DebounceTimer, debouncer

WRITE_EVERY_S = 1.0
# (user_id, room_id, up_to_position) → (last_read_position, position of the write)
WriteMark = Callable[[UUID, UUID, int], Awaitable[tuple[int, int]]]
Key = tuple[str, str]


class ReadReceipts:
    def __init__(
        self, write_mark: WriteMark, every_s: float = WRITE_EVERY_S, clock: Clock = time.monotonic,
    ):
        self.write_mark = write_mark
        self.marks = debouncer(Policy(wait_s=every_s, max_wait_s=every_s, leading=True), clock, merge=max)
        self.timer = DebounceTimer(self.marks, self._write_fire)
        self.written: dict[Key, int] = {}
        self.writes = 0

    async def mark(self, user_id: UUID, room_id: UUID, up_to_position: int) -> int:
        """read:mark; returns the last_read_position to ack (raises what the first write raises)."""
        position, key = validated_position(up_to_position), (str(user_id), str(room_id))
        leading = self.marks.call(key, position)
        self.timer.poke()
        if leading is None:
            return max(position, self.marks.pending(key) or 0, self.written.get(key, 0))
        try:
            return await self._write(key, position)
        except Exception:
            self.marks.cancel(key)  # what follows a refused mark would be refused too
            raise

    async def disconnected(self, user_id: UUID) -> None:
        await self._flush([k for k in self.marks.keys() if k[0] == str(user_id)])
        self.written = {k: v for k, v in self.written.items() if k[0] != str(user_id)}

    async def close(self) -> None:
        await self._flush(self.marks.keys())

    async def _flush(self, keys: list[Key]) -> None:
        for key in keys:
            fire = self.marks.flush(key)
            if fire is not None:
                await self._write_fire(fire)

    async def _write_fire(self, fire: Fire) -> None:
        await self._write(fire.key, fire.value)

    async def _write(self, key: Key, up_to_position: int) -> int:
        user_id, room_id = key
        last_read, _ = await self.write_mark(UUID(user_id), UUID(room_id), up_to_position)
        self.writes += 1
        self.written[key] = max(self.written.get(key, 0), last_read)
        return last_read
