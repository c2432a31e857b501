"""Live signals: what the debouncing saves, against sending every signal as it comes (same run).

    .venv/bin/python bench/signals.py

On a fake clock, through the same components the gateway calls:
- typing: keystrokes every 100 ms for 10 s, per session → `typing` broadcasts (target exactly 2);
- read receipts: a scroll burst of 100 marks in 2 s → marker writes (target ≥ 90 % fewer), and
  whether the final position is exact;
- digests: 20 mentions in 30 s with a 30 s window → digests (target 1).
The baseline is one emit, one write and one delivery per signal.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubbub.adapters.signals.bus import LocalBus  # noqa: E402
from hubbub.adapters.signals.hub import Signals  # noqa: E402
from hubbub.adapters.signals.presence_store import InProcessPresenceStore  # noqa: E402
from hubbub.application.digests import Digests, Item, Prefs  # noqa: E402
from tests.unit.signals.fakes import ROOM_LIMIT, FakeClock, FakeRooms, advance  # noqa: E402

ANN, BOB, ROOM = uuid4(), uuid4(), uuid4()


def world() -> tuple[Signals, FakeRooms, FakeClock, list]:
    clock, rooms, writes = FakeClock(), FakeRooms({str(ROOM): [str(ANN), str(BOB)]}), []
    rooms.online = {ANN, BOB}

    async def write_mark(user_id, room_id, up_to):
        writes.append(up_to)
        return up_to, len(writes)

    signals = Signals(LocalBus(), InProcessPresenceStore(), rooms, write_mark, clock=clock, room_limit=ROOM_LIMIT)
    signals.attach(rooms)
    return signals, rooms, clock, writes


async def typing(sessions: int = 5) -> tuple[int, int]:
    signals, rooms, clock, _ = world()
    keystrokes = 0
    for _ in range(sessions):
        for _ in range(100):
            await signals.typing_start(ANN, ROOM, "ann-1")
            keystrokes += 1
            await advance(clock, signals.timers(), 0.1)
        await advance(clock, signals.timers(), 5)
    return keystrokes // sessions, len(rooms.received(BOB, "typing")) // sessions


async def receipts() -> tuple[int, int, bool]:
    signals, _, clock, writes = world()
    marks = []
    for position in range(1, 101):  # a mark's ack waits for the write that carries it
        marks.append(asyncio.create_task(signals.read_mark(ANN, ROOM, position)))
        await asyncio.sleep(0)
        await advance(clock, signals.timers(), 0.02)
    await advance(clock, signals.timers(), 5)
    acks = await asyncio.gather(*marks)
    return 100, len(writes), writes[-1] == 100 and acks[-1] == 100


def digests() -> tuple[int, int]:
    windows, prefs = Digests(), Prefs(digest_window_s=30)
    for n in range(20):
        windows.add(Item(f"n{n}", "ann", n, 1000.0 + n * 1.5), prefs)
    return 20, len(windows.due(1000.0 + 31))


async def main() -> None:
    per_session, emitted = await typing()
    marks, written, exact = await receipts()
    notified, sent = digests()
    print(f"{'':34}{'baseline':>10}{'hubbub':>10}")
    print(f"{'typing broadcasts per session':34}{per_session:>10}{emitted:>10}   target exactly 2")
    print(f"{'read-marker writes per 100 marks':34}{marks:>10}{written:>10}   "
          f"reduction {1 - written / marks:.0%} (target >= 90 %), final position exact: {exact}")
    print(f"{'deliveries for 20 mentions in 30 s':34}{notified:>10}{sent:>10}   target 1")


if __name__ == "__main__":
    asyncio.run(main())
