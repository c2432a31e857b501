"""Typing indicators: exactly two `typing` signals per typing session of a user in a room.

`typing: true` when a session starts; `typing: false` once, when it ends: after `quiet_s` of
silence, on typing:stop, when the user sends to the room, or when the socket that typed
disconnects. Keystrokes in between only push the silence timer back. Never stored.
"""

from __future__ import annotations

import time
from uuid import UUID

from hubbub.adapters.ratelimit.policy import Rate
from hubbub.application.debounce import Clock, Fire, Policy

from .limits import SignalLimit
from .ports import SignalBus
from .timers import DebounceTimer, debouncer

QUIET_S = 1.5
TYPING_RATE = Rate(limit=20, window_s=1)  # keystrokes every 50 ms still pass
Key = tuple[str, str]  # (user_id, room_id)


class Typing:
    def __init__(
        self, bus: SignalBus, quiet_s: float = QUIET_S, rate: Rate = TYPING_RATE,
        clock: Clock = time.monotonic,
    ):
        self.bus = bus
        self.sessions = debouncer(Policy(wait_s=quiet_s), clock)
        self.timer = DebounceTimer(self.sessions, self._ended)
        self.limit = SignalLimit(rate, clock)

    async def start(self, user_id: UUID, room_id: UUID, sid: str) -> None:
        """A keystroke (typing:start). Raises RateLimited when the user sends them too fast."""
        key = (str(user_id), str(room_id))
        await self.limit.check(f"typing:{key[0]}")
        opens = not self.sessions.active(key)
        self.sessions.call(key, sid)
        self.timer.poke()
        if opens:
            await self._publish(key, True)

    async def stop(self, user_id: UUID, room_id: UUID) -> None:
        """typing:stop, or a message sent to the room: the session ends now."""
        fire = self.sessions.flush((str(user_id), str(room_id)))
        if fire is not None:
            await self._ended(fire)

    async def disconnected(self, sid: str) -> None:
        for key in self.sessions.keys():
            if self.sessions.pending(key) == sid:
                await self._ended(self.sessions.flush(key))

    async def close(self) -> None:
        for key in self.sessions.keys():
            fire = self.sessions.flush(key)
            if fire is not None:
                await self._ended(fire)

    async def _ended(self, fire: Fire) -> None:
        self.sessions.forget(fire.key)
        await self._publish(fire.key, False)

    async def _publish(self, key: Key, typing: bool) -> None:
        user_id, room_id = key
        await self.bus.publish("typing", {"room_id": room_id, "user_id": user_id, "typing": typing})
