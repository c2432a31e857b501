"""Read receipts: a scroll burst becomes a few marker writes with the exact final position."""

from __future__ import annotations

import pytest

from hubbub.domain.errors import Forbidden, InvalidInput

from .world import ANN, BOB, OTHER_ROOM, ROOM, World


async def test_a_burst_of_100_marks_makes_at_least_90_percent_fewer_writes():
    world = World()
    acks = []
    for position in range(1, 101):  # a mark every 20 ms for 2 s
        acks.append(await world.signals.read_mark(ANN, ROOM, position))
        await world.advance(0.02)
    await world.advance(5)
    assert acks == list(range(1, 101))
    assert len(world.writes) <= 10 and world.writes[-1] == (ANN, ROOM, 100)
    times = world.written_at
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(times, times[1:]))
    # Each write is a MarkRead command: the room hears it as the feed's read:receipt, never from the signals.
    assert world.rooms.received(BOB, "read:receipt") == []


async def test_marks_out_of_order_keep_the_highest():
    world = World()
    for position in (5, 9, 3, 7):
        ack = await world.signals.read_mark(ANN, ROOM, position)
    assert ack == 9
    await world.advance(2)
    assert world.writes == [(ANN, ROOM, 5), (ANN, ROOM, 9)]


@pytest.mark.parametrize("ending", ["disconnect", "shutdown"])
async def test_an_acked_mark_is_written_on_disconnect_and_shutdown(ending):
    world = World()
    await world.signals.read_mark(ANN, ROOM, 10)
    await world.signals.read_mark(ANN, ROOM, 42)
    if ending == "disconnect":
        await world.signals.disconnected(ANN, "ann-1")
    else:
        await world.signals.close()
    assert world.writes[-1] == (ANN, ROOM, 42)
    await world.advance(5)
    assert len(world.writes) == 2


async def test_a_bad_mark_gets_an_error_and_writes_nothing():
    world = World()
    with pytest.raises(InvalidInput):
        await world.signals.read_mark(ANN, ROOM, -1)
    with pytest.raises(Forbidden):
        await world.signals.read_mark(ANN, OTHER_ROOM, 3)
    with pytest.raises(Forbidden):  # refused at once again, not acked and queued behind the first
        await world.signals.read_mark(ANN, OTHER_ROOM, 4)
    await world.advance(5)
    assert world.writes == []
