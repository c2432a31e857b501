"""The runtime's threads: async callers reach blocking work through them, never the event loop.

Two pools, made when the runtime starts and shut down when it closes, reached through asyncio's
executor hand-off, which costs less per call than anyio's to_thread. The caller's context
variables travel with the call.

- `in_thread`: work that blocks on I/O or the CPU without a read model (hashing a password before
  its command is queued, reading an aggregate, closing stores).
- `in_query_thread`: read-model queries, on a few threads only. A query is Python plus a SQLite
  step per row, and each step drops and retakes the GIL: with more query threads the hand-offs
  cost more than the queries. Two keep one lane free behind a slow query.

Nothing waits in either pool for the read models to catch up: that wait is an asyncio one
(application/waiting.py).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
BLOCKING_THREADS = 16
QUERY_THREADS = 2


class Executors:
    def __init__(self, query_threads: int = QUERY_THREADS, blocking_threads: int = BLOCKING_THREADS):
        if query_threads < 1 or blocking_threads < 1:
            raise ValueError("every pool needs at least one thread")
        self.blocking = ThreadPoolExecutor(max_workers=blocking_threads, thread_name_prefix="hubbub-worker")
        self.queries = ThreadPoolExecutor(max_workers=query_threads, thread_name_prefix="hubbub-query")

    async def in_thread(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await _run(self.blocking, func, *args, **kwargs)

    async def in_query_thread(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await _run(self.queries, func, *args, **kwargs)

    def close(self) -> None:
        """Take no more work and drop what is queued (its callers are gone); running calls end on
        their own, so that closing never blocks the event loop."""
        self.blocking.shutdown(wait=False, cancel_futures=True)
        self.queries.shutdown(wait=False, cancel_futures=True)


async def _run(pool: ThreadPoolExecutor, func: Callable[..., T], *args: object, **kwargs: object) -> T:
    call = functools.partial(contextvars.copy_context().run, func, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool, call)
