"""Waiting for the read models holds no thread: waiters are futures, one poller asks for all."""

from __future__ import annotations

import asyncio

import pytest

from hubbub.application.read_models import StaleReadModel
from hubbub.application.waiting import ProgressWaits


class Progress:
    def __init__(self) -> None:
        self.position = 0
        self.asked = 0

    async def processed_position(self) -> int:
        self.asked += 1
        return self.position


def test_waiters_return_once_their_position_is_processed():
    progress = Progress()
    waits = ProgressWaits(progress.processed_position, poll_s=0.001)

    async def scenario():
        early, late = (asyncio.create_task(waits.wait_for(p, timeout=5)) for p in (3, 7))
        await asyncio.sleep(0.01)
        progress.position = 5
        await asyncio.wait_for(early, 1)
        assert not late.done()
        progress.position = 7
        await asyncio.wait_for(late, 1)

    asyncio.run(scenario())


def test_a_wait_past_its_timeout_is_a_stale_read_model():
    waits = ProgressWaits(Progress().processed_position, poll_s=0.001)
    with pytest.raises(StaleReadModel, match="position 9"):
        asyncio.run(waits.wait_for(9, timeout=0.05))


def test_one_poller_asks_for_every_waiter():
    progress = Progress()
    waits = ProgressWaits(progress.processed_position, poll_s=0.01)

    async def scenario():
        results = await asyncio.gather(*(waits.wait_for(1_000, timeout=0.1) for _ in range(200)),
                                       return_exceptions=True)
        assert all(isinstance(r, StaleReadModel) for r in results)

    asyncio.run(scenario())
    assert progress.asked < 30  # about one question per poll, not one per waiter


def test_a_failing_progress_fails_its_waiters_at_once():
    async def broken() -> int:
        raise OSError("read store unreachable")

    waits = ProgressWaits(broken, poll_s=0.001)
    with pytest.raises(OSError, match="unreachable"):
        asyncio.run(waits.wait_for(1, timeout=5))
