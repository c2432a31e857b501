"""Keeps a client from flooding the ephemeral signals: counted per user in this process."""

from __future__ import annotations

import time
from collections.abc import Callable

from hubbub.adapters.ratelimit.memory import InProcessCounter
from hubbub.adapters.ratelimit.policy import Rate
from hubbub.domain.errors import DomainError


class RateLimited(DomainError):
    """Too many signals of one kind from one user: the socket's ack says `rate_limited`."""

    def __init__(self, retry_after_s: int):
        super().__init__(f"too many signals; retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


class SignalLimit:
    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic):
        self.rate, self.counter = rate, InProcessCounter(clock)

    async def check(self, key: str) -> None:
        verdict = await self.counter.hit(key, self.rate)
        if not verdict.allowed:
            raise RateLimited(verdict.reset_s)
