"""Runs a Debouncer on the event loop: sleeps until its next deadline and hands each fire on."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from hubbub.application.debounce import Clock, Debouncer, Fire, Policy

log = logging.getLogger(__name__)
OnFire = Callable[[Fire], Awaitable[None] | None]


def debouncer(policy: Policy, clock: Clock = time.monotonic, merge: Callable[[Any, Any], Any] | None = None) -> Debouncer:
    return Debouncer(policy, clock, **({"merge": merge} if merge else {}))


class DebounceTimer:
    """`poke()` after a call that may have moved the next deadline earlier; `run()` is the task."""

    def __init__(self, engine: Debouncer, on_fire: OnFire):
        self.engine, self.on_fire = engine, on_fire
        self._woken = asyncio.Event()

    def poke(self) -> None:
        self._woken.set()

    async def run(self) -> None:
        while True:
            await self.deliver(self.engine.due())
            self._woken.clear()
            due = self.engine.next_due()
            timeout = None if due is None else max(0.0, due - self.engine.clock())
            try:
                await asyncio.wait_for(self._woken.wait(), timeout)
            except TimeoutError:
                pass

    async def deliver(self, fires: list[Fire]) -> None:
        for fire in fires:
            try:
                result = self.on_fire(fire)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # one failed fire must not stop every other key's timers
                log.exception("debounced fire failed", extra={"key": str(fire.key)})
