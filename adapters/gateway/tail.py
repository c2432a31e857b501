"""Follows the feed read model: whatever the projector committed after `position`, in pages, in
position order, handed to the event loop. Every gateway process runs one, on the same feed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from hubbub.projections.feed.queries import Row

log = logging.getLogger("hubbub.gateway")
PAGE = 500
RETRY_S = 1.0


class FeedTail:
    def __init__(self, read_models, in_query_thread: Callable[..., Awaitable],
                 deliver: Callable[[list[Row]], Awaitable[None]], poll_s: float):
        self._read_models = read_models
        self._in_query_thread = in_query_thread
        self._deliver = deliver
        self._poll_s = poll_s
        self._task: asyncio.Task | None = None
        # Everything up to `position` has been handed to the sockets; while `delivering`, the
        # page after it is being handed out (a replay waits for it before going live).
        self.position = 0
        self.delivering = False
        self.failed: str | None = None

    async def start(self) -> None:
        self.position = await self._in_query_thread(self._read_models.feed_position)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="hubbub-feed-tail")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        while True:
            try:
                rows, upto = await self._in_query_thread(self._next, self.position)
                self.failed = None
            except Exception as error:  # noqa: BLE001 - a read store outage: retry, /ready says so
                self.failed = type(error).__name__
                log.exception("gateway: reading the feed failed at position %d; retrying", self.position)
                await asyncio.sleep(RETRY_S)
                continue
            if upto <= self.position:
                await asyncio.sleep(self._poll_s)
                continue
            self.delivering = True
            try:
                await self._deliver(rows)
            finally:
                self.position, self.delivering = upto, False

    def _next(self, after: int) -> tuple[list[Row], int]:
        committed = self._read_models.feed_position()
        if committed <= after:
            return [], after
        rows = self._read_models.feed_after(after, committed, PAGE)
        return rows, rows[-1][0] if len(rows) == PAGE else committed
