"""The embedded store's background lease and consumer positions: one holder at a time, taken
over on expiry or at once when its holder's process is gone, the holder's report shared with
every process, positions moving by compare-and-set."""

from __future__ import annotations

import socket
import subprocess
import sys

from hubbub.adapters.readstore.sqlite_lease import SQLiteBackground
from hubbub.projections.runtime.status import ConsumerStatus
from tests.contract.positions import check_compare_and_set

RUNNING = [ConsumerStatus("rooms", 1, 5, 7, "running"), ConsumerStatus("relay", 0, 4, 7, "retrying", "x" * 500)]


class Clock:
    def __init__(self):
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def live_owner() -> str:
    return f"{socket.gethostname()}:1:aa"  # pid 1 exists


def test_one_holder_and_every_process_reads_its_report(tmp_path):
    first, second = SQLiteBackground(tmp_path), SQLiteBackground(tmp_path)
    assert first.beat(live_owner(), RUNNING) and first.beat(live_owner(), RUNNING)
    assert not second.beat("other:2:bb", [])
    record = second.record()
    assert record.holder == live_owner() and not record.expired and record.silent_s < 5
    assert [s.state for s in record.consumers] == ["running", "retrying"]
    assert len(record.consumers[1].error) == 300  # cut short
    first.release("other:2:bb")  # not its lease: nothing happens
    assert second.record().holder == live_owner()
    first.release(live_owner())
    assert second.record() is None and second.beat("other:2:bb", [])


def test_an_expired_lease_goes_to_the_next_taker(tmp_path):
    clock = Clock()
    background = SQLiteBackground(tmp_path, clock=clock)
    assert background.beat(live_owner(), RUNNING)
    clock.now += background.ttl_s - 0.1
    assert not background.beat("other:2:bb", [])
    clock.now += 0.1
    assert background.record().expired
    assert background.beat("other:2:bb", []) and not background.beat(live_owner(), RUNNING)


def test_a_holder_whose_process_is_gone_is_taken_over_at_once(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    owner = f"{socket.gethostname()}:{dead.stdout.strip()}:aa"
    background = SQLiteBackground(tmp_path)
    assert background.beat(owner, RUNNING)
    assert background.record().expired
    assert background.beat("other:2:bb", [])


def test_positions_move_by_compare_and_set(tmp_path):
    check_compare_and_set(SQLiteBackground(tmp_path))
    assert SQLiteBackground(tmp_path).position("relay") == 9  # durable: another connection reads it
