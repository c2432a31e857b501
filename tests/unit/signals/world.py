"""Signals on a fake clock, in one process, with ann and bob sharing a room and carol apart."""

from __future__ import annotations

from uuid import UUID, uuid4

from hubbub.adapters.signals.bus import LocalBus
from hubbub.adapters.signals.hub import Signals
from hubbub.adapters.signals.presence_store import InProcessPresenceStore
from hubbub.domain.errors import Forbidden

from .fakes import ROOM_LIMIT, FakeClock, FakeRooms, advance

ANN, BOB, CAROL = uuid4(), uuid4(), uuid4()
ROOM, OTHER_ROOM = uuid4(), uuid4()


class World:
    def __init__(self, room_limit: int = ROOM_LIMIT, extra_rooms: dict[str, list[str]] | None = None) -> None:
        self.clock = FakeClock()
        self.rooms = FakeRooms({str(ROOM): [str(ANN), str(BOB)], str(OTHER_ROOM): [str(CAROL)], **(extra_rooms or {})})
        self.rooms.online, self.rooms.clock = {ANN, BOB, CAROL}, self.clock
        self.writes: list[tuple[UUID, UUID, int]] = []
        self.written_at: list[float] = []
        self.read_up_to: dict[tuple[UUID, UUID], int] = {}
        self.signals = Signals(LocalBus(), InProcessPresenceStore(), self.rooms, self.write_mark, clock=self.clock,
                               room_limit=room_limit)
        self.signals.attach(self.rooms)

    async def write_mark(self, user_id: UUID, room_id: UUID, up_to: int) -> tuple[int, int]:
        if user_id not in self.rooms.rooms.get(room_id, []):
            raise Forbidden("not a member")
        self.writes.append((user_id, room_id, up_to))
        self.written_at.append(self.clock())
        key = (user_id, room_id)
        self.read_up_to[key] = max(self.read_up_to.get(key, 0), up_to)
        return self.read_up_to[key], 1000 + len(self.writes)

    async def advance(self, seconds: float) -> None:
        await advance(self.clock, self.signals.timers(), seconds)
