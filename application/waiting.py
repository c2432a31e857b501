"""Read-your-writes without a thread per waiter: queries that wait for `min_position` park on
the event loop, and one poller per loop asks the read models how far they have got.

A blocking wait per request would hold a pool thread for up to the read timeout: enough such
requests would starve every command and query behind them. Here a waiter is a future; the poller
asks `processed_position` (on the query pool: it may read the read store) while anyone waits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from .read_models import StaleReadModel

POLL_S = 0.005


class ProgressWaits:
    def __init__(self, processed_position: Callable[[], Awaitable[int]], poll_s: float = POLL_S):
        self._processed_position = processed_position
        self._poll_s = poll_s
        self._waiters: list[tuple[int, asyncio.Future]] = []
        self._poller: asyncio.Task | None = None

    async def wait_for(self, position: int, timeout: float) -> None:
        """Return once every read model has processed `position`; StaleReadModel after `timeout`."""
        future = asyncio.get_running_loop().create_future()
        waiter = (position, future)
        self._waiters.append(waiter)
        loop = asyncio.get_running_loop()
        if self._poller is None or self._poller.done() or self._poller.get_loop() is not loop:
            self._poller = loop.create_task(self._poll())
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout)
        except asyncio.TimeoutError:
            raise StaleReadModel(f"read models have not reached position {position} within {timeout:g} s") from None
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    async def _poll(self) -> None:
        while self._waiters:
            try:
                reached = await self._processed_position()
            except Exception as error:  # noqa: BLE001 - every waiter hears why, instead of timing out
                self._settle(lambda _position: True, error)
                return
            self._settle(lambda position: position <= reached)
            if self._waiters:
                await asyncio.sleep(self._poll_s)

    def _settle(self, reached: Callable[[int], bool], error: BaseException | None = None) -> None:
        for position, future in list(self._waiters):
            if reached(position) and not future.done():
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(error)
            if future.done():
                self._waiters.remove((position, future))

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await self._poller
