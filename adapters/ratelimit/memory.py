"""An in-process counter for the embedded default: one process, so nothing to share.

Windows expire incrementally: every window's end goes on a heap, and each hit forgets at most
a few ended windows from its top, so no request ever pays for sweeping the whole map.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable

from .policy import Rate, Verdict, verdict

# Each hit adds at most one heap entry and removes up to this many ended ones, so the heap
# shrinks back to the live windows however many ended at once.
FORGET_PER_HIT = 4


class InProcessCounter:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._windows: dict[str, tuple[int, float]] = {}
        self._ends: list[tuple[float, str]] = []

    async def hit(self, key: str, rate: Rate) -> Verdict:
        # Runs on the event loop without awaiting in between: no other request interleaves.
        now = self._clock()
        self._forget_ended(now)
        count, ends_at = self._windows.get(key, (0, 0.0))
        if now >= ends_at:
            count, ends_at = 0, now + rate.window_s
            heapq.heappush(self._ends, (ends_at, key))
        self._windows[key] = (count + 1, ends_at)
        return verdict(rate, count + 1, int((ends_at - now) * 1000))

    def _forget_ended(self, now: float) -> None:
        ends, windows = self._ends, self._windows
        for _ in range(FORGET_PER_HIT):
            if not ends or ends[0][0] > now:
                return
            ends_at, key = heapq.heappop(ends)
            window = windows.get(key)
            if window is not None and window[1] == ends_at:  # not since reopened with a later end
                del windows[key]

    def __len__(self) -> int:
        return len(self._windows)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
