"""Waiting for something another thread or process does, without a fixed sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 2.0, every: float = 0.01) -> T:
    """Poll until `condition()` is truthy and return it; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"not so within {timeout:g} s"
        time.sleep(every)
    return value


async def eventually(condition: Callable[[], T], timeout: float = 5.0, every: float = 0.01) -> T:
    """wait_until for a test on an event loop: sleeps without blocking the loop."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"not so within {timeout:g} s"
        await asyncio.sleep(every)
    return value
