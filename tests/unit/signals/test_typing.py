"""Typing: exactly two broadcasts per session, never to the typist, however it ends."""

from __future__ import annotations

import pytest

from hubbub.adapters.signals.limits import RateLimited
from hubbub.domain.errors import NotFound

from .world import ANN, BOB, CAROL, OTHER_ROOM, ROOM, World


async def test_keystrokes_every_100_ms_for_10_s_make_exactly_two_broadcasts():
    world = World()
    started = world.clock.now
    for _ in range(100):
        await world.signals.typing_start(ANN, ROOM, "ann-1")
        await world.advance(0.1)
    assert [d["typing"] for d in world.rooms.received(BOB, "typing")] == [True]
    await world.advance(1.39)  # the last keystroke was at 9.9 s
    assert len(world.rooms.received(BOB, "typing")) == 1
    await world.advance(0.02)
    assert [d["typing"] for d in world.rooms.received(BOB, "typing")] == [True, False]
    assert world.clock.now - started == pytest.approx(11.41)
    assert world.rooms.received(ANN, "typing") == [] and world.rooms.received(CAROL, "typing") == []


@pytest.mark.parametrize("ending", ["stop", "send", "disconnect"])
async def test_a_session_ends_with_one_false_on_stop_send_or_disconnect(ending):
    world = World()
    for _ in range(5):
        await world.signals.typing_start(ANN, ROOM, "ann-1")
        await world.advance(0.2)
    if ending == "stop":
        await world.signals.typing_stop(ANN, ROOM)
    elif ending == "send":
        await world.signals.message_sent(ANN, ROOM)
    else:
        await world.signals.disconnected(ANN, "ann-1")
    await world.signals.typing_stop(ANN, ROOM)  # a second end changes nothing
    await world.advance(5)
    sent = world.rooms.received(BOB, "typing")
    assert [d["typing"] for d in sent] == [True, False]
    assert sent[0] == {"room_id": str(ROOM), "user_id": str(ANN), "typing": True}


async def test_a_new_session_after_the_end_broadcasts_again():
    world = World()
    await world.signals.typing_start(ANN, ROOM, "ann-1")
    await world.advance(2)
    await world.signals.typing_start(ANN, ROOM, "ann-1")
    await world.advance(2)
    assert [d["typing"] for d in world.rooms.received(BOB, "typing")] == [True, False, True, False]


async def test_a_flood_of_keystrokes_is_rate_limited():
    world = World()
    for _ in range(20):
        await world.signals.typing_start(ANN, ROOM, "ann-1")
    with pytest.raises(RateLimited) as refused:
        await world.signals.typing_start(ANN, ROOM, "ann-1")
    assert refused.value.retry_after_s >= 1
    await world.advance(1)
    await world.signals.typing_start(ANN, ROOM, "ann-1")


async def test_typing_in_a_room_one_is_not_in_is_refused():
    world = World()
    with pytest.raises(NotFound):
        await world.signals.typing_start(ANN, OTHER_ROOM, "ann-1")
    assert world.rooms.emitted == []
