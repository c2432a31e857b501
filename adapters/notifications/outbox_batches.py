"""Outbox writes from jobs handled at once, run together: one thread hand-off and one SQLite
transaction for every call waiting, where each call alone would cost both.

SQLite takes one writer at a time, so calls from several threads queue on its lock (its busy
handler sleeps between tries) and each hand-off back waits for the event loop's thread to let go
of the GIL: per job, that waiting cost more than the work. A call that fails fails alone (its own
savepoint); the others in its batch still commit.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

from .channels import Offload
from .outbox import Outbox


class OutboxBatches:
    """An Offload for the outbox's methods: `await batches(outbox.claim, delivery_id, now, lease_s)`."""

    def __init__(self, outbox: Outbox, in_thread: Offload):
        self.outbox, self.in_thread = outbox, in_thread
        self._waiting: list[tuple[Callable[[], Any], asyncio.Future]] = []
        self._draining: asyncio.Task | None = None

    async def __call__(self, method: Callable[..., Any], *args: Any) -> Any:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((functools.partial(method, *args), future))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                outcomes = await self.in_thread(self.outbox.together, [call for call, _ in batch])
            except Exception as error:  # the transaction itself failed: every caller hears it
                outcomes = [(False, error)] * len(batch)
            for (_, future), (ok, value) in zip(batch, outcomes):
                if not future.done():
                    future.set_result(value) if ok else future.set_exception(value)
