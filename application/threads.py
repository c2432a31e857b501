"""Async callers reach the blocking application through worker threads, never the event loop."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

P = ParamSpec("P")
T = TypeVar("T")

_limiter: CapacityLimiter | None = None


def _worker_limiter() -> CapacityLimiter:
    # Created lazily: a CapacityLimiter binds to the running event loop's backend.
    global _limiter
    if _limiter is None:
        _limiter = CapacityLimiter(32)
    return _limiter


async def in_thread(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs), limiter=_worker_limiter())
