"""An in-process counter for the embedded default: one process, so nothing to share."""

from __future__ import annotations

import time
from collections.abc import Callable

from .policy import Rate, Verdict, verdict

MAX_KEYS = 100_000


class InProcessCounter:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._windows: dict[str, tuple[int, float]] = {}

    async def hit(self, key: str, rate: Rate) -> Verdict:
        # Runs on the event loop without awaiting in between: no other request interleaves.
        now = self._clock()
        count, ends_at = self._windows.get(key, (0, 0.0))
        if now >= ends_at:
            count, ends_at = 0, now + rate.window_s
            self._forget_expired(now)
        self._windows[key] = (count + 1, ends_at)
        return verdict(rate, count + 1, int((ends_at - now) * 1000))

    def _forget_expired(self, now: float) -> None:
        if len(self._windows) >= MAX_KEYS:
            self._windows = {k: w for k, w in self._windows.items() if w[1] > now}

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
