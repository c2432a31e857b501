"""Signals across two processes sharing Redis: presence state, pub/sub, and a process that dies."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from redis.asyncio import Redis

from hubbub.adapters.signals.bus import RedisBus
from hubbub.adapters.signals.hub import Signals
from hubbub.adapters.signals.presence_store import RedisPresenceStore
from tests.services import require_redis
from tests.unit.signals.fakes import FakeRooms

pytestmark = pytest.mark.redis
ANN, BOB = uuid.uuid4(), uuid.uuid4()
ROOM = uuid.uuid4()
TIMING = {"grace_s": 0.5, "throttle_s": 0.2, "heartbeat_s": 0.2}
STALE_S = 1.0


class Process:
    """One gateway process's signals: its own Redis clients, bus, store and sockets."""

    def __init__(self, url: str, prefix: str):
        self.redis = Redis.from_url(url)
        self.rooms = FakeRooms({str(ROOM): [str(ANN), str(BOB)]})
        store = RedisPresenceStore(self.redis, prefix=f"{prefix}presence:", stale_s=STALE_S)
        bus = RedisBus(self.redis, channel=f"{prefix}signals")
        self.signals = Signals(bus, store, self.rooms, self._never_called, **TIMING)
        self.signals.attach(self.rooms)

    async def _never_called(self, *args):
        raise AssertionError("no read marks here")

    async def connect(self, user, sid):
        self.rooms.online.add(user)
        await self.signals.connected(user, sid)

    def said(self, user) -> list[bool]:
        return [d["online"] for d in self.rooms.received(user, "presence")]


@pytest.fixture
async def two():
    url, prefix = require_redis(), f"test-signals-{uuid.uuid4().hex[:8]}:"
    one, other = Process(url, prefix), Process(url, prefix)
    await one.signals.start()
    await other.signals.start()
    yield one, other
    for process in (one, other):
        await process.signals.close()
    cleaner = Redis.from_url(url)
    keys = [k async for k in cleaner.scan_iter(f"{prefix}*")]
    if keys:
        await cleaner.delete(*keys)
    await cleaner.aclose()


async def eventually(condition, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not so in time"
        await asyncio.sleep(0.02)


async def test_presence_and_typing_reach_the_other_process(two):
    one, other = two
    await other.connect(BOB, "bob-1")
    await one.connect(ANN, "ann-1")
    await eventually(lambda: other.said(BOB) == [True])
    await one.signals.typing_start(ANN, ROOM, "ann-1")
    await one.signals.typing_stop(ANN, ROOM)
    await eventually(lambda: len(other.rooms.received(BOB, "typing")) == 2)
    assert [d["typing"] for d in other.rooms.received(BOB, "typing")] == [True, False]
    assert one.rooms.received(ANN, "typing") == []


async def test_a_reconnect_on_another_process_within_the_grace_period_emits_nothing(two):
    one, other = two
    await other.connect(BOB, "bob-1")
    await one.connect(ANN, "ann-1")
    await eventually(lambda: other.said(BOB) == [True])
    await one.signals.disconnected(ANN, "ann-1")
    await other.connect(ANN, "ann-2")
    await asyncio.sleep(TIMING["grace_s"] * 3)
    assert other.said(BOB) == [True]
    [state] = await one.signals.presence.states([ANN])
    assert state.online
    await other.signals.disconnected(ANN, "ann-2")
    await eventually(lambda: other.said(BOB) == [True, False])


async def test_a_dead_process_takes_its_users_offline_within_the_stale_bound(two):
    one, other = two
    await other.connect(BOB, "bob-1")
    await one.connect(ANN, "ann-1")
    await eventually(lambda: other.said(BOB) == [True])
    one.signals._task.cancel()  # its heartbeats stop as if it had been killed; it says nothing
    died = time.monotonic()
    await eventually(lambda: other.said(BOB) == [True, False], timeout=STALE_S + 5)
    assert time.monotonic() - died <= STALE_S + TIMING["heartbeat_s"] + TIMING["throttle_s"] + 1.0
    [state] = await other.signals.presence.states([ANN])
    assert not state.online
