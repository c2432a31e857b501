"""A background task whose library swallows a cancellation still stops."""

from __future__ import annotations

import asyncio

from hubbub.adapters.signals.stopping import stopped


async def test_a_task_that_swallows_one_cancellation_is_cancelled_again_until_it_ends():
    swallowed = []

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed.append(True)  # as redis-py's timeout handling can

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(stopped(task), timeout=5)
    assert task.cancelled() and swallowed == [True]


async def test_nothing_to_stop_is_fine():
    await stopped(None)
