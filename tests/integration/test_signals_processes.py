"""Signals across two processes sharing Redis, or the host's signal file without it: presence
state, the bus, and a process that dies. One contract, run on both transports."""

from __future__ import annotations

import asyncio
import functools
import time
import uuid

import pytest
from redis.asyncio import Redis

from hubbub.adapters.signals.bus import RedisBus
from hubbub.adapters.signals.hub import Signals
from hubbub.adapters.signals.presence_store import PresenceState, RedisPresenceStore
from hubbub.adapters.signals.sqlite_bus import SqliteBus
from hubbub.adapters.signals.sqlite_file import SignalFile
from hubbub.adapters.signals.sqlite_presence import SqlitePresenceStore
from tests.services import require_redis
from tests.polling import eventually
from tests.unit.signals.fakes import ROOM_LIMIT, FakeRooms

ANN, BOB = uuid.uuid4(), uuid.uuid4()
ROOM = uuid.uuid4()
TIMING = {"grace_s": 0.5, "throttle_s": 0.2, "heartbeat_s": 0.2}
STALE_S = 1.0


def over_redis(url: str, prefix: str):
    redis = Redis.from_url(url)
    return RedisBus(redis, channel=f"{prefix}signals"), RedisPresenceStore(redis, prefix=f"{prefix}presence:",
                                                                           stale_s=STALE_S)


def over_sqlite(path):
    file = SignalFile(path)
    return SqliteBus(file), SqlitePresenceStore(file, stale_s=STALE_S)


class Process:
    """One gateway process's signals: its own connection, bus, store and sockets."""

    def __init__(self, transport):
        bus, store = transport
        self.rooms = FakeRooms({str(ROOM): [str(ANN), str(BOB)]})
        self.signals = Signals(bus, store, self.rooms, self._never_called, room_limit=ROOM_LIMIT, **TIMING)
        self.signals.attach(self.rooms)

    async def _never_called(self, *args):
        raise AssertionError("no read marks here")

    async def connect(self, user, sid):
        self.rooms.online.add(user)
        await self.signals.connected(user, sid)

    def said(self, user) -> list[bool]:
        return [d["online"] for d in self.rooms.received(user, "presence")]


@pytest.fixture(params=[pytest.param("redis", marks=pytest.mark.redis), "sqlite"])
async def transport(request, tmp_path):
    """Makes one process's (bus, store); every process made by it shares the Redis or the file."""
    if request.param == "sqlite":
        yield functools.partial(over_sqlite, tmp_path / "signals.sqlite3")
        return
    url, prefix = require_redis(), f"test-signals-{uuid.uuid4().hex[:8]}:"
    yield functools.partial(over_redis, url, prefix)
    cleaner = Redis.from_url(url)
    keys = [k async for k in cleaner.scan_iter(f"{prefix}*")]
    if keys:
        await cleaner.delete(*keys)
    await cleaner.aclose()


@pytest.fixture
async def two(transport):
    one, other = Process(transport()), Process(transport())
    await one.signals.start()
    await other.signals.start()
    yield one, other
    for process in (one, other):
        await process.signals.close()


@pytest.fixture
async def stores(transport):
    """Two processes' presence stores alone, without the signals around them."""
    made = [transport(), transport()]
    yield [store for _, store in made]
    for bus, _ in made:
        await bus.close()



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


async def test_a_user_is_online_while_any_live_process_counts_a_socket(stores):
    one, other = stores
    user, stranger = str(uuid.uuid4()), str(uuid.uuid4())
    await one.heartbeat()
    await other.heartbeat()
    assert await one.connected(user) is True
    assert await other.connected(user) is False  # online already, through the first process
    await one.disconnected(user)
    assert await one.settle(user) is False
    assert [s.online for s in await one.states([user])] == [True]
    await other.disconnected(user)
    assert await other.settle(user) is True
    assert await one.settle(user) is False  # settled once
    [state, unknown] = await one.states([user, stranger])
    assert not state.online and state.last_seen_at is not None
    assert unknown == PresenceState(stranger, False, None)


async def test_a_process_that_closes_has_its_users_taken_offline_by_the_next_sweep(stores):
    one, other = stores
    user = str(uuid.uuid4())
    await one.heartbeat()
    await other.heartbeat()
    await one.connected(user)
    assert await other.sweep() == []
    await one.close()
    assert await other.sweep() == [user]
    assert [s.online for s in await other.states([user])] == [False]
    assert await other.sweep() == []
