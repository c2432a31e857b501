"""Blue/green rebuild: replay the log into fresh versions while the old ones keep serving,
switch every rebuilt projection to its new version in one atomic step, then drop the old.

Interrupted (Ctrl-C) or failed, the fresh versions are dropped and nothing switches.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from ..projector import Projector
from ..store import ReadStore
from .follower import ProjectorFollower
from .log import EventLog
from .pump import replay

Progress = Callable[[int, int], None]  # (position reached, log head)


class RebuildFailed(Exception):
    pass


def rebuild(log: EventLog, read_store: ReadStore, projectors: Sequence[type[Projector]],
            progress: Progress | None = None, grace_s: float = 2.0,
            should_stop: Callable[[], bool] = lambda: False) -> dict[str, int]:
    """Returns the version now serving each rebuilt projection. Each fresh version records its
    projector's shape; `should_stop` interrupts the replay between rounds (RebuildFailed)."""
    fresh = {p.name: next_version(read_store, p.name) for p in projectors}
    head = log.head()
    try:
        followers = [ProjectorFollower(p, read_store.open(p.name, fresh[p.name], p.collections, create=True,
                                                          shape=p.shape), fresh[p.name], bulk=True)
                     for p in projectors]
        with collector_paused():
            _replay_all(log, followers, progress, should_stop)
        _ensure_reached(followers, head)
    except BaseException:
        for name, version in fresh.items():
            read_store.drop(name, version)
        raise
    read_store.activate(fresh)
    _drop_previous(read_store, fresh, grace_s)
    return fresh


@contextmanager
def collector_paused() -> Iterator[None]:
    """A rebuild keeps its whole read model in memory until the end: every cyclic collection
    would walk all of it (a quarter of the time, measured). Events and documents hold no cycles;
    reference counting frees them, and a collection runs once at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


def next_version(read_store: ReadStore, name: str) -> int:
    return max([*read_store.versions(name), read_store.active_version(name) or 0]) + 1


def _ensure_reached(followers: Sequence[ProjectorFollower], head: int) -> None:
    """Never switch to a version that is not stored up to where the log was when we started."""
    behind = [f"{f.name} at {f.store.position()}" for f in followers if f.store.position() < head]
    if behind:
        raise RebuildFailed(f"not stored up to position {head}: {', '.join(behind)}")


def _report(progress: Progress | None, log: EventLog, followers: Sequence[ProjectorFollower]) -> None:
    if progress:
        progress(min(f.pending for f in followers), log.head())


def _replay_all(log: EventLog, followers: Sequence[ProjectorFollower], progress: Progress | None,
                should_stop: Callable[[], bool]) -> None:
    """Replay until every follower is through; a follower failing over and over fails the rebuild."""
    while True:
        replay(log, followers, progress=lambda _: _report(progress, log, followers), should_stop=should_stop)
        if should_stop():
            raise RebuildFailed("stopped before the end")
        failing = [f for f in followers if f.failures]
        if not failing:
            return
        if any(f.stopped for f in failing):
            raise RebuildFailed("; ".join(f"{f.name}: {f.error!r}" for f in failing))
        time.sleep(max(0.0, min(f.retry_at for f in failing) - time.monotonic()))


def _drop_previous(read_store: ReadStore, serving: dict[str, int], grace_s: float) -> None:
    old = [(name, v) for name, version in serving.items() for v in read_store.versions(name) if v != version]
    if old and grace_s:
        # Queries that started on an old version, here or in a server, finish before it goes.
        time.sleep(grace_s)
    for name, version in old:
        read_store.drop(name, version)
