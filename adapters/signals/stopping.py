"""Stopping a background task for sure."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)
RECANCEL_S = 1.0


async def stopped(task: asyncio.Task | None) -> None:
    """Cancels the task until it ends: a library call inside it (redis-py's, around a timeout) can
    swallow one cancellation, and a close that awaited it once would then wait forever."""
    if task is None:
        return
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=RECANCEL_S)
    if not task.cancelled() and task.exception() is not None:
        log.warning("a signals task had failed", exc_info=task.exception())
