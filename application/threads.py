"""Async callers reach the blocking application through worker threads, never the event loop.

Two process-wide pools, through asyncio's executor hand-off (measured against anyio's to_thread,
a third of the cost per call: ~50 µs against ~150 µs). The caller's context variables travel
with the call.

- `in_thread`: commands, waits and anything that blocks on I/O; many threads, so that commands
  queue up together for a group commit and a slow wait holds no one else up.
- `in_query_thread`: read-model queries, on a few threads only. A query is Python plus a SQLite
  step per row, and each step drops and retakes the GIL: with eight query threads contending,
  the hand-offs cost more than the queries (measured, 50-message pages: 336/s on the shared
  pool, 534/s on two query threads, 721/s on one). Two keeps one lane free behind a slow query.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
MAX_WORKERS = 32
QUERY_WORKERS = 2

_pools: dict[str, ThreadPoolExecutor] = {}
_sizes = {"hubbub-worker": MAX_WORKERS, "hubbub-query": QUERY_WORKERS}
_pools_lock = threading.Lock()


def use_query_threads(count: int) -> None:
    """Size the query pool (before the first query; the pool is made on first use)."""
    if count < 1:
        raise ValueError("at least one query thread")
    with _pools_lock:
        if _sizes["hubbub-query"] == count:
            return  # keep the pool: another app in this process may be using it
        _sizes["hubbub-query"] = count
        old = _pools.pop("hubbub-query", None)
    if old is not None:
        old.shutdown(wait=False)


def _pool(name: str) -> ThreadPoolExecutor:
    pool = _pools.get(name)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(name)
            if pool is None:
                pool = _pools[name] = ThreadPoolExecutor(max_workers=_sizes[name], thread_name_prefix=name)
    return pool


async def in_thread(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return await _run(_pool("hubbub-worker"), func, *args, **kwargs)


async def in_query_thread(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return await _run(_pool("hubbub-query"), func, *args, **kwargs)


async def _run(pool: ThreadPoolExecutor, func: Callable[..., T], *args: object, **kwargs: object) -> T:
    call = functools.partial(contextvars.copy_context().run, func, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool, call)
