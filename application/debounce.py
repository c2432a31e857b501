"""The debounce engine: per-key timers with a leading edge, a trailing edge and a max-wait ceiling.

Pure: it reads time from the clock it is given and does no I/O. Whoever drives it asks
`next_due()`, sleeps until then and calls `due()` for the fires that have come due.

A key's window opens at its first call. With `leading`, that call fires at once. Every later
call in the window is merged (`merge(previous, value)`, default: keep the last) into one
pending value, which fires when the window closes: `wait_s` after the last call (the quiet
period), and never later than `max_wait_s` after the first (the ceiling). A window with
nothing pending closes without firing. With `leading`, a trailing fire opens an empty window at
once, so that a call right after it waits for its own trailing edge instead of firing as a new
leading one: leading fires of one key are then at least `wait_s` apart (a throttle). With
`forget_when_quiet`, a key is forgotten, stats and all, once it has no window open (after its
last fire, flush or cancel), so that an engine keyed by users lives as long as the process
without growing.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)

Clock = Callable[[], float]
Merge = Callable[[Any, Any], Any]


def keep_last(previous: Any, value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Policy:
    wait_s: float
    max_wait_s: float | None = None
    leading: bool = False
    forget_when_quiet: bool = False

    def __post_init__(self) -> None:
        if self.wait_s < 0 or (self.max_wait_s is not None and self.max_wait_s < self.wait_s):
            raise ValueError("need 0 <= wait_s <= max_wait_s")


@dataclass(frozen=True)
class Fire(Generic[K]):
    key: K
    value: Any
    edge: str  # "leading", "trailing" or "flush"
    calls: int  # the calls this fire stands for
    first_at: float  # when the first of them was made


@dataclass
class Stats:
    calls: int = 0
    fires: int = 0
    suppressed: int = 0  # calls that were merged into another call's fire, or cancelled


@dataclass
class _Window:
    opened_at: float
    last_at: float
    pending: bool = False
    value: Any = None
    calls: int = 0
    first_pending_at: float = 0.0


@dataclass
class Debouncer(Generic[K]):
    policy: Policy
    clock: Clock
    merge: Merge = keep_last
    _windows: dict[K, _Window] = field(default_factory=dict)
    _stats: dict[K, Stats] = field(default_factory=dict)
    _heap: list[tuple[float, int, K]] = field(default_factory=list)
    _order: int = 0

    def call(self, key: K, value: Any = None) -> Fire[K] | None:
        """Returns the leading fire when this call opens a window with `leading` set."""
        now = self.clock()
        stats = self._stats.setdefault(key, Stats())
        stats.calls += 1
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(opened_at=now, last_at=now)
            self._schedule(key, self._deadline(window))
            if self.policy.leading:
                return self._fired(key, Fire(key, value, "leading", 1, now))
        window.last_at = now
        self._absorb(window, value, now)
        return None

    def due(self) -> list[Fire[K]]:
        """The fires whose time has come, in deadline order; their windows close."""
        now, fires = self.clock(), []
        while self._heap and self._heap[0][0] <= now:
            _, _, key = heapq.heappop(self._heap)
            window = self._windows.get(key)
            if window is None:
                continue  # flushed or cancelled since it was scheduled
            deadline = self._deadline(window)
            if deadline > now:
                self._schedule(key, deadline)  # called again since: the quiet period moved on
                continue
            fire = self._close(key, "trailing")
            if fire is not None:
                fires.append(fire)
                self._cool_down(key, now)
            self._forget_if_quiet(key)
        return fires

    def next_due(self) -> float | None:
        """When `due()` may next have something to fire (it may be early, never late)."""
        return self._heap[0][0] if self._heap else None

    def flush(self, key: K) -> Fire[K] | None:
        """Fires the key's pending value now (once) and closes its window."""
        fire = self._close(key, "flush") if key in self._windows else None
        self._forget_if_quiet(key)
        return fire

    def cancel(self, key: K) -> None:
        """Closes the key's window; what was pending never fires."""
        window = self._windows.pop(key, None)
        if window is not None and window.pending:
            self._stats[key].suppressed += window.calls
        self._forget_if_quiet(key)

    def active(self, key: K) -> bool:
        return key in self._windows

    def pending(self, key: K) -> Any:
        window = self._windows.get(key)
        return window.value if window is not None and window.pending else None

    def keys(self) -> list[K]:
        return list(self._windows)

    def stats(self, key: K) -> Stats:
        return self._stats.get(key, Stats())

    def tracked(self) -> int:
        """How many keys the engine holds anything for."""
        return len(self._stats.keys() | self._windows.keys())

    def forget(self, key: K) -> None:
        """Drops a key's stats (its window must be closed): keeps a long-lived engine small."""
        if key not in self._windows:
            self._stats.pop(key, None)

    def _forget_if_quiet(self, key: K) -> None:
        if self.policy.forget_when_quiet and key not in self._windows:
            self._stats.pop(key, None)

    def _cool_down(self, key: K, now: float) -> None:
        if self.policy.leading:
            window = self._windows[key] = _Window(opened_at=now, last_at=now)
            self._schedule(key, self._deadline(window))

    def _absorb(self, window: _Window, value: Any, now: float) -> None:
        if window.pending:
            window.value = self.merge(window.value, value)
        else:
            window.pending, window.value, window.first_pending_at = True, value, now
        window.calls += 1

    def _close(self, key: K, edge: str) -> Fire[K] | None:
        window = self._windows.pop(key)
        if not window.pending:
            return None
        fire = Fire(key, window.value, edge, window.calls, window.first_pending_at)
        return self._fired(key, fire)

    def _fired(self, key: K, fire: Fire[K]) -> Fire[K]:
        stats = self._stats[key]
        stats.fires += 1
        stats.suppressed += fire.calls - 1
        return fire

    def _deadline(self, window: _Window) -> float:
        quiet = window.last_at + self.policy.wait_s
        if self.policy.max_wait_s is None:
            return quiet
        return min(quiet, window.opened_at + self.policy.max_wait_s)

    def _schedule(self, key: K, deadline: float) -> None:
        self._order += 1
        heapq.heappush(self._heap, (deadline, self._order, key))
