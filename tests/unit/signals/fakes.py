"""A fake clock, and a driver that polls a Debouncer the way the real one does."""

from __future__ import annotations

from hubbub.application.debounce import Debouncer, Fire


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class Driven:
    """Advances the clock, stopping at every deadline the engine names, as a timer task would."""

    def __init__(self, engine: Debouncer, clock: FakeClock):
        self.engine, self.clock = engine, clock
        self.fired: list[tuple[float, Fire]] = []

    def advance(self, seconds: float) -> list[Fire]:
        target, fires = self.clock.now + seconds, []
        while (due := self.engine.next_due()) is not None and due <= target:
            self.clock.now = max(self.clock.now, due)
            now_due = self.engine.due()
            self.fired.extend((self.clock.now, f) for f in now_due)
            fires.extend(now_due)
        self.clock.now = target
        return fires

    def record(self, fire: Fire | None) -> Fire | None:
        if fire is not None:
            self.fired.append((self.clock.now, fire))
        return fire
