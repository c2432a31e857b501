"""A fake clock, drivers that poll Debouncers the way the timer task does, and fake rooms."""

from __future__ import annotations

from uuid import UUID

from hubbub.adapters.settings import Settings
from hubbub.adapters.signals.timers import DebounceTimer
from hubbub.application.debounce import Debouncer, Fire


ROOM_LIMIT = Settings().presence_room_limit  # the deployed default


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class Driven:
    """Advances the clock, stopping at every deadline the engine names, as a timer task would."""

    def __init__(self, engine: Debouncer, clock: FakeClock):
        self.engine, self.clock = engine, clock
        self.fired: list[tuple[float, Fire]] = []

    def advance(self, seconds: float) -> list[Fire]:
        target, fires = self.clock.now + seconds, []
        while (due := self.engine.next_due()) is not None and due <= target:
            self.clock.now = max(self.clock.now, due)
            now_due = self.engine.due()
            self.fired.extend((self.clock.now, f) for f in now_due)
            fires.extend(now_due)
        self.clock.now = target
        return fires

    def record(self, fire: Fire | None) -> Fire | None:
        if fire is not None:
            self.fired.append((self.clock.now, fire))
        return fire


class FakeRooms:
    """Directory and Emitter at once: rooms with members, and who has a socket on this process."""

    def __init__(self, rooms: dict[str, list[str]]):
        self.rooms = {UUID(r): [UUID(u) for u in members] for r, members in rooms.items()}
        self.online: set[UUID] = set()
        self.emitted: list[tuple[UUID, str, dict]] = []  # (recipient, event, data)
        self.clock: FakeClock | None = None
        self.times: list[float] = []  # when each emit was made, on `clock`

    async def is_member(self, user_id: UUID, room_id: UUID) -> bool:
        return user_id in self.rooms.get(room_id, [])

    async def members_of(self, room_id: UUID) -> list[UUID]:
        return list(self.rooms.get(room_id, []))

    async def peers_of(self, user_id: UUID) -> set[UUID]:
        return {u for members in self.rooms.values() if user_id in members for u in members} | {user_id}

    async def to_user(self, user_id: UUID, event: str, data: dict) -> None:
        if user_id in self.online:
            self.emitted.append((user_id, event, data))
            self.times.append(self.clock.now if self.clock else 0.0)

    async def rooms_up_to(self, user_id: UUID, max_members: int) -> list[UUID]:
        return [r for r, members in self.rooms.items() if user_id in members and len(members) <= max_members]

    async def to_rooms(self, room_ids: list[UUID], event: str, data: dict, skip_user: UUID | None = None) -> None:
        members = dict.fromkeys(m for r in room_ids for m in self.rooms.get(r, []))
        for member in members:
            if member != skip_user:
                await self.to_user(member, event, data)

    def received(self, user_id: UUID, event: str) -> list[dict]:
        return [data for to, name, data in self.emitted if to == user_id and name == event]

    def received_at(self, user_id: UUID, event: str) -> list[float]:
        return [at for (to, name, _), at in zip(self.emitted, self.times) if to == user_id and name == event]


async def advance(clock: FakeClock, timers: list[DebounceTimer], seconds: float) -> None:
    """Moves the fake clock on, delivering every timer's fires at their deadlines, in order."""
    target = clock.now + seconds
    while True:
        dues = [d for t in timers if (d := t.engine.next_due()) is not None and d <= target]
        if not dues:
            break
        clock.now = max(clock.now, min(dues))
        for timer in timers:
            await timer.deliver(timer.engine.due())
    clock.now = target
