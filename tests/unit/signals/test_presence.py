"""Presence: online with any device, offline 5 s after the last, only to those who share a room."""

from __future__ import annotations

from uuid import uuid4

from .world import ANN, BOB, CAROL, World


def said(world: World, user) -> list[bool]:
    return [d["online"] for d in world.rooms.received(user, "presence") if d["user_id"] == str(ANN)]


async def test_online_goes_to_room_mates_only_and_offline_follows_the_grace_period():
    world = World()
    await world.signals.connected(BOB, "bob-1")
    await world.signals.connected(CAROL, "carol-1")
    await world.signals.connected(ANN, "ann-1")
    assert said(world, BOB) == [True] and said(world, CAROL) == []
    await world.signals.disconnected(ANN, "ann-1")
    await world.advance(4.9)
    assert said(world, BOB) == [True]
    assert [s.online for s in await world.signals.presence.states([ANN])] == [True]
    await world.advance(0.2)
    assert said(world, BOB) == [True, False] and said(world, CAROL) == []
    [state] = await world.signals.presence.states([ANN])
    assert not state.online and state.last_seen_at is not None
    await world.advance(10)
    presence = world.signals.presence  # an offline user leaves nothing behind in a long-lived process
    assert str(ANN) not in presence.said and presence.throttle.engine.tracked() == 0


async def test_a_reconnect_within_the_grace_period_emits_nothing():
    world = World()
    await world.signals.connected(BOB, "bob-1")
    await world.signals.connected(ANN, "ann-1")
    await world.advance(10)
    await world.signals.disconnected(ANN, "ann-1")
    await world.advance(3)
    await world.signals.connected(ANN, "ann-2")
    await world.advance(30)
    assert said(world, BOB) == [True]


async def test_online_while_any_device_is_connected():
    world = World()
    await world.signals.connected(BOB, "bob-1")
    await world.signals.connected(ANN, "phone")
    await world.signals.connected(ANN, "laptop")
    await world.signals.disconnected(ANN, "phone")
    await world.advance(30)
    assert said(world, BOB) == [True]
    await world.signals.disconnected(ANN, "laptop")
    await world.signals.disconnected(ANN, "laptop")  # a second disconnect of one socket counts once
    await world.advance(6)
    assert said(world, BOB) == [True, False]


async def test_presence_changes_are_throttled_per_user_and_end_on_the_last_state():
    world = World()
    await world.signals.connected(BOB, "bob-1")
    await world.advance(10)
    for _ in range(5):  # each cycle outlasts the grace period, so the store flips every time
        await world.signals.connected(ANN, "ann-1")
        await world.signals.disconnected(ANN, "ann-1")
        await world.advance(5.5)
    await world.advance(10)
    assert said(world, BOB)[-1] is False
    times = world.rooms.received_at(BOB, "presence")
    assert len(times) >= 3 and all(b - a >= 3.0 - 1e-9 for a, b in zip(times, times[1:]))


async def test_a_burst_of_changes_says_the_first_at_once_and_the_last_after_the_throttle():
    world = World()
    await world.signals.connected(BOB, "bob-1")
    for i in range(10):
        await world.signals.bus.publish("presence", {"user_id": str(ANN), "online": i % 2 == 0})
        await world.advance(0.1)
    assert said(world, BOB) == [True]
    await world.advance(3)
    assert said(world, BOB) == [True, False]


async def test_a_room_larger_than_the_limit_gets_no_presence_and_a_shared_small_room_says_it_once():
    big = [str(uuid4()) for _ in range(3)]
    world = World(room_limit=3, extra_rooms={str(uuid4()): [str(ANN), str(BOB), str(CAROL), *big]})
    world.rooms.rooms[uuid4()] = [ANN, BOB]  # ann and bob share two small rooms
    await world.signals.connected(BOB, "bob-1")
    await world.signals.connected(CAROL, "carol-1")
    await world.signals.connected(ANN, "ann-1")
    assert said(world, BOB) == [True]  # once, though they share two small rooms and the big one
    assert said(world, CAROL) == []  # carol shares only the big room with ann
