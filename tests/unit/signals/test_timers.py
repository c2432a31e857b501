"""The timer task fires a debounced key on the real event loop, and survives a failing fire."""

from __future__ import annotations

import asyncio

from hubbub.adapters.signals.timers import DebounceTimer, debouncer
from hubbub.application.debounce import Policy


async def test_the_timer_fires_after_the_quiet_period_and_survives_a_failure():
    fired = []

    def on_fire(fire):
        if fire.key == "bad":
            raise RuntimeError("boom")
        fired.append(fire.value)

    engine = debouncer(Policy(wait_s=0.05), merge=max)
    timer = DebounceTimer(engine, on_fire)
    task = asyncio.create_task(timer.run())
    try:
        for key, value in (("bad", 0), ("k", 3), ("k", 7), ("k", 5)):
            engine.call(key, value)
            timer.poke()
        for _ in range(100):
            await asyncio.sleep(0.01)
            if fired:
                break
        assert fired == [7]
    finally:
        task.cancel()
