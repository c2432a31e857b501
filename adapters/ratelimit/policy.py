"""Rates as operators write them ("10/15m") and the verdict a counter gives for one request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

# Each tier's rate is the setting rate_limit_<tier>; the contract's table says what each is keyed by.
TIERS = ("register", "login", "login_ip", "refresh", "messages", "search", "other")
FAILURE_MODES = ("open", "closed")  # when the counter store cannot be reached: let requests through, or 503
_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([smh]?)\s*")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}


class RateError(ValueError):
    pass


@dataclass(frozen=True)
class Rate:
    limit: int
    window_s: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int
    window_s: int


def parse_rate(text: str) -> Rate:
    """"10/15m" is ten requests per fifteen minutes; "60/1m", "30/60s", "600/900" (seconds)."""
    match = _RATE.fullmatch(text or "")
    if not match:
        raise RateError(f"{text!r} is not a rate like 10/15m, 60/1m or 600/900")
    limit, amount, unit = int(match[1]), int(match[2] or 1), match[3]
    if limit < 1 or amount < 1:
        raise RateError(f"{text!r}: the count and the window must be positive")
    return Rate(limit, amount * _UNIT_SECONDS[unit])


def verdict(rate: Rate, count: int, ttl_ms: int) -> Verdict:
    reset_s = max(1, -(-ttl_ms // 1000))
    return Verdict(count <= rate.limit, rate.limit, max(0, rate.limit - count), reset_s, rate.window_s)


class Counter(Protocol):
    async def hit(self, key: str, rate: Rate) -> Verdict:
        """Count one request against `key` in the current window of `rate`."""

    async def ping(self) -> None:
        """Raise when the store cannot be reached."""

    async def close(self) -> None: ...
