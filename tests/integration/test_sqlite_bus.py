"""The SQLite signal bus: buses on one file stand for processes (one test uses a real second one)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys

import pytest

from hubbub.adapters.signals.sqlite_bus import SqliteBus
from hubbub.adapters.signals.sqlite_file import SignalFile
from tests.polling import eventually


class Heard:
    """A subscriber that keeps what it hears."""

    def __init__(self, bus: SqliteBus):
        self.signals: list[tuple[str, dict]] = []
        bus.subscribe(self.hear)

    async def hear(self, kind: str, payload: dict) -> None:
        self.signals.append((kind, payload))

    def numbers(self) -> list[int]:
        return [payload["n"] for _, payload in self.signals]


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def path(tmp_path):
    return tmp_path / "signals.sqlite3"


@pytest.fixture
async def buses(path):
    opened: list[SqliteBus] = []

    async def bus(**options) -> SqliteBus:
        opened.append(SqliteBus(SignalFile(path), **options))
        return opened[-1]

    yield bus
    for each in opened:
        await each.close()



async def started(bus: SqliteBus) -> Heard:
    heard = Heard(bus)
    await bus.start()
    return heard


def rows(path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM signals").fetchone()[0]


async def test_every_signal_reaches_both_processes_once_in_order(buses):
    one, other = await buses(), await buses()
    heard_one, heard_other = await started(one), await started(other)
    for n in range(30):
        await (one if n % 2 else other).publish("counted", {"n": n})
    await eventually(lambda: len(heard_one.signals) >= 30 and len(heard_other.signals) >= 30)
    await asyncio.sleep(0.1)  # room for a duplicate to show up
    assert heard_one.numbers() == heard_other.numbers() == list(range(30))
    assert {kind for kind, _ in heard_one.signals} == {"counted"}


async def test_a_late_subscriber_hears_no_history(buses):
    early = await buses()
    heard_early = await started(early)
    await early.publish("counted", {"n": 0})
    await eventually(lambda: heard_early.numbers() == [0])
    late = await buses()
    heard_late = await started(late)
    await early.publish("counted", {"n": 1})
    await eventually(lambda: heard_late.numbers() == [1])
    await eventually(lambda: heard_early.numbers() == [0, 1])  # each process polls on its own


async def test_publishing_while_the_other_process_is_closed_goes_on(buses):
    one, other = await buses(), await buses()
    heard_one = await started(one)
    await started(other)
    await other.close()
    await one.publish("counted", {"n": 0})
    await eventually(lambda: heard_one.numbers() == [0])
    with pytest.raises(RuntimeError):
        await other.publish("counted", {"n": 1})


async def test_a_failing_handler_does_not_stop_the_others(buses):
    bus = await buses()

    async def broken(kind, payload):
        raise ValueError("broken")

    bus.subscribe(broken)
    heard = await started(bus)
    await bus.publish("counted", {"n": 0})
    await bus.publish("counted", {"n": 1})
    await eventually(lambda: heard.numbers() == [0, 1])


async def test_old_signals_are_pruned_and_ids_go_on_past_them(buses, path):
    clock = Clock()
    one = await buses(clock=clock, keep_s=60.0)
    heard = await started(one)
    for n in range(3):
        await one.publish("counted", {"n": n})
    await eventually(lambda: heard.numbers() == [0, 1, 2])
    clock.now += 30
    await one.publish("counted", {"n": 3})
    await eventually(lambda: heard.numbers() == [0, 1, 2, 3])
    clock.now += 40
    assert await one.prune() == 3
    assert rows(path) == 1
    clock.now += 61
    assert await one.prune() == 1 and rows(path) == 0
    late = await buses(clock=clock)
    heard_late = await started(late)
    await one.publish("counted", {"n": 4})
    await eventually(lambda: heard.numbers() == [0, 1, 2, 3, 4] and heard_late.numbers() == [4])


async def test_a_busy_burst_crosses_in_batches_in_order(buses):
    one, other = await buses(), await buses()
    heard = await started(other)
    await one.start()
    for n in range(1_200):
        await one.publish("counted", {"n": n})
    await eventually(lambda: len(heard.signals) >= 1_200, timeout=20)
    assert heard.numbers() == list(range(1_200))


async def test_signals_of_another_os_process_arrive_once_in_order(buses, path):
    bus = await buses()
    heard = await started(bus)
    publisher = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.signal_publisher", str(path), "50",
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, errors = await publisher.communicate()
    assert publisher.returncode == 0, errors.decode()
    await eventually(lambda: len(heard.signals) >= 50)
    await asyncio.sleep(0.1)
    assert heard.numbers() == list(range(50))
