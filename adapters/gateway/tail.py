"""Follows the feed read model: a thread of the gateway's own polls the feed's committed position
and reads the rows after it, in pages; the event loop takes each page and delivers it in order.
Every gateway process runs one, on the same feed."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable

from hubbub.projections.feed.queries import Row

log = logging.getLogger("hubbub.gateway")
PAGE = 500
AHEAD = 4  # pages read but not yet delivered, at most: the reader waits for the loop beyond this
RETRY_S = 1.0


class FeedTail:
    def __init__(self, read_models, deliver: Callable[[list[Row]], Awaitable[None]], poll_s: float):
        self._read_models = read_models
        self._deliver = deliver
        self._poll_s = poll_s
        self._pages: asyncio.Queue[tuple[list[Row], int]] | None = None
        self._room = threading.Semaphore(AHEAD)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task | None = None
        # Everything up to `position` has been handed to the sockets; while `delivering`, the
        # page after it is being handed out (a replay waits for it before going live).
        self.position = 0
        self.delivering = False
        self.failed: str | None = None

    def start(self) -> None:
        """Blocking (reads the feed's position): call it on a worker thread, then run()."""
        self.position = self._read_models.feed_position()

    def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._pages = asyncio.Queue()
        self._task = loop.create_task(self._deliver_pages(), name="hubbub-feed-tail")
        self._thread = threading.Thread(target=self._read, args=(loop, self.position), name="hubbub-feed-tail",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Blocking (joins the reader): call it on a worker thread, after cancel()."""
        self._stopping.set()
        self._room.release()
        if self._thread is not None:
            self._thread.join(timeout=5)

    async def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    @property
    def running(self) -> bool:
        alive = self._thread is not None and self._thread.is_alive()
        return alive and self._task is not None and not self._task.done()

    def _read(self, loop: asyncio.AbstractEventLoop, after: int) -> None:
        while not self._stopping.is_set():
            try:
                rows, upto = self._next(after)
                self.failed = None
            except Exception as error:  # noqa: BLE001 - a read store outage: retry, /ready says so
                self.failed = type(error).__name__
                log.exception("gateway: reading the feed failed at position %d; retrying", after)
                self._stopping.wait(RETRY_S)
                continue
            if upto <= after:
                self._stopping.wait(self._poll_s)
                continue
            self._room.acquire()
            if self._stopping.is_set():
                return
            try:
                loop.call_soon_threadsafe(self._pages.put_nowait, (rows, upto))
            except RuntimeError:  # the loop has closed under us: the process is stopping
                return
            after = upto

    def _next(self, after: int) -> tuple[list[Row], int]:
        committed = self._read_models.feed_position()
        if committed <= after:
            return [], after
        rows = self._read_models.feed_after(after, committed, PAGE)
        return rows, rows[-1][0] if len(rows) == PAGE else committed

    async def _deliver_pages(self) -> None:
        while True:
            rows, upto = await self._pages.get()
            self.delivering = True
            try:
                await self._deliver(rows)
            except Exception:  # a bug in delivery must not stop the tail: the page is logged and passed
                log.exception("gateway: delivering rows up to position %d failed", upto)
            finally:
                self.position, self.delivering = upto, False
                self._room.release()
