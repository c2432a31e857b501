"""Read receipts: a scroll burst becomes a few marker writes with the exact final position, and a
mark is acknowledged only once a write carries it."""

from __future__ import annotations

import asyncio

import pytest

from hubbub.domain.errors import Forbidden, InvalidInput

from .world import ANN, BOB, OTHER_ROOM, ROOM, World


async def settled(world: World) -> None:
    """Lets the marks' tasks run up to their next wait."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_burst_of_100_marks_makes_at_least_90_percent_fewer_writes():
    world = World()
    marks = []
    for position in range(1, 101):  # a mark every 20 ms for 2 s
        marks.append(asyncio.create_task(world.signals.read_mark(ANN, ROOM, position)))
        await settled(world)
        await world.advance(0.02)
    await world.advance(5)
    acks = [await mark for mark in marks]
    assert len(world.writes) <= 10 and world.writes[-1] == (ANN, ROOM, 100)
    written = [up_to for _, _, up_to in world.writes]
    # Each ack is the write that carried the mark: at or past the mark, and a position really written.
    assert all(ack >= position and ack in written for position, ack in zip(range(1, 101), acks))
    assert acks[-1] == 100
    assert world.signals.receipts.marks.tracked() == 0  # nothing kept once the burst is over
    times = world.written_at
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(times, times[1:]))
    # Each write is a MarkRead command: the room hears it as the feed's read:receipt, never from the signals.
    assert world.rooms.received(BOB, "read:receipt") == []


async def test_a_mark_is_acked_only_after_the_write_that_carries_it():
    world = World()
    assert await world.signals.read_mark(ANN, ROOM, 5) == 5  # the first of a burst: written at once
    later = asyncio.create_task(world.signals.read_mark(ANN, ROOM, 9))
    await settled(world)
    await world.advance(0.5)
    assert not later.done() and world.writes == [(ANN, ROOM, 5)]
    await world.advance(0.6)
    assert await later == 9 and world.writes == [(ANN, ROOM, 5), (ANN, ROOM, 9)]


async def test_marks_out_of_order_keep_the_highest():
    world = World()
    await world.signals.read_mark(ANN, ROOM, 5)
    rest = [asyncio.create_task(world.signals.read_mark(ANN, ROOM, p)) for p in (9, 3, 7)]
    await settled(world)
    await world.advance(2)
    assert [await r for r in rest] == [9, 9, 9]
    assert world.writes == [(ANN, ROOM, 5), (ANN, ROOM, 9)]


@pytest.mark.parametrize("ending", ["disconnect", "shutdown"])
async def test_a_pending_mark_is_written_and_acked_on_disconnect_and_shutdown(ending):
    world = World()
    await world.signals.read_mark(ANN, ROOM, 10)
    pending = asyncio.create_task(world.signals.read_mark(ANN, ROOM, 42))
    await settled(world)
    if ending == "disconnect":
        await world.signals.disconnected(ANN, "ann-1")
    else:
        await world.signals.close()
    assert world.writes[-1] == (ANN, ROOM, 42) and await pending == 42
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


async def test_a_failed_debounced_write_refuses_every_mark_it_carried():
    world = World()
    await world.signals.read_mark(ANN, ROOM, 1)
    pending = [asyncio.create_task(world.signals.read_mark(ANN, ROOM, p)) for p in (2, 3)]
    await settled(world)
    world.rooms.rooms[ROOM].remove(ANN)  # ann leaves before the trailing write
    await world.advance(2)
    for mark in pending:
        with pytest.raises(Forbidden):
            await mark
    assert world.writes == [(ANN, ROOM, 1)]
